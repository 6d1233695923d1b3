"""Whole numbers read from text that people type or buttons carry (forged ones too)."""

from __future__ import annotations

# Ids and counts are INTEGER columns, 32-bit on PostgreSQL: a larger number fails there.
INT32_MAX = 2**31 - 1


def whole_number(text: str, *, signed: bool = False) -> int | None:
    """The number written in ASCII digits ("-" first when `signed`) within 32 bits, else
    None. str.isdigit() alone lets through "²", which int() refuses, and "٣", which it reads."""
    digits = text[1:] if signed and text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10:
        return None
    value = int(text)
    return value if -INT32_MAX - 1 <= value <= INT32_MAX else None
