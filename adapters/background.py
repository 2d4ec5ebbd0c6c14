"""A projector in its own process that follows the event log while a large ingest writes.

The ingest pokes it after each committed batch; it catches up in big batches (tracking in
the same transaction as the rows, as always) and, when told the ingest is done, catches
up once more and exits. If it fails, the events are safely stored and the next catch-up
(any report, ingest or `volym rebuild`) completes the projection."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Event

from adapters.composition import Volym, open_volym
from adapters.errors import UserError


class BackgroundProjector:
    def __init__(self, volym: Volym) -> None:
        # fork: the child opens its own connections and never touches the parent's.
        context = multiprocessing.get_context("fork")
        self._more = context.Event()
        self._done = context.Event()
        url = volym.url.render_as_string(hide_password=False)
        key = volym.pseudonymizer.key
        self._process = context.Process(
            target=_follow, args=(url, key, self._more, self._done), daemon=True
        )

    def __enter__(self) -> BackgroundProjector:
        self._process.start()
        return self

    def poke(self) -> None:
        self._more.set()

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._more.set()
        self._process.join()
        if self._process.exitcode != 0 and exc[0] is None:
            raise UserError(
                "the events are stored, but updating the projection failed; "
                "run `volym rebuild` (exit code of the projector: "
                f"{self._process.exitcode})"
            )


def _follow(url: str, key: bytes, more: Event, done: Event) -> None:
    from adapters.projector import PlacementProjector

    with open_volym(url, pseudonym_key=key.decode()) as volym:
        projector = PlacementProjector(volym)
        while True:
            finishing = done.is_set()  # read before catching up: nothing is left behind
            projector.catch_up()
            if finishing:
                return
            more.wait(0.5)
            more.clear()
