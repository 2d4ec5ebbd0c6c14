"""A request cut off midway, by a killed server or a client that hangs up, stores all of
its batch or none of it, and sending it again is safe (http.md: 'the caller may send the
same request again')."""

import contextlib
import signal
import socket
import threading
import time
from urllib.parse import urlparse

import httpx
from sqlalchemy import text

from adapters import application
from adapters.application import access
from adapters.composition import open_volym
from tests.helpers import TEST_KEY, lines, started
from tests.test_http import Server, served, tokens  # noqa: F401  (served: a fixture)

BATCH = 4000


def stored(store_url: str) -> int:
    """Events stored, counted: not the last notification id, which on PostgreSQL skips the
    ids a killed transaction drew from the sequence before it was rolled back."""
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym, volym.engine.connect() as conn:
        table = volym.recorder.events_table_name
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def batch(name: str) -> str:
    events = (started(f"{name}-{i}", "2023-02-01") for i in range(BATCH))
    return "[" + ",".join(lines(*events)) + "]"


def post(server: Server, token: str, body: str) -> httpx.Response:
    return server.call("POST", "/v1/events", token, content=body)


def test_a_server_killed_mid_request_stores_all_or_none_and_the_resend_is_safe(store_url):
    made = tokens(store_url)
    outcomes = []
    for n, delay in enumerate((0.05, 0.3, 0.8, 1.5)):
        body = batch(f"K{n}")
        before = stored(store_url)
        server = Server(store_url)
        sender = threading.Thread(target=_post_ignoring_the_cut, args=(server, made, body))
        sender.start()
        time.sleep(delay)
        server.process.send_signal(signal.SIGKILL)
        server.process.communicate(timeout=30)
        sender.join(timeout=60)
        kept = stored(store_url) - before
        assert kept in (0, BATCH), f"killed after {delay} s: {kept} of {BATCH} events stored"
        outcomes.append(kept)

        server = Server(store_url)
        try:
            again = post(server, made["integrator"], body)
        finally:
            assert "Traceback" not in server.stop()
        assert again.status_code == 200, again.text
        assert (again.json()["accepted"], again.json()["duplicates"]) == (
            BATCH - kept,
            kept,
        )
        assert stored(store_url) - before == BATCH
    assert 0 in outcomes, f"no kill landed before the commit: {outcomes}"
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        assert not application.verify(volym)


def _post_ignoring_the_cut(server: Server, made: dict[str, str], body: str) -> None:
    # The server is killed under it: what was stored is what the test looks at.
    with contextlib.suppress(httpx.TransportError):
        post(server, made["integrator"], body)


def test_a_client_that_hangs_up_after_sending_stores_all_or_none_and_may_send_again(
    served,  # noqa: F811
):
    server, made = served
    body = batch("G").encode()
    before = stored(server.store_url)
    address = urlparse(server.base)
    with socket.create_connection((address.hostname, address.port)) as raw:
        raw.sendall(
            b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Authorization: Bearer {made['integrator']}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
    # Gone before the answer. Whether the server had read the body decides whether it
    # stores the batch; either way the request ends in one access-log entry.
    deadline = time.monotonic() + 60
    while not posts_logged(server.store_url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert posts_logged(server.store_url) == 1
    kept = stored(server.store_url) - before
    assert kept in (0, BATCH)
    again = post(server, made["integrator"], body.decode())
    assert again.status_code == 200
    assert (again.json()["accepted"], again.json()["duplicates"]) == (BATCH - kept, kept)
    assert stored(server.store_url) - before == BATCH


def posts_logged(store_url: str) -> int:
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        entries = access.access_log(volym, limit=100)
    return sum(entry.action == "events.post" for entry in entries)
