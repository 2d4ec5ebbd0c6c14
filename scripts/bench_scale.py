"""Scale benchmark: a mixed feed of N events into a fresh store, then what an auditor and a
controller meet at that size, each figure beside a baseline measured in the same run.

    python scripts/bench_scale.py --events 1000000 [--json] [--stores postgresql,sqlite]

The feed is the example municipality's three streams in their own proportions (late
registrations and corrections included); above a million events it is several
municipalities (one `source` each), merged in registration order. Everything registered
in the last month is ingested after the rest, so that "a month before the end" is a
moment between two ingests: as of then, reports and explain have something to tell.

Measured: ingest (events/s and the peak memory of all its processes, beside a 200 000-event
ingest of the same feed into another fresh store); live quarter and year reports by each
dimension (p50/p95 over --runs runs each); the same as of the moment a month before the
end; explain over that month; `volym rebuild` (time, peak memory); the store's size on
disk, events and read models apart. Reports and explain run in this process, through the
application layer, as the HTTP service runs them. PostgreSQL is found through
VOLYM_TEST_POSTGRES_URL; each store is a database created here and dropped afterwards."""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters import application  # noqa: E402
from adapters.composition import open_volym  # noqa: E402
from adapters.streams import STREAMS  # noqa: E402
from adapters.synthetic.households import household_feed  # noqa: E402
from adapters.synthetic.investigations import case_feed  # noqa: E402
from adapters.synthetic.placements import SOURCE, placement_feed  # noqa: E402
from scripts.bench_stores import fresh_store  # noqa: E402

KEY = "bench-key-0123456789abcdef0123456789"
EVENTS_AT_SCALE_1 = 94_300  # the example municipality's three feeds at scale 1
MUNICIPALITY = 1_000_000  # at most this many events per municipality in the feed
BASELINE_EVENTS = 200_000
QUARTER, YEAR = "2025-Q3", "2025"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# The feed


def _recorded(line: str) -> str:
    at = line.index('"recorded_at": "') + 16
    return line[at : line.index('"', at)]  # all in UTC: the text sorts as the moment


def _municipality(n: int, events: int, directory: Path) -> Path:
    """One municipality's feed of about `events` events, in registration order."""
    scale = events / EVENTS_AT_SCALE_1 * 1.03
    feeds = [f(seed=11 + n, scale=scale) for f in (placement_feed, case_feed, household_feed)]
    source = f'"source": "{SOURCE}"'
    own = f'"source": "kommun-{n:02d}"'
    path = directory / f"municipality-{n}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for line in itertools.islice(heapq.merge(*feeds, key=_recorded), events):
            handle.write(line.replace(source, own, 1) + "\n")
    return path


def write_feeds(n_events: int, directory: Path) -> tuple[Path, Path, Path, int]:
    """The whole feed, cut in two: all but the last month's registrations, and those;
    and the first BASELINE_EVENTS lines apart. Returns the three files and the count."""
    parts = max(1, math.ceil(n_events / MUNICIPALITY))
    files = []
    for n in range(parts):
        log(f"feed: municipality {n + 1} of {parts}")
        files.append(_municipality(n, n_events // parts, directory))
    handles = [f.open(encoding="utf-8") for f in files]
    lines = handles[0] if parts == 1 else heapq.merge(*handles, key=_recorded)
    everything = directory / "feed.jsonl"
    count = 0
    last = ""
    with everything.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line)
            count += 1
            last = max(last, _recorded(line))
    for handle in handles:
        handle.close()
    cut = (datetime.fromisoformat(last) - timedelta(days=30)).isoformat()
    before, after, baseline = (directory / n for n in ("before.jsonl", "after.jsonl", "base.jsonl"))
    with (
        everything.open(encoding="utf-8") as source,
        before.open("w", encoding="utf-8") as b,
        after.open("w", encoding="utf-8") as a,
        baseline.open("w", encoding="utf-8") as base,
    ):
        for n, line in enumerate(source):
            (a if _recorded(line) >= cut else b).write(line)
            if n < BASELINE_EVENTS:
                base.write(line)
    everything.unlink()
    for f in files:
        f.unlink()
    return before, after, baseline, count


# Commands as a user runs them, with the peak memory of all their processes


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as status:
                for row in status:
                    if row.startswith("VmRSS:"):
                        total += int(row.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as children:
                    stack += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def volym(*args: str, url: str) -> tuple[float, int]:
    """`volym args --db url` as a new process: seconds, and peak memory (bytes) of it and
    its helpers together."""
    command = [sys.executable, "-c", "from adapters.cli.app import main; main()", *args]
    env = {**os.environ, "VOLYM_PSEUDONYM_KEY": KEY}
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--db", url], cwd=ROOT, env=env, stdout=subprocess.PIPE)
    peak = [0]

    def watch() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.5)  # cheap: reading /proc often took a third of a core

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = process.communicate()
    elapsed = time.perf_counter() - started
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"volym {' '.join(args)} failed ({process.returncode}): {out!r}")
    return elapsed, peak[0]


