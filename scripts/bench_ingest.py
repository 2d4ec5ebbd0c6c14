"""Ingest benchmark: volym (feed file to committed projections) against the `eventsourcing`
library saving the same aggregates in batches of 500 without validation, both measured
in this run, on a fresh SQLite and a fresh PostgreSQL store; plus a quarterly report of
each kind. Three feeds: placements only, investigations only, and both interleaved.

    python scripts/bench_ingest.py --events 200000 [--json] [--mixes mixed] [--rounds 3]

PostgreSQL is found through VOLYM_TEST_POSTGRES_URL like the tests; a database is created
for each measurement and dropped afterwards."""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters import application
from adapters.composition import open_volym
from adapters.eventstore.transcoding import DateAsISO
from adapters.streams import STREAMS
from adapters.synthetic.households import household_feed
from adapters.synthetic.investigations import case_feed
from adapters.synthetic.placements import placement_feed
from domain.errors import RuleViolation
from scripts.bench_stores import PG_URL, fresh_store, pg_database, sqlite_file

KEY = "bench-key-0123456789abcdef0123456789"
# What each synthetic feed yields at scale 1, to choose the scale for --events.
EVENTS_PER_UNIT_SCALE = {"placements": 6700, "investigations": 51600, "households": 36000}
FEEDS = {"placements": placement_feed, "investigations": case_feed, "households": household_feed}
MIXES = ("placements", "investigations", "households", "mixed")


def write_feed(mix: str, n_events: int, directory: Path) -> Path:
    """`mixed`: a third of each stream, interleaved in the order the case system registered
    them, as one municipality's export would be."""
    path = directory / f"{mix}.jsonl"
    kinds = list(FEEDS) if mix == "mixed" else [mix]
    share = n_events // len(kinds)
    streams = []
    for kind in kinds:
        scale = max(1.0, share / EVENTS_PER_UNIT_SCALE[kind] * 1.05)
        streams.append(itertools.islice(FEEDS[kind](seed=7, scale=scale), share))
    merged = heapq.merge(*streams, key=lambda line: orjson.loads(line)["recorded_at"])
    with path.open("w", encoding="utf-8") as handle:
        for line in merged:
            handle.write(line + "\n")
    return path


class BaselineApp(Application):  # type: ignore[type-arg]
    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


def baseline(feed: Path, env: dict[str, str]) -> float:
    """The library's own path: the same aggregates, by the same commands, saved 500 events
    at a time; lines are read with json and not validated, persons not pseudonymized."""
    app = BaselineApp(env=env)
    started = time.perf_counter()
    aggregates: dict[Any, Any] = {}
    touched: dict[Any, Any] = {}
    pending = 0
    now = datetime.now(UTC)
    with feed.open(encoding="utf-8") as handle:
        for line in handle:
            e = json.loads(line)
            on = date.fromisoformat(e["occurred_on"])
            fields = {"reason": None, "provider": None, "reporter": None, **e, "occurred_on": on}
            fields["recorded_at"] = None
            for name in ("person", "applicant", "co_applicant"):
                if e.get(name) is not None:
                    fields[name] = SimpleNamespace(pseudonym=e[name], birth_date=on, sex="man")
            for name in ("daily_cost", "amount"):
                if name in e:
                    fields[name] = Decimal(e[name])
            if "until" in e:
                fields["until"] = date.fromisoformat(e["until"])
            if "month" in e:
                fields["month"] = date.fromisoformat(e["month"] + "-01")
            fields["model_fields_set"] = set(e)
            # An attribute bag: the commands read a FeedEvent's attributes only.
            event: Any = SimpleNamespace(**{**DEFAULTS, **fields})
            stream = BY_PREFIX[event.type.partition(".")[0]]
            key = stream.key(event.source, getattr(event, stream.id_field))
            try:
                aggregates[key] = stream.command(aggregates.get(key), event, now)
            except RuleViolation:
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


