"""The ingest helper's window of committed snapshots, written in the background: in log
order, one write at a time, all of it written once waited for, and a failed write told.
Or planned and sent: the main process writes it, and catches up where it cannot."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, cast

import pytest

from adapters.ingest.window import Plans, SnapshotWindow, write_plans
from adapters.projection.projector import AnyProjector
from adapters.readmodels.plan import WritePlan


class FakeProjector:
    """Notes the windows it is given; the first write can be held until released."""

    def __init__(self, *, fail: bool = False) -> None:
        self.written: list[list[int]] = []
        self.planned: list[list[int]] = []
        self.caught_up = 0
        self.fail = fail
        self.release = threading.Event()
        self.release.set()
        self.writing = threading.Event()
        self.overlapping = False
        self._busy = threading.Lock()

    def project_snapshots(self, ids: list[int], records: Iterable[Any], versions: Any) -> bool:
        if not self._busy.acquire(blocking=False):
            self.overlapping = True  # two writes at once: the order is lost
            self._busy.acquire()
        try:
            self.writing.set()
            self.release.wait(timeout=10)
            if self.fail:
                raise RuntimeError("the database went away")
            self.written.append(list(ids))
            return True
        finally:
            self._busy.release()

    def catch_up(self) -> int:
        self.caught_up += 1
        return 0

    def plan_snapshots(self, ids: list[int], records: Iterable[Any], versions: Any) -> WritePlan:
        self.planned.append(list(ids))
        return WritePlan()

    def write_planned(self, ids: list[int], plan: WritePlan | None) -> bool:
        if plan is None or self.fail:
            return False
        self.written.append(list(ids))
        return True


def window(projector: FakeProjector, every: int = 2) -> SnapshotWindow:
    projectors = cast(dict[str, AnyProjector], {"placements": projector})
    return SnapshotWindow(projectors, every, background=True)


def test_a_full_window_is_written_while_the_caller_goes_on() -> None:
    projector = FakeProjector()
    projector.release.clear()
    w = window(projector)
    w.add([1, 2], {})  # full: handed to the writer, which is held
    assert projector.writing.wait(timeout=10)
    w.add([3], {})  # the caller is not held
    assert projector.written == []
    projector.release.set()
    w.flush()
    w.wait()
    assert projector.written == [[1, 2], [3]]
    assert not projector.overlapping
    w.close()


def test_windows_are_written_in_log_order_one_at_a_time() -> None:
    projector = FakeProjector()
    w = window(projector, every=3)
    for position in range(1, 31):
        w.add([position], {})
    w.flush()
    w.wait()
    assert [p for ids in projector.written for p in ids] == list(range(1, 31))
    assert not projector.overlapping
    w.close()


def test_a_failed_write_is_raised_when_waited_for_and_the_window_can_be_discarded() -> None:
    projector = FakeProjector(fail=True)
    w = window(projector)
    w.add([1, 2], {})
    with pytest.raises(RuntimeError, match="went away"):
        w.wait()
    w.add([3], {})
    w.discard()
    projector.fail = False
    w.add([4, 5], {})
    w.wait()
    assert projector.written == [[4, 5]]  # 3 was dropped: the live projector reads it
    w.close()


def test_without_background_a_window_is_written_before_flush_returns() -> None:
    projector = FakeProjector()
    projectors = cast(dict[str, AnyProjector], {"placements": projector})
    w = SnapshotWindow(projectors, 10)
    w.add([1], {})
    w.flush()
    assert projector.written == [[1]]


def test_a_sent_window_is_planned_here_and_written_only_where_it_is_sent() -> None:
    projector = FakeProjector()
    projectors = cast(dict[str, AnyProjector], {"placements": projector})
    sent: list[tuple[list[int], Plans]] = []
    w = SnapshotWindow(projectors, 2, send=lambda ids, plans: sent.append((ids, plans)))
    w.add([1, 2], {})
    w.add([3], {})
    w.flush()
    assert projector.planned == [[1, 2], [3]]
    assert projector.written == []  # not here
    assert [ids for ids, _ in sent] == [[1, 2], [3]]
    for ids, plans in sent:
        write_plans(projectors, ids, plans)
    assert projector.written == [[1, 2], [3]]
    assert projector.caught_up == 0


def test_a_window_whose_plan_cannot_be_written_is_caught_up_from_the_log() -> None:
    projector = FakeProjector()
    projectors = cast(dict[str, AnyProjector], {"placements": projector})
    write_plans(projectors, [1, 2], {"placements": None})  # planning failed
    projector.fail = True
    write_plans(projectors, [3], {"placements": WritePlan()})  # the view moved on
    assert projector.written == []
    assert projector.caught_up == 2
