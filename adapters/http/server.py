"""`volym serve`'s HTTP side: uvicorn serving the app on one opened store, while the
projections follow the log in a thread beside it. uvicorn stops on SIGTERM or SIGINT
after finishing the requests in hand; the projections stop after it."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from adapters import application
from adapters.composition import Volym, open_volym
from adapters.http.app import create_app


def app_from_settings() -> FastAPI:
    """For each worker process: its own store, from the settings `volym serve` put in the
    environment (VOLYM_DATABASE_URL, VOLYM_PSEUDONYM_KEY)."""
    return create_app(open_volym())


def serve_http(
    volym: Volym,
    host: str,
    port: int,
    poll: float,
    on_step: Callable[[dict[str, int]], None] | None = None,
    workers: int = 1,
) -> None:
    """`workers` > 1: that many server processes, each with its own ingest pipeline; this
    process keeps the projections live beside them. One process (the default) is the
    fastest ingest: its pipeline's helper process has the second core, and its live
    projector steps only where the pipeline has not projected its own commits."""
    stop = threading.Event()
    app = create_app(volym) if workers <= 1 else None
    pipeline = app.state.pipeline if app is not None else None
    live = threading.Thread(
        target=application.serve,
        args=(volym, stop),
        kwargs={
            "poll": poll,
            "on_step": on_step,
            "turn": pipeline.quiet if pipeline is not None else None,
        },
        name="projections",
        daemon=True,
    )
    live.start()
    # One line per request on stderr: method, path and status (no body, no person data).
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    try:
        if app is None:
            os.environ["VOLYM_DATABASE_URL"] = volym.url.render_as_string(hide_password=False)
            uvicorn.run(
                "adapters.http.server:app_from_settings",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="info",
                timeout_graceful_shutdown=30,
            )
        else:
            config = uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="info",
                access_log=True,
                timeout_graceful_shutdown=30,
            )
            uvicorn.Server(config).run()
    finally:
        stop.set()
        live.join(timeout=30)
