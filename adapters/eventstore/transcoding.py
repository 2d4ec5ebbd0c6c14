"""How volym's events are written and read in the store: the library's JSON wire format,
written and read with orjson, with dates as ISO strings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Transcoding,
    UUIDAsHex,
)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class FastTranscoder(JSONTranscoder):
    """The library's JSON wire format ({"_type_": name, "_data_": ...} for registered
    types), written and read with orjson: measured about three times faster than the
    library's json-module transcoder, and either reads what the other wrote.

    Dates, datetimes and Decimals go through the registered transcodings (also for
    subclasses, e.g. freezegun's). orjson would write a UUID or a dataclass natively, so
    event fields must not be of those types (ids travel as originator_id)."""

    _OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=self._tagged, option=self._OPTIONS)

    def decode(self, data: bytes) -> Any:
        return self.untag(orjson.loads(data))

    def _tagged(self, o: Any) -> dict[str, Any]:
        # Most values are exactly a date, datetime or Decimal: one lookup and a built-in
        # call (a fifth of the encoding's time went to this function, four calls an event).
        plain = self._encoders.get(type(o))
        if plain is not None:
            return {"_type_": plain[0], "_data_": plain[1](o)}
        for base in type(o).__mro__:
            transcoding = self.types.get(base)
            if transcoding is not None:
                return {"_type_": transcoding.name, "_data_": transcoding.encode(o)}
        return super()._encode_obj(o)

    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        self._encoders: dict[type, tuple[str, Callable[[Any], str]]] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders[transcoding.name] = _SAME_AS.get(type(transcoding), transcoding.decode)
        encode = _ENCODED_AS.get(type(transcoding))
        if encode is not None:
            self._encoders[transcoding.type] = (transcoding.name, encode)

    def plain_tags(self) -> dict[type, str]:
        """The tag names of the registered types whose decoding is one built-in call on
        the tagged string (a date, datetime, Decimal, UUID): others may do anything."""
        return {
            cls: transcoding.name
            for cls, transcoding in self.types.items()
            if type(transcoding) in _SAME_AS
        }

    def _untag_fields(self, o: dict[str, Any], names: Iterable[str]) -> None:
        """Replace the tagged values of the fields `names` of `o` in place. The common case
        (a tag holding a plain string) is decoded without recursing."""
        decoders = self._decoders
        for name in names:
            value = o.get(name)
            if type(value) is dict:
                data = value.get("_data_")
                if type(data) is str and len(value) == 2 and "_type_" in value:
                    o[name] = decoders[value["_type_"]](data)
                else:
                    o[name] = self.untag(value)
            elif type(value) is list:
                o[name] = self.untag(value)

    def untag(self, o: Any) -> Any:
        """`o` parsed from JSON, with every tagged value in it decoded."""
        if type(o) is dict:
            if len(o) == 2 and "_type_" in o and "_data_" in o:
                data = o["_data_"]
                if type(data) is dict or type(data) is list:
                    data = self.untag(data)
                return self.names[o["_type_"]].decode(data)
            self._untag_fields(o, list(o))
            return o
        if type(o) is list:
            return [self.untag(v) if type(v) is dict or type(v) is list else v for v in o]
        return o


# The library's transcodings whose decode is exactly one built-in call on a string: called
# directly, without a Python frame each.
_SAME_AS: dict[type, Callable[[str], Any]] = {
    DatetimeAsISO: datetime.fromisoformat,
    DecimalAsStr: Decimal,
    UUIDAsHex: UUID,
    DateAsISO: date.fromisoformat,
}


# The library's transcodings whose encode is exactly one built-in call on the object (of
# exactly the transcoding's type; a subclass takes the general way).
_ENCODED_AS: dict[type, Callable[[Any], str]] = {
    DatetimeAsISO: datetime.isoformat,
    DecimalAsStr: str,
    DateAsISO: date.isoformat,
}


def make_mapper() -> Mapper[UUID]:
    transcoder = FastTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)
