"""Prints the Python version, then every installed distribution as name==version, PEP 503-normalized, sorted.

Run alike in the built image and in the tests' environment, so the same set prints the same text.
"""

import importlib.metadata
import re
import sys

print(f"{sys.version_info[0]}.{sys.version_info[1]}")
names = {
    f"{re.sub(r'[-_.]+', '-', d.metadata['Name']).lower()}=={d.version}"
    for d in importlib.metadata.distributions()
}
print("\n".join(sorted(names)))