# Stores


@contextmanager
def store(kind: str, directory: Path, keep: bool = False) -> Iterator[str]:
    """A fresh store, removed afterwards unless `keep` (PostgreSQL: its URL is logged)."""

    def on_kept(url: str) -> None:
        log(f"kept store (drop it when done): {url}")

    with fresh_store(kind, directory, keep=keep, on_kept=on_kept) as url:
        yield url


EVENT_TABLES = ("stored_events", "feed_event", "feed_claim", "log_moment")


def sizes(url: str) -> dict[str, int]:
    """Bytes on disk: the event log (with its keys) and the read models."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
            names = {
                index: table
                for index, table in conn.execute(
                    "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"
                )
            }
    else:
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r'"
            ).fetchall()
            names = {}
    found = {"events": 0, "read_models": 0, "versions": 0}
    for name, size in rows:
        table = names.get(name, name)
        if table.startswith("sqlite_autoindex_"):
            table = table.removeprefix("sqlite_autoindex_").rpartition("_")[0]
        if any(table.startswith(t) for t in EVENT_TABLES):
            found["events"] += int(size)
        elif "_v_g" in table:
            found["versions"] += int(size)
        else:
            found["read_models"] += int(size)
    return found


# Reports in this process


def _percentiles(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def reports(url: str, runs: int, as_of: datetime | None) -> dict[str, Any]:
    """Every stream's quarter and year report by each dimension, `runs` times each."""
    found: dict[str, Any] = {}
    everything: list[float] = []
    with open_volym(url, must_exist=True, needs_key=False) as v:
        for stream in STREAMS:
            for label, period in (("quarter", QUARTER), ("year", YEAR)):
                per_stream: list[float] = []
                worst = ("", 0.0)
                for dim in stream.report_kind.dimensions:
                    request = application.report_request(stream.name, [period], [dim], [], as_of)
                    timings = []
                    for _ in range(runs):
                        t0 = time.perf_counter()
                        application.report(v, request)
                        timings.append(time.perf_counter() - t0)
                    per_stream += timings
                    p95 = _percentiles(timings)["p95_ms"]
                    if p95 > worst[1]:
                        worst = (dim, p95)
                found[f"{stream.name} {label}"] = {
                    **_percentiles(per_stream),
                    "slowest_dimension": worst[0],
                    "slowest_p95_ms": worst[1],
                }
                everything += per_stream
    found["all"] = _percentiles(everything)
    return found


def explains(url: str, as_of: datetime, runs: int = 3) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with open_volym(url, must_exist=True, needs_key=False) as v:
        for stream in STREAMS:
            dim = next(iter(stream.report_kind.dimensions))
            request = application.report_request(stream.name, [YEAR], [dim], [], as_of)
            timings = []
            for _ in range(runs):
                t0 = time.perf_counter()
                result = application.explain(v, request)
                timings.append(time.perf_counter() - t0)
            found[stream.name] = {
                "median_s": round(statistics.median(timings), 2),
                "max_s": round(max(timings), 2),
                "differences": len(result["differences"]),
            }
    return found


PHASES = ("reports", "as_of", "explain", "rebuild")


