"""Ingest benchmark: volym (feed file to committed projection) against the `eventsourcing`
library saving the same aggregates in batches of 500 without validation, both measured
in this run, on a fresh SQLite and a fresh PostgreSQL store; plus a quarterly report.

    python scripts/bench_ingest.py --events 200000 [--json]

PostgreSQL is found through VOLYM_TEST_POSTGRES_URL like the tests; a database is created
for each measurement and dropped afterwards."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.composition import open_volym
from adapters.eventstore import DateAsISO
from adapters.ingest import Ingestor
from adapters.placement_report import PLACEMENTS, placement_report
from adapters.projection_kinds import PLACEMENT_PROJECTION
from adapters.projector import Projector
from adapters.reporting import parse_request
from adapters.synthetic import placement_feed
from domain.placement import Placement, placement_key

PG_URL = os.environ.get("VOLYM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
KEY = "bench-key-0123456789abcdef0123456789"
EVENTS_PER_UNIT_SCALE = 6700  # what placement_feed(scale=1) yields


def write_feed(n_events: int, directory: Path) -> Path:
    path = directory / "feed.jsonl"
    scale = max(1.0, n_events / EVENTS_PER_UNIT_SCALE * 1.05)
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        for line in placement_feed(seed=7, scale=scale):
            handle.write(line + "\n")
            written += 1
            if written >= n_events:
                break
    return path


class BaselineApp(Application):  # type: ignore[type-arg]
    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


def baseline(feed: Path, env: dict[str, str]) -> float:
    """The library's own path: the same aggregates, saved 500 events at a time."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    app = BaselineApp(env=env)
    started = time.perf_counter()
    aggregates: dict[Any, Placement] = {}
    touched: dict[Any, Placement] = {}
    pending = 0
    now = datetime.now(UTC)
    with feed.open(encoding="utf-8") as handle:
        for line in handle:
            e = json.loads(line)
            key = placement_key(e["source"], e["placement_id"])
            on = date.fromisoformat(e["occurred_on"])
            common = {"event_id": e["event_id"], "recorded_at": now, "occurred_on": on}
            kind = e["type"]
            try:
                if kind == "placement.started":
                    aggregates[key] = Placement.start(
                        source=e["source"],
                        placement_id=e["placement_id"],
                        **common,
                        person=e["person"],
                        birth_date=on,
                        sex="kvinna",
                        target_group=e["target_group"],
                        form=e["form"],
                        legal_basis=e["legal_basis"],
                        regi=e["regi"],
                        daily_cost=Decimal(e["daily_cost"]),
                        provider=e.get("provider"),
                        unaccompanied=e.get("unaccompanied", False),
                        accompanying_children=e.get("accompanying_children", 0),
                    )
                elif kind == "placement.changed":
                    values = {
                        k: e[k] for k in ("form", "legal_basis", "regi", "provider") if k in e
                    }
                    if "daily_cost" in e:
                        values["daily_cost"] = Decimal(e["daily_cost"])
                    aggregates[key].change(**common, **values)
                elif kind == "placement.ended":
                    aggregates[key].end(**common, reason=None)
                else:
                    aggregates[key].void(**common, reason=None)
            except Exception:
                continue
            touched[key] = aggregates[key]
            pending += 1
            if pending >= 500:
                app.save(*touched.values())
                touched.clear()
                pending = 0
    if touched:
        app.save(*touched.values())
    elapsed = time.perf_counter() - started
    app.close()
    return elapsed


def measure_volym(feed: Path, url: str) -> tuple[int, float, float]:
    with open_volym(url, pseudonym_key=KEY) as volym:
        started = time.perf_counter()
        with feed.open("rb") as handle:
            summary = Ingestor(volym).ingest(handle)
        elapsed = time.perf_counter() - started
        view = Projector(volym, PLACEMENT_PROJECTION).live_view()
        request = parse_request(PLACEMENTS, ["2024-Q1"], ["form_group"])
        timings = []
        for _ in range(5):
            t0 = time.perf_counter()
            placement_report(view, request)
            timings.append(time.perf_counter() - t0)
    return summary.accepted, elapsed, statistics.median(timings)


@contextmanager
def pg_database() -> Iterator[str]:
    name = f"volym_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_env(name: str) -> dict[str, str]:
    info = psycopg.conninfo.conninfo_to_dict(PG_URL)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": name,
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", 5432)),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
    }


def run_store(store: str, feed: Path, directory: Path) -> dict[str, Any]:
    if store == "sqlite":
        base_path = directory / f"baseline-{uuid.uuid4().hex}.db"
        base_s = baseline(
            feed, {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(base_path)}
        )
        accepted, volym_s, report_s = measure_volym(
            feed, f"sqlite:///{directory / f'volym-{uuid.uuid4().hex}.db'}"
        )
    else:
        with pg_database() as name:
            base_s = baseline(feed, pg_env(name))
        with pg_database() as name:
            base_url = PG_URL.rpartition("/")[0]
            accepted, volym_s, report_s = measure_volym(feed, f"{base_url}/{name}")
    return {
        "events": accepted,
        "events_per_s": round(accepted / volym_s, 1),
        "baseline_events_per_s": round(accepted / base_s, 1),
        "ratio_to_baseline": round(base_s / volym_s, 3),
        "seconds": round(volym_s, 2),
        "baseline_seconds": round(base_s, 2),
        "report_s": round(report_s, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        feed = write_feed(args.events, directory)
        for store in args.stores.split(","):
            results[store] = run_store(store, feed, directory)
            if not args.json:
                r = results[store]
                print(
                    f"{store:>10}: volym {r['events_per_s']:>9.0f} events/s "
                    f"(baseline {r['baseline_events_per_s']:.0f}, x{r['ratio_to_baseline']}), "
                    f"quarter by form group {r['report_s'] * 1000:.0f} ms over {r['events']} events"
                )
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
