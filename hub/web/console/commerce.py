"""The shop beside the thread: stock for the context panel (fetched after the page).

``GET /customers/{id}/stock`` answers an HTML fragment: stock per location of the
SKUs the thread is about (``hub.queries.commerce.thread_skus``: ordered, saved as a
detail, or typed in the customer's recent messages). The thread page never
waits on the shop: the panel loads this after the page, and the shop's answer is
cached briefly (``hub.commerce.service``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hub.actions.customers import get_customer
from hub.errors import HubError
from hub.queries.commerce import thread_skus
from hub.web.console.auth import console_view, hub_of
from hub.web.console.render import render


@console_view()
async def stock_panel(request: Request) -> Response:
    hub = hub_of(request)
    commerce = hub.commerce
    if commerce is None:
        return render(request, "partials/stock.html", {"error": "No shop is connected."})
    async with hub.read() as session:
        customer = await get_customer(session, int(request.path_params["customer_id"]))
        skus = await thread_skus(session, customer.id)
    context: dict[str, object] = {"error": None, "products": [], "unknown": []}
    if skus.all:
        try:
            products = await commerce.stock(skus.all)
        except HubError as exc:
            context["error"] = f"{commerce.label} did not answer: {exc.message}"
        else:
            found = {p.sku for p in products}
            # A word that only looked like a SKU is not worth a line.
            context.update(products=products, unknown=[s for s in skus.known if s not in found])
    return render(request, "partials/stock.html", context)
