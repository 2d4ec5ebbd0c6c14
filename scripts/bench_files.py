"""Several files in one `volym ingest` against the same lines in one file: the example
municipality's three feeds (as `volym demo` writes them), ingested both ways into fresh
stores, alternately, as new processes.

    python scripts/bench_files.py [--runs 3] [--stores sqlite,postgresql] [--json]

PostgreSQL is found through VOLYM_TEST_POSTGRES_URL; each store is created and dropped."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.streams import STREAMS  # noqa: E402
from scripts.bench_stores import fresh_store  # noqa: E402

KEY = "bench-key-0123456789abcdef0123456789"
SEED = 2024  # the demo's


def ingest(files: list[Path], kind: str, directory: Path) -> float:
    """Seconds for `volym ingest files` into a fresh store of this kind."""
    command = [sys.executable, "-c", "from adapters.cli.app import main; main()", "ingest"]
    env = {**os.environ, "VOLYM_PSEUDONYM_KEY": KEY}
    with fresh_store(kind, directory) as url:
        started = time.perf_counter()
        subprocess.run(
            [*command, *map(str, files), "--db", url],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = []
        for stream in STREAMS:
            path = directory / stream.demo_file
            path.write_text("".join(line + "\n" for line in stream.synthetic_feed(SEED)))
            files.append(path)
        joined = directory / "all.jsonl"
        joined.write_text("".join(f.read_text() for f in files))
        for kind in args.stores.split(","):
            three, one = [], []
            for _ in range(args.runs):
                three.append(ingest(files, kind, directory))
                one.append(ingest([joined], kind, directory))
            results[kind] = {
                "three_files_s": round(statistics.median(three), 2),
                "one_file_s": round(statistics.median(one), 2),
                "ratio": round(statistics.median(three) / statistics.median(one), 3),
                "runs": args.runs,
            }
            if not args.json:
                r = results[kind]
                print(
                    f"{kind:>10}: three files {r['three_files_s']} s, the same lines in one "
                    f"file {r['one_file_s']} s (x{r['ratio']}), median of {args.runs}",
                    flush=True,
                )
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
