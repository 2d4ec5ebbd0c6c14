"""A rebuild parent that starts a second rebuild process and is then killed outright,
before the tables exist (tests/test_rebuild.py)."""

import os
import signal
import sys

from adapters.composition import open_volym
from adapters.projection.rebuild_share import ShareProcess
from adapters.streams import PLACEMENTS as PLACEMENT_PROJECTION
from tests.helpers import TEST_KEY

if __name__ == "__main__":
    with open_volym(sys.argv[1], pseudonym_key=TEST_KEY) as volym:
        view = PLACEMENT_PROJECTION.view(volym.engine, 9)
        last = volym.recorder.max_notification_id() or 0
        second = ShareProcess(volym, [(PLACEMENT_PROJECTION, view, "x")], last, (0, 16))
        print(second._process.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
