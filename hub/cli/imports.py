"""``hub import FILE.csv [--kind customers|orders] [--dry-run]`` with a progress bar."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from hub.cli.common import fail, run_with_hub
from hub.core import Hub
from hub.csv_import import KINDS, ImportResult, import_csv
from hub.errors import HubError

SHOWN_REJECTIONS = 100


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import", help="import customers or orders from a CSV file (see docs/import.md)"
    )
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--kind", choices=KINDS, help="default: from the file name, else from its header"
    )
    parser.add_argument("--dry-run", action="store_true", help="check every row, change nothing")
    parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.set_defaults(func=cmd_import)


class ProgressBar:
    """``[#####.....]  45%  45000/100000 rows  2300 rows/s`` redrawn in place on stderr."""

    def __init__(self, total: int, out: TextIO | None = None, width: int = 30) -> None:
        # Looked up at call time, not import time: stderr may have been replaced since.
        self.total, self.out, self.width = max(total, 1), out or sys.stderr, width
        self.started = time.perf_counter()

    def __call__(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        filled = int(share * self.width)
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        self.out.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} "
            f"{done}/{self.total} rows  {rate:.0f} rows/s"
        )
        self.out.flush()

    def close(self) -> None:
        self.out.write("\n")
        self.out.flush()


def count_rows(path: Path) -> int:
    """Data lines in the file (for the progress bar; quoted newlines count extra)."""
    with path.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def guess_kind(path: Path) -> str | None:
    stem = path.stem.lower()
    return next((kind for kind in KINDS if stem.startswith(kind)), None)


def summary(result: ImportResult, shown: int = SHOWN_REJECTIONS) -> str:
    verb = "would be" if result.dry_run else "were"
    lines = [
        f"{result.rows} rows read in {result.seconds:.1f}s ({result.rows_per_second:.0f} rows/s)"
        + (" — dry run, nothing changed" if result.dry_run else ""),
        f"{result.created} {result.kind} {verb} created, {result.updated} updated, "
        f"{len(result.rejected)} rows rejected",
    ]
    for rejected in result.rejected[:shown]:
        lines.append(f"  line {rejected.line}: {rejected.reason}")
    if len(result.rejected) > shown:
        lines.append(f"  ... and {len(result.rejected) - shown} more")
    return "\n".join(lines) + "\n"


def cmd_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        return fail(f"no such file: {path}")
    if args.batch_size < 1:
        return fail("--batch-size must be at least 1")
    bar = None if args.no_progress else ProgressBar(count_rows(path))

    async def run(hub: Hub) -> ImportResult:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            return await import_csv(
                hub,
                stream,
                kind=args.kind or guess_kind(path),
                dry_run=args.dry_run,
                batch_size=args.batch_size,
                progress=bar,
            )

    try:
        result = run_with_hub(run)
    except HubError as exc:
        return fail(exc.message)
    except UnicodeDecodeError:
        return fail(f"{path} is not UTF-8 text")
    finally:
        if bar is not None:
            bar.close()
    sys.stdout.write(summary(result))
    return 1 if result.rejected else 0
