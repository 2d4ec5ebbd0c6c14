"""HTTP load benchmark: N clients post a mixed feed of M events to a real `volym serve` on
127.0.0.1, in requests of 500, while two more fetch reports (a report, then a pause of
--report-pause s); beside it, in the same run, the same events through `volym ingest`.
Prints events/s both ways, report p50/p95 under the load, and checks that the store holds
each event once and `volym verify` is clean.

    python scripts/bench_http.py --clients 8 --events 200000 [--workers 2] [--json]

Each client posts the events of its own aggregates, in feed order (an aggregate's events
never race each other), as one case system per client would."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import write_feed
from bench_stores import database_url, pg_database

KEY = "bench-key-0123456789abcdef0123456789"
ROOT = Path(__file__).resolve().parent.parent
REQUEST = 500
ASKED = {"period": "2024-Q1", "by": "form_group"}  # the report fetched under the load
VOLYM = [sys.executable, "-c", "from adapters.cli.app import main; main()"]


def volym(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOLYM_PSEUDONYM_KEY": KEY, "VOLYM_DATABASE_URL": db}
    return subprocess.run([*VOLYM, *args], cwd=ROOT, env=env, capture_output=True, text=True)


def aggregate_of(line: str) -> str:
    event = json.loads(line)
    ident = event.get("placement_id") or event.get("case_id") or event.get("household_id")
    return f"{event['source']}/{event['type'].partition('.')[0]}/{ident}"


def per_client(lines: list[str], clients: int) -> list[list[list[str]]]:
    """Each client's requests: its aggregates' events in feed order, 500 a request."""
    shares: list[list[str]] = [[] for _ in range(clients)]
    for line in lines:
        shares[zlib.crc32(aggregate_of(line).encode()) % clients].append(line)
    return [[s[i : i + REQUEST] for i in range(0, len(s), REQUEST)] for s in shares]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read_reports(
    base: str,
    token: str,
    pause: float,
    reading: Event,
    measured: multiprocessing.Queue[list[float]],
) -> None:
    """Fetch the report, pause, again, while `reading` is set; put the latencies."""
    latencies = []
    with httpx.Client(base_url=base, timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as client:  # fmt: skip
        while reading.is_set():
            t0 = time.perf_counter()
            answer = client.get("/v1/reports/placements", params=ASKED)
            if answer.status_code == 200:
                latencies.append(time.perf_counter() - t0)
            time.sleep(pause)
    measured.put(latencies)


def measure_http(
    lines: list[str], clients: int, workers: int, pause: float, readers: str
) -> dict[str, object]:
    with pg_database() as name:
        db = database_url(name)
        integrator = volym("token", "create", "bench", "--role", "integrator",
                           "--source", "lifecare-exempelby", db=db).stdout.strip()  # fmt: skip
        reader = volym("token", "create", "analyst", "--role", "reader", db=db).stdout.strip()
        port = free_port()
        env = {**os.environ, "VOLYM_PSEUDONYM_KEY": KEY}
        server = subprocess.Popen(
            [*VOLYM, "serve", "--port", str(port), "--workers", str(workers), "--db", db],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        plan = per_client(lines, clients)
        accepted, errors = [0] * clients, []

        def post(n: int) -> None:
            auth = {"Authorization": f"Bearer {integrator}"}
            with httpx.Client(base_url=base, timeout=300, headers=auth) as client:
                for request in plan[n]:
                    answer = client.post(
                        "/v1/events", content="\n".join(request),
                        headers={"content-type": "application/x-ndjson"},
                    )  # fmt: skip
                    if answer.status_code != 200:
                        errors.append(answer.text[:200])
                        return
                    accepted[n] += answer.json()["accepted"]

        # The report readers are other clients (a controller's Power BI): in their own
        # process, their latency is the server's, not this process's wait for its
        # interpreter lock while eight posting threads build and read requests.
        context = multiprocessing.get_context("spawn")
        reading = context.Event()
        reading.set()
        measured: multiprocessing.Queue[list[float]] = context.Queue()
        reader_args = (base, reader, pause, reading, measured)
        report_readers: list[multiprocessing.context.SpawnProcess | threading.Thread] = [
            context.Process(target=read_reports, args=reader_args)
            if readers == "process"
            else threading.Thread(target=read_reports, args=reader_args)
            for _ in range(2)
        ]
        posters = [threading.Thread(target=post, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for one in report_readers:
            one.start()
        for thread in posters:
            thread.start()
        for thread in posters:
            thread.join()
        elapsed = time.perf_counter() - started
        reading.clear()
        latencies = [seconds for _ in report_readers for seconds in measured.get(timeout=120)]
        for one in report_readers:
            one.join()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        with psycopg.connect(db) as conn:
            row = conn.execute("SELECT count(*), count(DISTINCT (originator_id, "
                               "originator_version)) FROM stored_events").fetchone()  # fmt: skip
        stored, distinct = row or (0, 0)
        verified = volym("verify", db=db)
        latencies.sort()
        return {
            "events_per_s": round(sum(accepted) / elapsed),
            "seconds": round(elapsed, 2),
            "accepted": sum(accepted),
            "errors": errors[:3],
            "stored": stored,
            "stored_once": stored == distinct == len(lines),
            "verify_clean": verified.returncode == 0,
            "report_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "report_p95_ms": (
                round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None
            ),
            "reports": len(latencies),
        }


def measure_cli(feed: Path, count: int) -> dict[str, object]:
    with pg_database() as name:
        db = database_url(name)
        started = time.perf_counter()
        done = volym("ingest", str(feed), db=db)
        elapsed = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
        return {"events_per_s": round(count / elapsed), "seconds": round(elapsed, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--report-pause", type=float, default=0.25,
        help="seconds each of the two report readers waits between reports",
    )  # fmt: skip
    parser.add_argument(
        "--readers", choices=("process", "thread"), default="process",
        help="the report readers in a process of their own (as another client is), or as "
        "threads beside the posting clients (as measured before 2026-11-30)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        feed = write_feed("mixed", args.events, Path(directory))
        lines = [line for line in feed.read_text().splitlines() if line.strip()]
        cli = measure_cli(feed, len(lines))
        http = measure_http(lines, args.clients, args.workers, args.report_pause, args.readers)
    result = {
        "events": len(lines),
        "clients": args.clients,
        "workers": args.workers,
        "readers": args.readers,
        "cli": cli,
        "http": http,
        "http_over_cli": round(http["events_per_s"] / cli["events_per_s"], 3),  # type: ignore[operator]
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['events']} events, {args.clients} clients, {args.workers} server processes: "
        f"HTTP {http['events_per_s']} events/s against volym ingest {cli['events_per_s']} "
        f"(x{result['http_over_cli']}); report p50 {http['report_p50_ms']} ms, "
        f"p95 {http['report_p95_ms']} ms over {http['reports']} reports under the load; "
        f"each event stored once: {http['stored_once']}; verify clean: {http['verify_clean']}"
        + (f"; errors: {http['errors']}" if http["errors"] else "")
    )


if __name__ == "__main__":
    main()
