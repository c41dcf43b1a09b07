"""Command-line interface: ``sample-app A B`` prints ``A + B``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from sample_app import __version__
from sample_app.calculator import MAX_DIGITS, NumberError, add, format_number, parse_number, shown

if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "sample-app"
EXIT_USAGE = 2

_FLAGS = frozenset({"-h", "--help", "--version"})

_EPILOG = f"""\
Numbers are read exactly (no binary floating point): 0.1 + 0.2 is 0.3.
Accepted: integers and decimals in plain ASCII notation, with an optional
sign and exponent (2, -1, 2.5, .5, 1e3). Rejected with exit status 2:
nan, inf, digit separators (1_000), and values wider than {MAX_DIGITS} digits.
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (also used to print usage and errors)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage="%(prog)s [-h] [--version] A B",
        description="Add two numbers and print the sum.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("numbers", nargs="*", metavar="A B", help="the two numbers to add")
    return parser


def split_flags(argv: Sequence[str]) -> list[str]:
    """Put the option flags first and every other argument after ``--``.

    argparse reads an argument that starts with ``-`` as an option unless it
    looks like a plain negative number, and what looks like one differs between
    Python versions (``-1e3`` is an option before 3.14). Moving the flags to the
    front and the values behind ``--`` makes every value positional, so ``-1``,
    ``-1e3`` and ``-abc`` all reach the number parser. Arguments starting with
    ``--`` stay options, so a misspelt ``--verison`` is reported as unknown. A
    ``--`` given by the user ends the options as usual.
    """
    options: list[str] = []
    values: list[str] = []
    remaining = iter(argv)
    for arg in remaining:
        if arg == "--":
            values.extend(remaining)
        elif arg in _FLAGS or arg.startswith("--"):
            options.append(arg)
        else:
            values.append(arg)
    return [*options, "--", *values]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (errors exit with 2)."""
    parser = build_parser()
    args = parser.parse_args(split_flags(sys.argv[1:] if argv is None else argv))
    texts: list[str] = args.numbers
    if len(texts) != 2:  # noqa: PLR2004 - the CLI adds exactly two numbers
        given = ", ".join(shown(text) for text in texts) or "none"
        parser.error(f"expected exactly 2 numbers, got {len(texts)}: {given}")
    try:
        a, b = (parse_number(text) for text in texts)
    except NumberError as error:
        parser.error(str(error))
    print(format_number(add(a, b)))
    return 0
