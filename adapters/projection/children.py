"""Helper processes (an ingest's helper, a rebuild's shares) that end with the process
that started them: killed outright (SIGKILL), a parent cannot stop them itself, and a
child blocked anywhere (reading half a message from a queue, waiting on a lock) would
keep its database connections for minutes."""

from __future__ import annotations

import multiprocessing
import os
import threading


def end_with_parent() -> None:
    """In a spawned child: a watcher thread ends this process as soon as its parent is
    gone, wherever its main thread is blocked. Its work is thrown away; what it had
    committed stays, and the parent's next run goes on from there."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent has ended
        os._exit(1)  # no clean-up to wait for: the OS closes files and connections

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
