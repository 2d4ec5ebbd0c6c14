"""The version tables' indexes: the live table's columns with until which position a
version was current, where the live index says, and from which position last."""

from sqlalchemy import Column, Index, Integer, MetaData, Table

from adapters.readmodels.fields import Field
from adapters.readmodels.versions import UNTIL_AFTER, history_table


def indexed(index: Index) -> list[str]:
    return [str(getattr(c, "name", None) or c) for c in index.expressions]


def test_until_comes_after_the_columns_or_where_the_live_index_says() -> None:
    live = Table(
        "case_g1",
        MetaData(),
        Column("key", Integer, primary_key=True),
        Column("closed_day", Integer, nullable=True),
        Column("opened_day", Integer, nullable=True),
    )
    Index("ix_case_g1_closed", live.c.closed_day, live.c.opened_day)
    Index("ix_case_g1_open", live.c.closed_day, live.c.opened_day, info={UNTIL_AFTER: 1})
    fields = [Field("key", Integer, primary_key=True), Field("closed_day", Integer)]
    history = history_table(live, fields, unit=1)
    found = {index.name: indexed(index) for index in history.table.indexes}
    until = "coalesce"  # of valid_to: current_until
    assert found == {
        "ix_case_v_g1_closed": ["closed_day", "opened_day", until, "valid_from"],
        "ix_case_v_g1_open": ["closed_day", until, "opened_day", "valid_from"],
    }
