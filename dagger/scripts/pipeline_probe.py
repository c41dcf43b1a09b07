"""pytest plugin (-p pipeline_probe): records the interpreter and the GIL as the test session ends.

That is the state after coverage.py and every test import ran, which is what a free-threaded leg must prove.
"""

import json
import os
import platform
import sys


def pytest_sessionfinish(session, exitstatus):
    probe = getattr(sys, "_is_gil_enabled", None)  # 3.13 and later
    info = {"python": platform.python_version(), "gil": None if probe is None else bool(probe())}
    with open(os.environ["PIPELINE_PROBE_OUT"], "w") as out:
        json.dump(info, out)