BY_PREFIX = {stream.aggregate: stream for stream in STREAMS}
DEFAULTS = {  # the feed's optional fields, as validation would fill them in
    "unaccompanied": False,
    "accompanying_children": 0,
    "form": None,
    "legal_basis": None,
    "regi": None,
    "daily_cost": None,
    "co_applicant": None,
    "children": 0,
    "newly_arrived": False,
    "kind": "forsorjningsstod",
    "amount": None,
}


def measure_volym(feed: Path, url: str) -> tuple[int, float, dict[str, float]]:
    with open_volym(url, pseudonym_key=KEY) as volym:
        started = time.perf_counter()
        with feed.open("rb") as handle:
            summary = application.ingest_lines(volym, handle)
        elapsed = time.perf_counter() - started
        reports: dict[str, float] = {}
        for name, by in (
            ("placements", "form_group"),
            ("investigations", "target_group"),
            ("households", "kind"),
        ):
            request = application.report_request(name, ["2024-Q1"], [by])
            timings = []
            for _ in range(5):
                t0 = time.perf_counter()
                application.report(volym, request)
                timings.append(time.perf_counter() - t0)
            reports[name] = round(statistics.median(timings), 4)
    return summary.accepted, elapsed, reports


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


def run_store(store: str, feed: Path, directory: Path, rounds: int = 1) -> dict[str, Any]:
    """`rounds` pairs of baseline and volym, taking turns (the second pair in the other
    order, and so on): this machine's speed drifts by a fifth within minutes, and a
    lone pair's ratio moved with it. The figures are the pairs' medians."""
    pairs: list[tuple[float, float]] = []
    accepted = 0
    report_s: dict[str, float] = {}
    for n in range(rounds):
        base_s = volym_s = 0.0
        for which in ("baseline", "volym") if n % 2 == 0 else ("volym", "baseline"):
            if which == "baseline":
                base_s = _baseline_on(store, feed, directory)
            else:
                accepted, volym_s, reports = _volym_on(store, feed, directory)
                report_s = report_s or reports
        pairs.append((base_s, volym_s))
    base_s = statistics.median(b for b, _ in pairs)
    volym_s = statistics.median(v for _, v in pairs)
    ratios = [round(b / v, 3) for b, v in pairs]
    return {
        "events": accepted,
        "events_per_s": round(accepted / volym_s, 1),
        "baseline_events_per_s": round(accepted / base_s, 1),
        "ratio_to_baseline": round(statistics.median(ratios), 3),
        "ratios": ratios,
        "seconds": round(volym_s, 2),
        "baseline_seconds": round(base_s, 2),
        "quarter_report_s": report_s,
    }


def _baseline_on(store: str, feed: Path, directory: Path) -> float:
    if store == "sqlite":
        with sqlite_file(directory, "baseline") as path:
            return baseline(
                feed, {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
            )
    with pg_database() as name:
        return baseline(feed, pg_env(name))


def _volym_on(store: str, feed: Path, directory: Path) -> tuple[int, float, dict[str, float]]:
    with fresh_store(store, directory) as url:
        return measure_volym(feed, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--mixes", default=",".join(MIXES), help="feeds: " + ", ".join(MIXES))
    parser.add_argument(
        "--rounds", type=int, default=1, help="pairs of baseline and volym, taking turns"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for mix in args.mixes.split(","):
            feed = write_feed(mix, args.events, directory)
            for store in args.stores.split(","):
                r = results.setdefault(mix, {})[store] = run_store(
                    store, feed, directory, args.rounds
                )
                if not args.json:
                    print(
                        f"{mix:>14} {store:>10}: volym {r['events_per_s']:>7.0f} events/s "
                        f"(baseline {r['baseline_events_per_s']:.0f}, "
                        f"x{r['ratio_to_baseline']}"
                        + (f", pairs {r['ratios']}" if args.rounds > 1 else "")
                        + f") over {r['events']} events; 2024-Q1 "
                        + ", ".join(
                            f"{k} {v * 1000:.0f} ms" for k, v in r["quarter_report_s"].items()
                        ),
                        flush=True,
                    )
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
