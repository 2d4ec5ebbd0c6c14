"""A read-model table declared once: each column with the record attribute it holds and
how the value crosses into SQL (a key as hex, a day as its ordinal, money as whole öre).
The table, the rows written and the records read back are all made from that one list,
so no tuple has to match a column order written elsewhere.

Rows are built by a function compiled from the list (as `dataclasses` builds its
methods): a rebuild writes hundreds of thousands of rows, and calling a getter per
column cost a tenth more than writing the tuple out by hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import Column, MetaData, RowMapping, Table
from sqlalchemy.types import TypeEngine

Conversion = Literal["plain", "key", "day", "ore", "bool"]


@dataclass(frozen=True)
class Field:
    column: str
    type: TypeEngine[Any] | type[TypeEngine[Any]]
    attribute: str = ""  # on the record, dotted for a nested one, values[x] for a dict's x
    conversion: Conversion = "plain"
    nullable: bool = False
    primary_key: bool = False
    read: bool = True  # False: derived when written (e.g. an age group), not read back
    # The value from the whole record, where no attribute holds it (an encoded document).
    write: Callable[[Any], object] | None = None

    @property
    def path(self) -> str:
        return self.attribute or self.column


def table(name: str, metadata: MetaData, fields: Sequence[Field], **options: Any) -> Table:
    return Table(
        name,
        metadata,
        *(
            Column(f.column, f.type, primary_key=f.primary_key, nullable=f.nullable)
            for f in fields
        ),
        **options,
    )


def _expression(f: Field, n: int) -> str:
    if f.write is not None:
        return f"write{n}(r)"
    value = "r"
    for part in f.path.split("."):
        if part.endswith("]"):
            name, _, key = part[:-1].partition("[")
            value = f"{value}.{name}.get({key!r})"
        else:
            value = f"{value}.{part}"
    converted = {
        "plain": "{v}",
        "bool": "{v}",
        "key": "{v}.hex",
        "day": "{v}.toordinal()",
        "ore": "int({v} * 100)",
    }[f.conversion]
    if converted == "{v}":
        return value
    if f.nullable:
        return f"(None if (v{n} := {value}) is None else {converted.format(v=f'v{n}')})"
    return converted.format(v=value)


def row_builder(fields: Sequence[Field]) -> Callable[[Any], tuple[object, ...]]:
    """A function from a record to its row, in the columns' order."""
    body = ", ".join(_expression(f, n) for n, f in enumerate(fields))
    namespace: dict[str, Any] = {f"write{n}": f.write for n, f in enumerate(fields) if f.write}
    exec(f"def row(r):\n    return ({body},)\n", namespace)
    build: Callable[[Any], tuple[object, ...]] = namespace["row"]
    return build


def from_column(f: Field, value: Any) -> object:
    """`value` as the driver gives it: hex text, an ordinal, whole öre, ..."""
    if value is None:
        return None
    if f.conversion == "key":
        return UUID(value)
    if f.conversion == "day":
        return date.fromordinal(value)
    if f.conversion == "ore":
        return (Decimal(value) / 100).quantize(Decimal("0.01"))
    if f.conversion == "bool":
        return bool(value)
    return value


def record_reader(
    fields: Sequence[Field],
    make: Callable[..., Any],
    nested: dict[str, Callable[..., Any]] | None = None,
    **fixed: object,
) -> Callable[[RowMapping], Any]:
    """A function from a row to its record, made by `make(**attributes)`; attributes
    written dotted (`initial.form`) are gathered into `nested[initial](form=...)`."""
    readable = [f for f in fields if f.read]
    nested = nested or {}

    def read(m: RowMapping) -> Any:
        values: dict[str, Any] = dict(fixed)
        inner: dict[str, dict[str, object]] = {}
        for f in readable:
            value = from_column(f, m[f.column])
            head, _, rest = f.path.partition(".")
            if rest:
                inner.setdefault(head, {})[rest] = value
            else:
                values[head] = value
        for name, parts in inner.items():
            values[name] = nested[name](**parts)
        return make(**values)

    return read
