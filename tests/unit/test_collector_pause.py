"""The garbage collector's pause (rebuild, explain): counted, and it leaves the collector as
it found it."""

import gc
import threading

import pytest

from adapters.projection.gc_tuning import CollectorPause


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()  # as it was, whatever a test left


def test_the_collector_is_off_while_held_and_on_again_after():
    pause = CollectorPause()
    with pause.held():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_stays_off_until_the_last_of_overlapping_holders_is_done():
    pause = CollectorPause()
    first_in, second_out = threading.Event(), threading.Event()
    seen = []

    def first():
        with pause.held():
            first_in.set()
            second_out.wait(5)
            seen.append(gc.isenabled())  # the other is done, this one is not

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with pause.held():
        pass
    second_out.set()
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with CollectorPause().held():
        pass
    assert not gc.isenabled()


def test_an_error_inside_still_turns_it_back_on():
    with pytest.raises(ValueError), CollectorPause().held():
        raise ValueError("boom")
    assert gc.isenabled()
