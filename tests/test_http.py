"""`volym serve` through a real HTTP server on 127.0.0.1, on both stores: every endpoint
with every role, the same JSON as the command line, posting events, the access log."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from adapters.application import access
from adapters.composition import open_volym
from tests.helpers import TEST_KEY, ended, ingest, lines, started
from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, store_url: str) -> None:
        self.store_url = store_url
        self.port = free_port()
        # The server's log goes to a file: a pipe nobody reads fills after some hundred
        # requests, and the server then waits on its next log line.
        self.log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115  (lives with the server)
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "VOLYM_PSEUDONYM_KEY": TEST_KEY}
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from adapters.cli.app import main; main()", "serve",
             "--port", str(self.port), "--poll", "0.2", "--db", store_url],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("volym serve did not start")

    def call(self, method: str, path: str, token: str | None = None, headers=None, **kwargs):
        headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        return httpx.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def settled(self, token: str) -> None:
        """Until the live projector has taken in every stored event (the server stores
        what is posted; its projector projects it)."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            rows = self.call("GET", "/v1/status", token).json()["projections"]
            if all(row["lag"] == 0 for row in rows):
                return
            time.sleep(0.05)
        raise AssertionError("the projections did not catch up")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return self.written()

    def written(self) -> str:
        """What the server has logged so far."""
        self.log.seek(0)
        return self.log.read()


def tokens(store_url):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        made = {
            role: access.create_token(
                volym, role, access.Role(role), ["lifecare-test"] if role == "integrator" else [],
                None,
            )
            for role in ("integrator", "reader", "auditor", "admin")
        }  # fmt: skip
        made["revoked"] = access.create_token(volym, "gone", access.Role.admin, [], None)
        access.revoke_token(volym, "gone")
        made["expired"] = access.create_token(
            volym, "old", access.Role.admin, [], date.today() - timedelta(days=1)
        )
    return made


@pytest.fixture
def served(store_url):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        ingest(volym, started("P1", "2023-01-10"), ended("P1", "2023-03-15"))
    made = tokens(store_url)
    server = Server(store_url)
    try:
        yield server, made
    finally:
        err = server.stop()
        assert "Traceback" not in err, err[-3000:]


QUERY = "?period=2023-Q1&as_of=2023-01-01T00:00"
ENDPOINTS = {  # (method, path, body) -> the roles that may
    ("POST", "/v1/events", "event"): {"integrator"},
    ("GET", "/v1/reports/placements?period=2023-Q1", None): {"reader", "auditor", "admin"},
    ("GET", "/v1/status", None): {"reader", "auditor", "admin"},
    ("GET", "/v1/explain/placements" + QUERY, None): {"auditor", "admin"},
    ("GET", "/v1/history/placement/lifecare-test/P1", None): {"auditor", "admin"},
    ("GET", "/v1/access-log", None): {"auditor", "admin"},
    ("POST", "/v1/verify", None): {"admin"},
    ("POST", "/v1/rebuild", None): {"admin"},
}
ROLES = ("integrator", "reader", "auditor", "admin", "revoked", "expired", None)


def test_every_endpoint_with_every_role(served):
    server, made = served
    n = 0
    for (method, path, body), allowed in ENDPOINTS.items():
        for role in ROLES:
            n += 1
            payload = lines(started(f"R{n}", "2023-02-01")) if body else None
            answer = server.call(
                method, path, made.get(role) if role else None,
                content=("[" + payload[0] + "]") if payload else None,
            )  # fmt: skip
            if role in allowed:
                assert answer.status_code == 200, (method, path, role, answer.text)
            elif role in (None, "revoked", "expired"):
                assert answer.status_code == 401, (method, path, role, answer.text)
            else:
                assert answer.status_code == 403, (method, path, role, answer.text)
            assert answer.headers["content-type"].startswith(("application/json", "text/csv"))
            if answer.status_code != 200:
                assert list(answer.json()) == ["error"]
    for path in ("/v1/health", "/v1/openapi.json", "/docs"):
        assert server.call("GET", path).status_code == 200


