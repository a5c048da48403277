"""Running the checks: the list, the order, the report ``hub check`` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connectors.registry import connector_classes
from hub.checks import Check, Problem, services, values
from hub.settings import Settings


@dataclass(frozen=True)
class Outcome:
    check: Check
    problems: tuple[Problem, ...]


def all_checks() -> list[Check]:
    """The hub's own checks, then each registered connector's."""
    checks = [
        Check("public URL", values.check_public_url),
        Check("allowed origins", values.check_allowed_origins),
        Check("secret key", values.check_secret_key),
        Check("default region", values.check_default_region),
        # hub serve migrates the database itself: at its start only reachability counts.
        Check("database", services.check_database, serve_run=services.database_reachable),
        Check("Redis", services.check_redis),
        Check("public URL reachable", services.check_public_url_reachable, on_serve=False),
    ]
    for cls in connector_classes():
        checks.append(Check(f"{cls.label or cls.channel} settings", cls.check))
    return checks


async def run_checks(
    settings: Settings, *, serving: bool = False, checks: Sequence[Check] | None = None
) -> list[Outcome]:
    """Run every check (those ``hub serve`` runs at start when ``serving``), in order.
    The same problem reported by two checks (Twilio credentials shared by SMS and
    voice) is kept once."""
    outcomes: list[Outcome] = []
    seen: set[Problem] = set()
    for check in all_checks() if checks is None else checks:
        if serving and not check.on_serve:
            continue
        run = check.serve_run if serving and check.serve_run is not None else check.run
        found = await run(settings)
        fresh = tuple(p for p in found if p not in seen)
        seen.update(fresh)
        outcomes.append(Outcome(check, fresh))
    return outcomes


def problems(outcomes: Sequence[Outcome]) -> list[Problem]:
    return [p for outcome in outcomes for p in outcome.problems]


def report(outcomes: Sequence[Outcome]) -> str:
    """The plain-words report ``hub check`` prints: one line per check, then each
    problem under the check that found it."""
    lines = []
    for outcome in outcomes:
        if not outcome.problems:
            lines.append(f"ok       {outcome.check.name}")
            continue
        lines.append(f"PROBLEM  {outcome.check.name}")
        lines.extend(f"         - {p}" for p in outcome.problems)
    found = problems(outcomes)
    if found:
        lines.append(f"{len(found)} problem{'s' if len(found) > 1 else ''} found.")
    else:
        lines.append("The configuration looks right.")
    return "\n".join(lines)
