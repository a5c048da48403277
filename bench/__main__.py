"""``python -m bench``: run every benchmark module in this package, in name order."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path


def main() -> int:
    status = 0
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        print(f"== bench.{module.name}", flush=True)
        try:
            bench = importlib.import_module(f"bench.{module.name}")
            status |= int(bench.main() or 0)
        except Exception:
            # One broken benchmark (e.g. a database that is down) must not hide the others.
            traceback.print_exc()
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
