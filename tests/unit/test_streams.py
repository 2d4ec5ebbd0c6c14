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