def test_http_answers_what_the_command_line_answers(served, store_url, monkeypatch, capsys):
    server, made = served
    for cli_args, path, role in (
        (["report", "placements", "--period", "2023-Q1", "--by", "form", "--format", "json"],
         "/v1/reports/placements?period=2023-Q1&by=form", "reader"),
        (["report", "placements", "--period", "2023-Q1", "--age-bands", "0-10,11-20",
          "--format", "json"], "/v1/reports/placements?period=2023-Q1&age_bands=0-10,11-20",
         "reader"),
        (["report", "placements", "--period", "2023-Q1", "--as-of", "2023-01-01T00:00",
          "--format", "json"], "/v1/reports/placements?period=2023-Q1&as_of=2023-01-01T00:00",
         "reader"),
        (["explain", "placements", "--period", "2023-Q1", "--as-of", "2023-01-01T00:00",
          "--format", "json"], "/v1/explain/placements" + QUERY, "auditor"),
        (["history", "placement", "lifecare-test", "P1", "--format", "json"],
         "/v1/history/placement/lifecare-test/P1", "auditor"),
    ):  # fmt: skip
        code, out, _ = run(monkeypatch, capsys, *cli_args, "--db", store_url)
        assert code in (0, None)
        answer = server.call("GET", path, made[role])
        assert answer.status_code == 200
        assert answer.text == out  # byte for byte
    code, out, _ = run(monkeypatch, capsys, "status", "--format", "json", "--db", store_url)
    assert json.loads(out) == server.call("GET", "/v1/status", made["reader"]).json()
    csv = server.call("GET", "/v1/reports/placements?period=2023-Q1&format=csv", made["reader"])
    _, out, _ = run(monkeypatch, capsys, "report", "placements", "--period", "2023-Q1",
                    "--format", "csv", "--db", store_url)  # fmt: skip
    assert csv.text == out


def test_posting_events(served):
    server, made = served
    token = made["integrator"]
    good = lines(started("H1", "2023-02-01"), started("H2", "2023-02-01"))
    bad = json.dumps({**json.loads(lines(started("H3", "2023-02-30"))[0])})
    first = server.call("POST", "/v1/events", token, content="[" + ",".join([*good, bad]) + "]")
    assert first.status_code == 422
    answer = first.json()
    assert (answer["lines"], answer["accepted"], answer["rejected"]) == (3, 2, 1)
    (reject,) = answer["rejects"]
    assert reject["index"] == 2 and reject["event_id"] == json.loads(bad)["event_id"]
    assert any("occurred_on" in r for r in reject["reasons"])
    again = server.call("POST", "/v1/events", token, content="[" + ",".join(good) + "]")
    assert again.status_code == 200 and again.json()["duplicates"] == 2
    ndjson = server.call(
        "POST", "/v1/events", token, content="\n".join(lines(started("H4", "2023-02-01"))),
        headers={"content-type": "application/x-ndjson"},
    )  # fmt: skip
    assert ndjson.status_code == 200 and ndjson.json()["accepted"] == 1
    assert server.call("POST", "/v1/events", token, content="{not json").status_code == 400
    assert server.call("POST", "/v1/events", token, content='{"a": 1}').status_code == 400
    foreign = lines(started("H5", "2023-02-01"), started("H6", "2023-02-01", source="other"))
    refused = server.call("POST", "/v1/events", token, content="[" + ",".join(foreign) + "]")
    assert refused.status_code == 403 and "source other" in refused.json()["error"]
    many = "[" + ",".join(["{}"] * 10_001) + "]"
    assert server.call("POST", "/v1/events", token, content=many).status_code == 413
    server.settled(made["reader"])
    report = server.call("GET", "/v1/reports/placements?period=2023-02", made["reader"]).json()
    assert report["totals"][0]["started"] == 3  # H1, H2, H4; not H5 of the refused request


def test_concurrent_posts_lose_nothing_and_store_nothing_twice(served):
    server, made = served
    batches = [lines(*(started(f"C{b}-{i}", "2023-02-01") for i in range(50))) for b in range(6)]
    errors = []

    def post(batch):
        try:
            answer = server.call("POST", "/v1/events", made["integrator"],
                                 content="[" + ",".join(batch) + "]")  # fmt: skip
            assert answer.status_code == 200, answer.text
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=post, args=(b,)) for b in batches + batches[:3]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    server.settled(made["reader"])
    report = server.call("GET", "/v1/reports/placements?period=2023-02", made["reader"]).json()
    assert report["totals"][0]["started"] == 300


