"""``hub check``: is the configuration an operator gave one that works?

Each check is a named coroutine returning the problems it found, in plain words, each
naming the setting to change. ``hub check`` runs them all and exits 1 on any problem;
``hub serve`` runs the same ones at start (``serving=True``: minus those that only make
sense once it listens, or that it fixes itself) and refuses to start on a fatal one.

Channels add checks for their own settings through ``Connector.check`` (a class method
returning problems), so a new channel's settings are checked without touching ``hub/``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from hub.settings import Settings


@dataclass(frozen=True)
class Problem:
    """Something wrong with the configuration. ``setting`` is the variable to change
    (or the service to look at); ``message`` says what is wrong and what to do, for an
    operator. A ``fatal`` problem stops ``hub serve`` from starting; the others are
    logged as warnings there (``hub check`` reports both and exits 1)."""

    setting: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.setting}: {self.message}"


CheckFn = Callable[[Settings], Awaitable[Sequence[Problem]]]


@dataclass(frozen=True)
class Check:
    """One named check. ``hub serve`` skips it at start when ``on_serve`` is False, and
    runs ``serve_run`` instead of ``run`` when one is given."""

    name: str
    run: CheckFn
    on_serve: bool = True
    serve_run: CheckFn | None = None


# -- helpers for checks of settings (the hub's and the connectors') ------------------------

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


def e164_problems(variable: str, value: str | None) -> list[Problem]:
    """A problem when ``value`` (a phone number setting) is set but not in E.164 form."""
    if value is None or _E164.fullmatch(value):
        return []
    return [
        Problem(
            variable,
            f"{value!r} is not a phone number in E.164 form: write it as + then the country "
            "code and the number, digits only, e.g. +15551234567.",
        )
    ]


def together_problems(values: Mapping[str, str | None], purpose: str) -> list[Problem]:
    """A problem when some of ``values`` (variable → value) are set and others are not:
    settings that only work as a set (credentials and what goes with them)."""
    missing = [name for name, value in values.items() if not value]
    if not missing or len(missing) == len(values):
        return []
    names = " and ".join([", ".join(list(values)[:-1]), list(values)[-1]])
    return [
        Problem(
            missing[0] if len(missing) == 1 else ", ".join(missing),
            f"{names} go together ({purpose}); {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} unset: set all of them, or none.",
        )
    ]
