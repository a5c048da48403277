"""Attachments are served to signed-in agents only, as downloads (images inline)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from hub.models import Event
from tests.connectors.email.support import email_connector, mail, smtp_send
from tests.hub.web.console.conftest import make_agent, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
PAGE = b"<html><script>alert(document.cookie)</script></html>"


async def attachments(app: Any) -> list[dict[str, Any]]:
    receiver = email_connector(app.state.hub).receiver
    assert receiver is not None
    await smtp_send(
        receiver.address,
        mail(attachments=[("photo.png", "image/png", PNG), ("page.html", "text/html", PAGE)]),
    )
    async with app.state.hub.read() as session:
        event = (await session.execute(select(Event))).scalar_one()
    return list(event.data["attachments"])


def path_of(entry: dict[str, Any]) -> str:
    return str(entry["url"]).removeprefix("http://testserver")


async def test_anonymous_requests_are_refused(app: Any, client: httpx.AsyncClient) -> None:
    photo, page = await attachments(app)
    for entry in (photo, page):
        answer = await client.get(path_of(entry))
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "login_required"


async def test_agents_get_images_inline_and_everything_else_as_a_download(
    app: Any, client: httpx.AsyncClient
) -> None:
    photo, page = await attachments(app)
    agent = await make_agent(app.state.hub, "agent@shop.example")
    assert (await sign_in(client, agent.email)).status_code == 303

    image = await client.get(path_of(photo))
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline")

    html = await client.get(path_of(page))
    assert html.status_code == 200 and html.content == PAGE
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["content-disposition"] == 'attachment; filename="page.html"'
    assert html.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in html.headers["content-security-policy"]

    missing = await client.get("/email/attachments/" + "0" * 64)
    assert missing.status_code == 404
    traversal = await client.get("/email/attachments/..%2F..%2Fsecret_key")
    assert traversal.status_code in (404, 403)
