"""Ingest survives size and death, on both stores: the helper's cache of aggregates never
loses one a batch still needs; a helper that fails ends the ingest at once with one line;
a killed ingest or rebuild leaves nothing running, and running it again gives the same
figures as an ingest never interrupted."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from adapters import application
from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.ingest import ingestor as ingest_module
from adapters.ingest import prepare as prepare_module
from adapters.ingest.ingestor import Ingestor
from adapters.streams import HOUSEHOLDS, INVESTIGATIONS, STREAMS
from adapters.streams.placements import Placements
from adapters.synthetic.households import household_feed
from adapters.synthetic.investigations import case_feed
from tests.helpers import (
    TEST_KEY,
    household,
    household_report_of,
    lines,
    paid,
    reversal,
    started,
)

ROOT = Path(__file__).resolve().parent.parent


def test_an_aggregate_a_batch_touched_stays_cached_until_its_record_is_made(
    volym, monkeypatch
):
    # The million-event KeyError, at the smallest size that shows it: H1 is the oldest in
    # the cache and is touched again in the batch that pushes the cache over its size.
    monkeypatch.setattr(prepare_module, "CACHE_SIZE", 2)
    monkeypatch.setattr(ingest_module, "USE_HELPER", False)
    feed = [household("H1", "2023-01-01")]
    feed += [household(f"H{n}", "2023-01-01") for n in range(2, 5)]
    feed += [paid("H1", "2023-01-25", "B1", "2023-01", "1000")]
    result = application.ingest_lines(volym, lines(*feed))
    assert (result.accepted, result.rejected) == (5, 0)
    before = household_report_of(volym, "2023-01")
    assert before["totals"][0]["amount"] == 1000
    application.rebuild(volym)
    assert household_report_of(volym, "2023-01") == before


def _in_this_process_in_batches_of(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every batch, the first too, `size` lines, prepared without the helper process."""
    monkeypatch.setattr(ingest_module, "USE_HELPER", False)
    monkeypatch.setattr(ingest_module, "BATCH_LINES", size)
    monkeypatch.setattr(ingest_module, "FIRST_BATCH_LINES", size)


def test_aggregates_dropped_from_the_cache_are_read_back_whole_several_in_one_batch(
    volym, monkeypatch
):
    # Past the cache's size a batch reloads the stored aggregates it touches, all in one
    # read: each must come back with every event it had, or the rules below would judge
    # against a part of its history.
    monkeypatch.setattr(prepare_module, "CACHE_SIZE", 1)
    _in_this_process_in_batches_of(4, monkeypatch)
    first = [household("H1", "2023-01-01"), household("H2", "2023-01-01")]
    first += [paid("H1", "2023-01-25", "B1", "2023-01", "1000")]
    first += [paid("H2", "2023-01-25", "B2", "2023-01", "500")]
    second = [reversal("H1", "2023-02-01", "B1", amount="1500")]  # more than is left: refused
    second += [reversal("H1", "2023-02-02", "B1", amount="400")]
    second += [paid("H2", "2023-02-25", "B2", "2023-01", "500")]  # B2 again: refused
    second += [paid("H2", "2023-02-25", "B3", "2023-01", "250")]
    ingestor = Ingestor(volym, volym.pseudonymizer, list(STREAMS))
    result = ingestor.ingest(lines(*first, *second))
    assert (result.accepted, result.rejected) == (6, 2)
    assert [r.line_no for r in result.rejections] == [5, 7]
    assert household_report_of(volym, "2023-01")["totals"][0]["amount"] == 600 + 750


def test_keys_and_claims_of_long_ago_batches_are_forgotten_and_still_found_in_the_store(
    volym, monkeypatch
):
    # The preparer remembers only its last batches' keys (ten million held whole took
    # gigabytes); a duplicate, a conflict and a taken payment id far behind are found in
    # the store instead.
    monkeypatch.setattr(prepare_module, "REMEMBERED_BATCHES", 1)
    _in_this_process_in_batches_of(2, monkeypatch)
    first = household("H1", "2023-01-01")
    payment = paid("H1", "2023-01-25", "B1", "2023-01", "1000")
    filler = [household(f"H{n}", "2023-01-01") for n in range(2, 10)]
    conflict = {**first, "occurred_on": "2023-01-02"}
    taken = paid("H2", "2023-01-26", "B1", "2023-01", "500")
    ingestor = Ingestor(volym, volym.pseudonymizer, list(STREAMS))
    result = ingestor.ingest(lines(first, payment, *filler, first, conflict, taken))
    assert (result.accepted, result.duplicates, result.rejected) == (10, 1, 2)
    assert ["conflict" in r.reasons[0] for r in result.rejections] == [True, False]
    assert "already used" in result.rejections[1].reasons[0]
    remembered = ingestor.preparer._prepared
    assert len(remembered.new) + len(remembered.old) <= 4  # two batches of two lines
    assert household_report_of(volym, "2023-01")["totals"][0]["amount"] == 1000


