"""``python -m bench``: run every benchmark module in this package, in name order, then
print every figure that has a target beside it (``bench._report``), with how long each
benchmark took."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from bench import _report


def main() -> int:
    status = 0
    took: list[tuple[str, float]] = []
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        print(f"== bench.{module.name} (load average {_report.loadavg()})", flush=True)
        began = time.perf_counter()
        try:
            bench = importlib.import_module(f"bench.{module.name}")
            status |= int(bench.main() or 0)
        except Exception:
            # One broken benchmark (e.g. a database that is down) must not hide the others.
            traceback.print_exc()
            status = 1
        took.append((module.name, time.perf_counter() - began))
    print()
    print("== summary: each figure beside its target")
    print(_report.summary())
    print("run time: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in took))
    return status


if __name__ == "__main__":
    sys.exit(main())
