import importlib
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import sample_app
from sample_app.cli import EXIT_USAGE, main, split_flags

USAGE = "usage: sample-app [-h] [--version] A B"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["2", "3"], "5"),
        (["2.5", "3"], "5.5"),
        (["-1", "2"], "1"),
        (["-1", "-2"], "-3"),
        (["-1e3", "-2"], "-1002"),
        (["-2.5", "-.5"], "-3.0"),
        (["0.1", "0.2"], "0.3"),
        (["1e3", "0"], "1000"),
        (["--", "-1", "2"], "1"),
        (["123456789012345678901234567890", "1"], "123456789012345678901234567891"),
    ],
)
def test_main_prints_the_sum(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == expected + "\n"
    assert err == ""


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["abc", "1"], "'abc' is not a number"),
        (["1", "abc"], "'abc' is not a number"),
        (["-abc", "1"], "'-abc' is not a number"),
        (["1_000", "1"], "'1_000' is not a number"),
        (["nan", "1"], "'nan' is not a finite number"),
        (["1", "-inf"], "'-inf' is not a finite number"),
        (["1e99999", "1"], "'1e99999' is too large"),
        (["2"], "expected exactly 2 numbers, got 1: '2'"),
        ([], "expected exactly 2 numbers, got 0: none"),
        (["1", "2", "3"], "expected exactly 2 numbers, got 3: '1', '2', '3'"),
        (["--verison", "1", "2"], "unrecognized arguments: --verison"),
        (["1", "--", "--help"], "'--help' is not a number"),
    ],
)
def test_main_rejects_bad_input_with_usage_and_status_2(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    usage, error, *rest = err.splitlines()
    assert usage == USAGE
    assert error.startswith("sample-app: error: ")
    assert named in error
    assert rest == []


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([flag])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(USAGE + "\n")
    assert "Add two numbers" in out


def test_help_wins_wherever_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["-1", "--help"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith(USAGE)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"sample-app {sample_app.__version__}\n"


def test_version_is_pep440_like() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", sample_app.__version__)


def test_main_reads_sys_argv_by_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["sample-app", "40", "2"])
    assert main() == 0
    assert capsys.readouterr().out == "42\n"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["1", "2"], ["--", "1", "2"]),
        (["-1", "--version"], ["--version", "--", "-1"]),
        (["-h", "-1"], ["-h", "--", "-1"]),
        (["--", "--help", "-h"], ["--", "--help", "-h"]),
        (["--bogus", "-x"], ["--bogus", "--", "-x"]),
    ],
)
def test_split_flags(argv: list[str], expected: list[str]) -> None:
    assert split_flags(argv) == expected


def test_python_dash_m_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["sample_app", "2", "3"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_module("sample_app", run_name="__main__", alter_sys=True)
    assert caught.value.code == 0
    assert capsys.readouterr().out == "5\n"


def test_python_dash_m_in_a_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sample_app", "2", "3"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(sample_app.__file__).resolve().parents[1])},
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "5\n", "")


def test_importing_dunder_main_does_not_run_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    module = importlib.import_module("sample_app.__main__")
    assert module.main is main
    assert capsys.readouterr() == ("", "")
