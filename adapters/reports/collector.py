"""The cyclic garbage collector held off while a large answer is built.

An explain over a month at ten million events makes tens of thousands of rows, events
and histories, all alive until the answer is returned; the collector, triggered by each
few hundred new objects, scans them again and again as they grow (a households year on
the 10 M store: 2.15 s with it, 1.73 s without, medians of 8). What such an answer is
made of is freed by reference counting; the few cycles made meanwhile (a traceback, a
compiled statement) are collected once the collector runs again.

The collector is the process's: the HTTP service may explain on several threads at once,
so the pause is counted, and the last one out turns the collector back on (when it was
on before the first)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CollectorPause:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._resume = False

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._resume:
                    gc.enable()


PAUSE = CollectorPause()
