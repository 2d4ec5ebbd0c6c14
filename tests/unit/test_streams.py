"""The stream specs: one per stream, each complete, and the command line's names for
them the same as the specs' (the CLI writes them out so as not to import every room)."""

from adapters.cli.app import AGGREGATES, KINDS
from adapters.feed.contract import FeedContract
from adapters.streams import STREAMS, stream_named, stream_of_aggregate


def test_the_command_line_offers_exactly_the_streams_of_the_specs():
    assert list(KINDS) == [s.name for s in STREAMS]
    assert list(AGGREGATES) == [s.aggregate for s in STREAMS]


def test_each_event_type_belongs_to_one_stream_and_is_named_after_it():
    contract = FeedContract([model for s in STREAMS for model in s.feed_events])
    prefixes = [name.partition(".")[0] for name in contract.models]
    assert sorted(set(prefixes)) == sorted(s.aggregate for s in STREAMS)
    assert len(contract.models) == sum(len(s.feed_events) for s in STREAMS) == 14


def test_every_measure_of_a_report_has_a_swedish_label():
    for stream in STREAMS:
        measures = set(stream.report_kind.measures) - {"days"}
        assert measures == set(stream.labels.measures), stream.name


def test_a_stream_is_found_by_its_report_and_by_its_aggregate():
    for stream in STREAMS:
        assert stream_named(stream.name) is stream
        assert stream_of_aggregate(stream.aggregate) is stream


def test_each_streams_topic_prefix_is_that_of_its_aggregates_events():
    # The prefix is written out so that a report need not build the aggregate's classes;
    # this keeps it equal to the stored topics of the aggregate's events.
    for stream in STREAMS:
        created = stream.created
        topic = f"{created.__module__}:{created.__qualname__}"
        assert topic.startswith(stream.topic_prefix), stream.name
        assert topic.removeprefix(stream.topic_prefix) == created.__name__


def test_a_report_command_does_not_load_the_aggregates_or_the_table_drawing():
    # Issue 15, start-up: the aggregates' event classes take a good part of a report's
    # import time, and rich a tenth of it where JSON or CSV is asked for.
    # In a new interpreter, because this one's tests have loaded them already.
    import subprocess
    import sys

    code = (
        "import sys, adapters.cli.report, adapters.application.reading\n"
        "print(sorted(m for m in sys.modules if m in "
        "('domain.placement', 'domain.investigation', 'domain.household', "
        "'projections.placements', 'projections.investigations', 'projections.households', "
        "'adapters.projection.rebuild', 'multiprocessing', 'rich.console')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
