"""Every benchmark's headline figures beside their targets, in one table at the end.

A benchmark calls ``record(name, value, target, higher_is_better)`` for each figure it
has a target for (a ratio, or a latency); ``python -m bench`` prints ``summary()``
after the last one: each figure, its target, whether it is met, and the load average
of the machine when it was recorded (the box may be shared: read figures from a busy
moment with that in mind). Running one benchmark alone (``python -m bench.webhooks``)
prints the same table for its own figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    target: float
    higher_is_better: bool
    load: str

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


_figures: list[Figure] = []


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, as ``/proc/loadavg`` gives them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def record(name: str, value: float, target: float, higher_is_better: bool = True) -> Figure:
    """Keep one figure for the summary (and return it)."""
    figure = Figure(name, value, target, higher_is_better, loadavg())
    _figures.append(figure)
    return figure


def figures() -> list[Figure]:
    return list(_figures)


def summary(figures: list[Figure] | None = None) -> str:
    """The table of ``figures`` (default: every one recorded in this process)."""
    rows = _figures if figures is None else figures
    if not rows:
        return "no figures with targets were recorded"
    width = max(len(f.name) for f in rows)
    lines = [
        f"{'figure':<{width}} {'value':>8} {'target':>9} {'met?':>5}  load average (1 5 15 min)"
    ]
    for f in rows:
        sign = ">=" if f.higher_is_better else "<="
        lines.append(
            f"{f.name:<{width}} {f.value:>8.2f} {sign:>3} {f.target:<5g} "
            f"{'yes' if f.met else 'NO':>5}  {f.load}"
        )
    met = sum(f.met for f in rows)
    lines.append(f"{met} of {len(rows)} targets met")
    return "\n".join(lines)