def run_store(
    kind: str,
    feeds: tuple[Path, Path, Path],
    runs: int,
    directory: Path,
    verify: bool,
    skip: tuple[str, ...] = (),
    keep: bool = False,
) -> Any:
    before, after, base = feeds
    result: dict[str, Any] = {}
    with store(kind, directory) as url:
        log(f"{kind}: baseline ingest of {BASELINE_EVENTS} events")
        base_s, base_peak = volym("ingest", str(base), url=url)
    with store(kind, directory, keep) as url:
        log(f"{kind}: ingest, all but the last month")
        first_s, first_peak = volym("ingest", str(before), url=url)
        time.sleep(1.1)
        moment = datetime.now(UTC)
        time.sleep(1.1)
        log(f"{kind}: ingest, the last month")
        last_s, last_peak = volym("ingest", str(after), url=url)
        with open_volym(url, must_exist=True, needs_key=False) as v:
            status = {s.projection: s.position for s in application.status(v)}
            stored = max(status.values())
        lines = sum(1 for _ in before.open()) + sum(1 for _ in after.open())
        base_lines = sum(1 for _ in base.open())
        rate, base_rate = lines / (first_s + last_s), base_lines / base_s
        result["ingest"] = {
            "lines": lines,
            "events_stored": stored,
            "events_per_s": round(rate),
            "baseline_200k_events_per_s": round(base_rate),
            "ratio_to_200k": round(rate / base_rate, 3),
            "peak_memory_mib": round(max(first_peak, last_peak) / 2**20),
            "baseline_peak_memory_mib": round(base_peak / 2**20),
            "last_month_s": round(last_s, 1),
        }
        log(f"{kind}: {result['ingest']}")
        log(f"{kind}: the moment a month before the end: {moment.isoformat()}")
        result["size_mib"] = {k: round(v / 2**20, 1) for k, v in sizes(url).items()}
        log(f"{kind}: size {json.dumps(result['size_mib'])}")
        if "reports" not in skip:
            log(f"{kind}: live reports, {runs} runs per dimension")
            result["live_reports"] = reports(url, runs, None)
            log(f"{kind}: live reports {json.dumps(result['live_reports'])}")
        if "as_of" not in skip:
            log(f"{kind}: reports as of {moment:%H:%M:%S} (a month before the end)")
            result["as_of_reports"] = reports(url, runs, moment)
            log(f"{kind}: as of {json.dumps(result['as_of_reports'])}")
        if "explain" not in skip:
            log(f"{kind}: explain over the last month")
            result["explain"] = explains(url, moment)
            log(f"{kind}: explain {json.dumps(result['explain'])}")
        if "rebuild" not in skip:
            log(f"{kind}: rebuild")
            rebuild_s, rebuild_peak = volym("rebuild", url=url)
            result["rebuild"] = {
                "seconds": round(rebuild_s, 1),
                "events_per_s": round(stored / rebuild_s),
                "peak_memory_mib": round(rebuild_peak / 2**20),
            }
            log(f"{kind}: rebuild {json.dumps(result['rebuild'])}")
        if verify:
            log(f"{kind}: verify")
            verify_s, verify_peak = volym("verify", url=url)
            result["verify"] = {
                "seconds": round(verify_s, 1),
                "peak_memory_mib": round(verify_peak / 2**20),
            }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--stores", default="postgresql,sqlite")
    parser.add_argument("--runs", type=int, default=20, help="runs of each report")
    parser.add_argument(
        "--feed-dir",
        type=Path,
        help="keep the feed here, and use the one found here if it is there already",
    )
    parser.add_argument(
        "--verify",
        choices=("yes", "no", "auto"),
        default="auto",
        help="run `volym verify` at the end (auto: up to a million events; it replays the "
        "whole log in memory)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help=f"phases not to run, comma-separated: {', '.join(PHASES)} (ingest always runs)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the PostgreSQL store afterwards, to measure more on it (its URL is logged)",
    )
    args = parser.parse_args()
    skip = tuple(p for p in args.skip.split(",") if p)
    for phase in skip:
        if phase not in PHASES:
            parser.error(f"--skip {phase}: one of {', '.join(PHASES)}")
    results: dict[str, Any] = {"events": args.events, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(dir=os.environ.get("VOLYM_BENCH_DIR")) as tmp:
        directory = Path(tmp)
        kept = args.feed_dir
        if kept is not None and (kept / "before.jsonl").is_file():
            log(f"feed: the one in {kept}")
            before, after, base = (kept / n for n in ("before.jsonl", "after.jsonl", "base.jsonl"))
            count = sum(1 for _ in before.open()) + sum(1 for _ in after.open())
        else:
            if kept is not None:
                kept.mkdir(parents=True, exist_ok=True)
            before, after, base, count = write_feeds(args.events, kept or directory)
        results["feed_lines"] = count
        for kind in args.stores.split(","):
            if kind == "sqlite" and args.events > 1_000_000:
                log("sqlite: skipped above a million events")
                continue
            verify = args.verify == "yes" or (args.verify == "auto" and args.events <= 1_000_000)
            results[kind] = run_store(
                kind, (before, after, base), args.runs, directory, verify, skip, args.keep
            )
            if not args.json:
                print(json.dumps({kind: results[kind]}, indent=1), flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
