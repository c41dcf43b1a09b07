from decimal import Decimal

import pytest

from sample_app.calculator import (
    MAX_DIGITS,
    NumberError,
    add,
    format_number,
    parse_number,
    plain_digits,
    shown,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", Decimal(2)),
        ("-1", Decimal(-1)),
        ("+7", Decimal(7)),
        ("2.5", Decimal("2.5")),
        (".5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("1e3", Decimal(1000)),
        ("1.5E-2", Decimal("0.015")),
        ("-0", Decimal(0)),
        ("0e99999", Decimal(0)),
        ("9" * MAX_DIGITS, Decimal("9" * MAX_DIGITS)),
    ],
)
def test_parse_number_accepts_decimal_notation(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["abc", "", " 1", "1 ", "1_000", "0x10", "1/2", "--1", "1e", "e3", ".", "-", "\u0663", "1,5"],
)
def test_parse_number_rejects_non_numbers(text: str) -> None:
    with pytest.raises(NumberError, match="is not a number") as caught:
        parse_number(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    "text", ["nan", "NaN", "-nan", "sNaN", "nan12", "inf", "-inf", "+Infinity"]
)
def test_parse_number_rejects_nan_and_infinity(text: str) -> None:
    with pytest.raises(NumberError, match="is not a finite number") as caught:
        parse_number(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "9" * (MAX_DIGITS + 1),
        "1e4300",
        "1e-4300",
        "0." + "0" * MAX_DIGITS,
        "1e99999999999999999999",
        "1e-99999999999999999999",
    ],
)
def test_parse_number_rejects_values_wider_than_the_limit(text: str) -> None:
    with pytest.raises(NumberError, match=f"at most {MAX_DIGITS} digits"):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "digits"),
    [("0", 1), ("12", 2), ("1e3", 4), ("0.001", 4), ("12.5", 3), ("0e5", 1), ("0.00", 3)],
)
def test_plain_digits_counts_the_written_out_form(text: str, digits: int) -> None:
    assert plain_digits(Decimal(text)) == digits
    assert len(format(Decimal(text), "f").lstrip("-").replace(".", "")) == digits


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2", "3", "5"),
        ("2.5", "3", "5.5"),
        ("-1", "2", "1"),
        ("0.1", "0.2", "0.3"),
        ("1e3", "0", "1000"),
        ("1e3", "1", "1001"),
        ("1e-3", "0", "0.001"),
        ("1.50", "1", "2.50"),
        ("2.0", "3", "5.0"),
        ("-0", "-0", "0"),
        ("-0.0", "0", "0.0"),
        ("-2.5", "2.5", "0.0"),
        ("9" * MAX_DIGITS, "1", "1" + "0" * MAX_DIGITS),
        ("0." + "0" * (MAX_DIGITS - 2) + "1", "1e4299", "1" + "0" * 4299 + "." + "0" * 4298 + "1"),
    ],
)
def test_add_is_exact(a: str, b: str, expected: str) -> None:
    assert format_number(add(parse_number(a), parse_number(b))) == expected


def test_shown_keeps_messages_on_one_short_line() -> None:
    assert shown("abc") == "'abc'"
    assert shown("a\nb") == "'a\\nb'"
    long = "x" * 1000
    assert shown(long) == f"{'x' * 32!r}... (1000 characters)"
