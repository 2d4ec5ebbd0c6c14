"""`volym serve`'s HTTP side: uvicorn serving the app on one opened store, while the
projections follow the log in a thread beside it. uvicorn stops on SIGTERM or SIGINT
after finishing the requests in hand; the projections stop after it."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

import uvicorn

from adapters import application
from adapters.composition import Volym
from adapters.http.app import create_app


def serve_http(
    volym: Volym,
    host: str,
    port: int,
    poll: float,
    on_step: Callable[[dict[str, int]], None] | None = None,
) -> None:
    stop = threading.Event()
    live = threading.Thread(
        target=application.serve,
        args=(volym, stop),
        kwargs={"poll": poll, "on_step": on_step},
        name="projections",
        daemon=True,
    )
    live.start()
    # One line per request on stderr: method, path and status (no body, no person data).
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    config = uvicorn.Config(
        create_app(volym),
        host=host,
        port=port,
        log_level="info",
        access_log=True,
        timeout_graceful_shutdown=30,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        stop.set()
        live.join(timeout=30)