def test_the_access_log_names_callers_and_subjects_and_verify_finds_a_change(
    served, store_url, monkeypatch, capsys
):
    server, made = served
    server.call("GET", "/v1/history/placement/lifecare-test/P1", made["auditor"])
    server.call("GET", "/v1/reports/placements?period=2023", made["reader"])
    server.call("GET", "/v1/status")  # refused: no token
    run(monkeypatch, capsys, "history", "placement", "lifecare-test", "P1", "--db", store_url)
    code, out, _ = run(monkeypatch, capsys, "access-log", "--format", "json", "--db", store_url)
    entries = json.loads(out)["entries"]
    actions = [(e["actor"], e["action"], e["outcome"], e["subjects"]) for e in entries[:4]]
    assert actions[0][1:] == ("history.placement", "ok", ["lifecare-test/P1"])
    assert actions[0][0].startswith("cli:")
    assert ("anonymous", "status", "401", []) in actions
    assert ("reader", "report.placements", "200", []) in actions
    assert ("auditor", "history.placement", "200", ["lifecare-test/P1"]) in actions
    code, out, _ = run(monkeypatch, capsys, "access-log", "verify", "--db", store_url)
    assert code in (0, None) and "verified" in out
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym, volym.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE volym_access_log SET outcome = '200' WHERE seq = 3"))
    code, _, err = run(monkeypatch, capsys, "access-log", "verify", "--db", store_url)
    assert code == 1 and "entry 3" in err


def test_entries_appended_together_chain_as_one_by_one(volym):
    appender = access.Appender(volym)
    asked = [access.Access(f"client-{i}", "reader", "report.placements") for i in range(40)]
    done = []

    def request(entry: access.Access) -> None:
        done.append(appender.append(entry).result(timeout=30))

    threads = [threading.Thread(target=request, args=(entry,)) for entry in asked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    appender.stop()
    assert len(done) == 40
    entries = access.access_log(volym, limit=100)
    assert sorted(e.seq for e in entries) == list(range(1, 41))
    assert sorted(e.actor for e in entries) == sorted(a.actor for a in asked)
    assert access.verify_access_log(volym) is None
    with volym.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE volym_access_log SET actor = 'x' WHERE seq = 17"))
    assert "17" in (access.verify_access_log(volym) or "")


def test_only_ingest_and_serve_need_the_key(store_url, tmp_path, monkeypatch, capsys):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines(started("P1", "2023-01-10"))) + "\n")
    run(monkeypatch, capsys, "ingest", str(feed), "--db", store_url)
    monkeypatch.setattr(sys, "argv", ["volym"])
    from adapters.cli import app as cli

    def without_key(*args):
        monkeypatch.setattr(sys, "argv", ["volym", *args, "--db", store_url])
        monkeypatch.delenv("VOLYM_PSEUDONYM_KEY", raising=False)
        with pytest.raises(SystemExit) as done:
            cli.main()
        out, err = capsys.readouterr()
        return done.value.code, out, err

    for args in (
        ["report", "placements", "--period", "2023"],
        ["status"],
        ["verify"],
        ["history", "placement", "lifecare-test", "P1"],
        ["explain", "placements", "--period", "2023", "--as-of", "2023-01-01T00:00"],
        ["rebuild"],
        ["token", "list"],
        ["access-log", "verify"],
    ):
        code, _, err = without_key(*args)
        assert code in (0, None), (args, err)
    if "postgresql" in store_url:
        code, _, err = without_key("ingest", str(feed))
        assert code == 1 and "VOLYM_PSEUDONYM_KEY is not set" in err
    monkeypatch.setenv("VOLYM_PSEUDONYM_KEY", "another-key-0123456789abcdef")
    monkeypatch.setattr(sys, "argv", ["volym", "status", "--db", store_url])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 1 and "another pseudonym key" in capsys.readouterr().err


def test_a_report_as_a_workbook_over_http(served):
    server, made = served
    server.settled(made["reader"])
    answer = server.call("GET", "/v1/reports/placements?period=2023-Q1&format=xlsx", made["reader"])
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(answer.content))["Rapport"]
    assert sheet["A1"].value == "Placeringar i heldygnsvård"
    assert sheet["A8"].value == 65  # P1: 10 January - 15 March 2023, care days