class Exploding(Placements):
    """A stream whose commands fail as no feed line ever should (a bug, not a rule)."""

    def command(self, aggregate, event, now):
        raise RuntimeError("boom")


def test_a_helper_that_fails_ends_the_ingest_at_once_with_one_line(volym):
    feed = lines(*(started(f"P{n}", "2023-01-10") for n in range(12000)))
    ingestor = Ingestor(volym, volym.pseudonymizer, [Exploding(), INVESTIGATIONS, HOUSEHOLDS])
    began = time.monotonic()
    with pytest.raises(UserError, match="ingest helper: RuntimeError: boom"):
        ingestor.ingest(feed)
    assert time.monotonic() - began < 30


def test_a_process_whose_helper_failed_exits_instead_of_hanging(store_url):
    script = (
        "import sys\n"
        "from adapters.composition import open_volym\n"
        "from adapters.ingest.ingestor import Ingestor\n"
        "from adapters.streams import HOUSEHOLDS, INVESTIGATIONS\n"
        "from tests.helpers import TEST_KEY, lines, started\n"
        "from tests.test_ingest_death import Exploding\n"
        "with open_volym(sys.argv[1], pseudonym_key=TEST_KEY) as volym:\n"
        "    feed = lines(*(started(f'P{n}', '2023-01-10', provider='x' * 400)\n"
        "                   for n in range(20000)))\n"
        "    Ingestor(volym, volym.pseudonymizer, [Exploding(), INVESTIGATIONS, HOUSEHOLDS])"
        ".ingest(feed)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, store_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # before the fix it never ended
    )
    assert done.returncode != 0 and "boom" in done.stderr


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(") ", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(") ", 1)[1][0] != "Z"  # a zombie has ended


def _volym(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from adapters.cli.app import main; main()", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when_it_has_helpers(process: subprocess.Popen[str], wanted: int) -> set[int]:
    deadline = time.monotonic() + 60
    helpers: set[int] = set()
    while time.monotonic() < deadline and process.poll() is None:
        helpers = _children(process.pid)
        if len(helpers) >= wanted:
            time.sleep(0.5)  # well into its work
            helpers |= _children(process.pid)
            break
        time.sleep(0.05)
    assert process.poll() is None, "it finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    return helpers


def _connections(store_url: str) -> int:
    base = store_url.partition("?")[0]
    name = base.rpartition("/")[2]
    with psycopg.connect(base) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()
    return int(row[0]) if row else 0


def test_a_killed_ingest_or_rebuild_leaves_nothing_running_and_loses_nothing(
    store_url, tmp_path
):
    # Enough events for a rebuild in shares (adapters.projection.rebuild.PARALLEL_FROM).
    events = [*case_feed(11, 1.0), *household_feed(11, 0.6)]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(events) + "\n")
    env = {**os.environ, "VOLYM_PSEUDONYM_KEY": TEST_KEY, "VOLYM_DATABASE_URL": store_url}
    idle = _connections(store_url) if "postgresql" in store_url else 0

    ingest = _volym("ingest", str(feed), env=env)
    helpers = _kill_when_it_has_helpers(ingest, wanted=2)  # the helper, the resource tracker
    assert helpers
    deadline = time.monotonic() + 1  # the bound: within a second of its death
    while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in helpers if _alive(pid)], "the helper outlived the ingest"
    if "postgresql" in store_url:
        time.sleep(0.5)  # the server notices closed sockets
        assert _connections(store_url) <= idle

    again = _volym("ingest", str(feed), env=env)
    assert again.wait(timeout=300) == 0, again.stderr.read()
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        # Every line of the feed stored once (the example's lines are all valid), and the
        # read models equal to a projection of the log: the figures of an ingest never
        # interrupted.
        with volym.engine.connect() as conn:  # ids may have gaps: a killed insert used some
            stored = conn.execute(text("SELECT count(*) FROM stored_events")).scalar()
        assert stored == len(events)
        assert application.verify(volym) == []
        figures = _figures(volym)

    rebuild = _volym("rebuild", env=env)
    shares = _kill_when_it_has_helpers(rebuild, wanted=1)
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in shares) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in shares if _alive(pid)], "a rebuild share outlived the rebuild"
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        assert _figures(volym) == figures  # the live model was never touched
        application.rebuild(volym)
        assert _figures(volym) == figures
        assert application.verify(volym) == []


def _figures(volym):
    found = []
    for name, period, by in (
        ("investigations", "2023", ("target_group", "quarter")),
        ("households", "2023-01..2023-12", ("month",)),
    ):
        request = application.report_request(name, [period], by)
        found.append(application.report(volym, request).report)
    return found
