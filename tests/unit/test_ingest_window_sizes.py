"""A duplicate line in a batch not yet committed is found only among the keys the
preparer remembers: it must remember more batches than are ever in flight."""

from adapters.ingest import ingestor, pipeline, prepare


def test_the_preparer_remembers_more_batches_than_an_ingest_has_in_flight() -> None:
    in_flight = [ingestor._AHEAD + 1, pipeline.AHEAD + 1]
    assert max(in_flight) <= prepare.REMEMBERED_BATCHES
