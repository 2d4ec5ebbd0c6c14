"""Start-up benchmark (issue 15, item 4): the wall time of one `volym report` on the example
municipality's SQLite store, interpreter start included, beside what its parts cost alone
in the same run: the bare interpreter, and importing each library the command needs.

    python scripts/bench_startup.py [--runs 15] [--db demo/volym-demo.db] [--json]

Run `make demo` first (or give --db). Each figure is the median of --runs runs of a new
process, after one run not counted; min and max beside it show the spread."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOLYM = str(Path(sys.executable).parent / "volym")
TARGET = 0.5  # seconds: issue 15

BASELINES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import sqlalchemy": [sys.executable, "-c", "import sqlalchemy"],
    "import click": [sys.executable, "-c", "import click"],
    "import pydantic (the feed's models; not needed to read)": [
        sys.executable, "-c", "import pydantic"
    ],
    "import rich": [sys.executable, "-c", "import rich.console, rich.table"],
    "import eventsourcing": [sys.executable, "-c", "import eventsourcing.persistence"],
}  # fmt: skip


def timed(command: list[str], runs: int) -> dict[str, float]:
    subprocess.run(command, capture_output=True, check=True, cwd=ROOT)  # warm the file cache
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
        walls.append(time.perf_counter() - started)
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", default="demo/volym-demo.db")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (ROOT / args.db).is_file() and not Path(args.db).is_file():
        sys.exit(f"no store at {args.db}: run `make demo` first, or give --db")
    url = f"sqlite:///{args.db}"
    commands = {
        "volym report placements --period 2025-Q1 --by form_group": [
            VOLYM, "report", "placements", "--db", url, "--period", "2025-Q1", "--by", "form_group"
        ],
        "volym report households --period 2025 --format json": [
            VOLYM, "report", "households", "--db", url, "--period", "2025", "--format", "json"
        ],
        "volym --help": [VOLYM, "--help"],
    }  # fmt: skip
    figures: dict[str, dict[str, float]] = {}
    for label, command in {**commands, **BASELINES}.items():
        figures[label] = timed(command, args.runs)
        if not args.json:
            f = figures[label]
            print(
                f"{label:<58} {f['median']:6.3f} s  (min {f['min']:.3f}, max {f['max']:.3f})",
                flush=True,
            )
    if args.json:
        print(json.dumps({"target_s": TARGET, "runs": args.runs, "figures": figures}, indent=2))
        return
    report = figures[next(iter(commands))]["median"]
    verdict = "met" if report < TARGET else "not met"
    print(f"\ntarget: a report under {TARGET} s wall: {verdict} ({report:.3f} s)")


if __name__ == "__main__":
    main()
