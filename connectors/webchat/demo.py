"""``GET /demo/shop``: a retailer's page that embeds the widget with one script tag."""

from __future__ import annotations

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

# The hub's package data (hub/templates), wherever the package is installed.
TEMPLATES = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.PackageLoader("hub", "templates"), autoescape=jinja2.select_autoescape()
    )
)

# The shop's own policy (a real retailer sets theirs): scripts, styles and sockets
# from the hub are allowed; inline styles only for the page's own look.
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)


async def demo_shop(request: Request) -> Response:
    hub_url = str(request.base_url).rstrip("/")
    response = TEMPLATES.TemplateResponse(request, "demo/shop.html", {"hub_url": hub_url})
    response.headers["content-security-policy"] = DEMO_CSP
    return response
