"""Column types shared by the models."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every engine.

    SQLite keeps no time zone, so values are stored as naive UTC and given their zone back
    when read; a naive value on the way in is a bug and is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class SharedJSON(TypeDecorator[Any]):
    """JSON decoded once per distinct stored text: rows holding the same text give the same
    Python value, which is therefore read-only (assign a new value to change it).

    For large documents read on every update, such as a survey's definition (some 10 KB:
    decoding it took about a tenth of the CPU of answering a question). Where the driver
    decodes JSON itself (asyncpg), values are decoded as usual.
    """

    impl = JSON
    cache_ok = True
    KEEP = 64  # distinct texts remembered

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        decode = self.impl_instance.result_processor(dialect, coltype)
        if decode is None:
            return None
        seen: OrderedDict[str | bytes, Any] = OrderedDict()

        def process(value: Any) -> Any:
            if not isinstance(value, str | bytes):
                return decode(value)
            if value in seen:
                seen.move_to_end(value)
                return seen[value]
            decoded = seen[value] = decode(value)
            if len(seen) > self.KEEP:
                seen.popitem(last=False)
            return decoded

        return process


def utcnow() -> datetime:
    return datetime.now(UTC)
