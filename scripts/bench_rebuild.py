"""Rebuild benchmark: `volym rebuild` (every projection built aside from the event store
and switched) in events/s, beside the `eventsourcing` library's own rate for reading and
decoding the same notifications (`select_notifications` + `mapper.to_domain_event`, 1 000
at a time), both measured in this run on the same store, SQLite and PostgreSQL.

    python scripts/bench_rebuild.py --events 200000 [--json] [--repeat 3]

The store is filled first (not timed) by ingesting the mixed feed of bench_ingest. Then the
library's read+decode and volym's rebuild take turns, --repeat times each, and the ratio
is that of the medians: on this 2-core machine either rate varies by up to a third from
one run to the next."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters import application
from adapters.composition import Volym, open_volym
from scripts.bench_ingest import KEY, BaselineApp, pg_env, write_feed
from scripts.bench_stores import database_url, pg_database

READ_BATCH = 1000


class StoreReader(BaselineApp):
    name = "stored"  # the library's PostgreSQL tables are named after the application


def library_read_and_decode(env: dict[str, str]) -> tuple[int, float]:
    app = StoreReader(env=env)
    try:
        started = time.perf_counter()
        count, position = 0, 0
        while True:
            notifications = app.recorder.select_notifications(
                start=position, limit=READ_BATCH, inclusive_of_start=False
            )
            if not notifications:
                break
            for notification in notifications:
                app.mapper.to_domain_event(notification)
            count += len(notifications)
            position = notifications[-1].id
        return count, time.perf_counter() - started
    finally:
        app.close()


def volym_rebuild(volym: Volym) -> tuple[int, float]:
    """What `volym rebuild` does: every projection, from one reading of the log."""
    receipt = application.rebuild(volym)
    return receipt.events, receipt.seconds


def run_store(store: str, feed: Path, directory: Path, repeat: int) -> dict[str, Any]:
    if store == "sqlite":
        path = directory / f"rebuild-{uuid.uuid4().hex}.db"
        return _measure(
            f"sqlite:///{path}",
            {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
            feed,
            repeat,
        )
    with pg_database() as name:
        return _measure(database_url(name), pg_env(name), feed, repeat)


def _measure(url: str, env: dict[str, str], feed: Path, repeat: int) -> dict[str, Any]:
    base_runs, volym_runs = [], []
    with open_volym(url, pseudonym_key=KEY) as volym:
        with feed.open("rb") as handle:
            application.ingest_lines(volym, handle)
        for _ in range(repeat):
            read, base_s = library_read_and_decode(env)
            events, volym_s = volym_rebuild(volym)
            assert read == events, (read, events)
            base_runs.append(base_s)
            volym_runs.append(volym_s)
    base_s, volym_s = statistics.median(base_runs), statistics.median(volym_runs)
    return {
        "events": events,
        "events_per_s": round(events / volym_s, 1),
        "baseline_events_per_s": round(read / base_s, 1),
        "ratio_to_baseline": round(base_s / volym_s, 3),
        "seconds": round(volym_s, 2),
        "baseline_seconds": round(base_s, 2),
        "runs_seconds": [round(x, 2) for x in volym_runs],
        "baseline_runs_seconds": [round(x, 2) for x in base_runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3, help="turns of each, medians compared")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        feed = write_feed("mixed", args.events, directory)
        for store in args.stores.split(","):
            r = results[store] = run_store(store, feed, directory, args.repeat)
            if not args.json:
                print(
                    f"{store:>10}: rebuild {r['events_per_s']:>7.0f} events/s over "
                    f"{r['events']} events (library read+decode {r['baseline_events_per_s']:.0f}"
                    f", x{r['ratio_to_baseline']}), all projections; medians of "
                    f"{r['runs_seconds']} s against {r['baseline_runs_seconds']} s",
                    flush=True,
                )
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
