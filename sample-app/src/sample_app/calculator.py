"""Exact addition of numbers given as text.

Every value is parsed into a :class:`decimal.Decimal` straight from its text, so
no binary floating point is involved: ``0.1 + 0.2`` is ``0.3``, integers of any
accepted size stay exact, and the result keeps the decimal places of its inputs
(``2.5 + 3`` is ``5.5``, ``2 + 3`` is ``5``).
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation

#: Most digits a value may have once written out in plain notation (integer
#: part plus fractional part). It bounds the work and the size of the output:
#: ``1e999999999`` is nine characters long but a billion digits wide. 4300 is
#: the limit Python itself puts on converting text to ``int``.
MAX_DIGITS = 4300

# Plain ASCII decimal notation, optionally with an exponent: 2, -1, +7, 2.5,
# .5, 5., 1e3, 1.5E-2. Deliberately not accepted: digit separators (1_000),
# surrounding spaces, non-ASCII digits, hexadecimal and other prefixes.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

# Text that Decimal would read as a special value rather than a number.
_SPECIAL = re.compile(r"[+-]?(?:s?nan[0-9]*|inf(?:inity)?)", re.IGNORECASE)

# Enough precision that the sum of two in-range values is never rounded: each
# has at most MAX_DIGITS digits, so the sum has at most 2 * MAX_DIGITS + 1.
_EXACT = Context(prec=2 * MAX_DIGITS + 2, Emax=2 * MAX_DIGITS, Emin=-2 * MAX_DIGITS)

_SHOWN_CHARS = 32


class NumberError(ValueError):
    """A command-line value that is not an accepted number."""


def shown(text: str) -> str:
    """Quote ``text`` for an error message: one line, bounded length."""
    if len(text) > _SHOWN_CHARS:
        return f"{text[:_SHOWN_CHARS]!r}... ({len(text)} characters)"
    return repr(text)


def plain_digits(value: Decimal) -> int:
    """How many digits ``value`` has when written in plain (non-exponent) form."""
    _, digits, raw_exponent = value.as_tuple()
    exponent = int(raw_exponent)  # callers pass finite values only
    fraction_digits = max(-exponent, 0)
    integer_digits = 1 if value.is_zero() else max(len(digits) + exponent, 1)
    return integer_digits + fraction_digits


def parse_number(text: str) -> Decimal:
    """Parse one command-line value, or raise :class:`NumberError` naming it."""
    if _SPECIAL.fullmatch(text):
        msg = f"{shown(text)} is not a finite number (nan and infinity are not accepted)"
        raise NumberError(msg)
    if not _NUMBER.fullmatch(text):
        msg = f"{shown(text)} is not a number (expected a decimal like 2, -1, 2.5 or 1e3)"
        raise NumberError(msg)
    try:
        value = Decimal(text)
    except InvalidOperation:  # an exponent beyond what decimal can represent
        value = None
    if value is None or plain_digits(value) > MAX_DIGITS:
        msg = f"{shown(text)} is too large or too precise (at most {MAX_DIGITS} digits)"
        raise NumberError(msg)
    return value


def add(a: Decimal, b: Decimal) -> Decimal:
    """Return ``a + b`` exactly; a zero result never carries a minus sign."""
    total = _EXACT.add(a, b)
    return abs(total) if total.is_zero() else total


def format_number(value: Decimal) -> str:
    """Write ``value`` in plain notation: ``5``, ``5.5``, ``1000``, ``0.001``."""
    return format(value, "f")
