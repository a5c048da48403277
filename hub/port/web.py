"""What a channel's own browser and JSON routes use of the hub's web layer: the one
browser check every route behind the console's sign-in makes, and the one error shape.

A connector imports these from here, never from ``hub.web`` (``lint-imports``).
"""

from __future__ import annotations

from starlette.requests import Request

from hub.port.refs import AgentRef
from hub.web.errors import error_response
from hub.web.sessions import require_agent

__all__ = ["error_response", "signed_in_agent"]


async def signed_in_agent(request: Request) -> AgentRef:
    """The agent signed in to the console, checked as every browser route is
    (``hub.web.sessions.check_agent``): ``SignInRequired`` (401 ``login_required``)
    without a live session, ``CsrfRefused`` (403 ``csrf``) for a write whose CSRF token is
    missing or wrong."""
    return AgentRef.of(await require_agent(request))
