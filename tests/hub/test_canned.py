"""Canned responses: placeholders render as plain values and nothing else is reachable."""

from __future__ import annotations

import markupsafe
import pytest
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hub.actions.canned import create_canned, delete_canned, update_canned
from hub.actions.orders import OrderInput, upsert_order
from hub.core import Hub
from hub.errors import Conflict, Invalid
from hub.queries.canned import search_canned, template_context
from hub.rules.canned import render_template, validate_template

CONTEXT = {"customer": {"first_name": "Ann", "name": "Ann Lee"}, "order": {"number": "A-1"}}


def test_placeholders_render() -> None:
    body = "Hi {{customer.first_name}}, order {{ order.number }} is on its way."
    assert render_template(body, CONTEXT) == "Hi Ann, order A-1 is on its way."
    assert validate_template(body) == ["customer.first_name", "order.number"]


def test_missing_values_render_empty() -> None:
    assert render_template("Hi {{customer.first_name}}!", {}) == "Hi !"


@pytest.mark.parametrize(
    "body",
    [
        "{{ customer.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ customer.__class__.__init__.__globals__ }}",
        "{{ customer.first_name.upper() }}",
        "{{ customer.first_name | safe }}",
        "{{ customer['first_name'] }}",
        "{{ customer }}",
        "{{ order.secret }}",
        "{% for x in customer %}{{ x }}{% endfor %}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ unclosed",
    ],
)
def test_anything_but_known_placeholders_is_refused(body: str) -> None:
    with pytest.raises(Invalid):
        validate_template(body)
    with pytest.raises(Invalid):
        render_template(body, CONTEXT)


def test_sandbox_alone_does_not_reach_attributes() -> None:
    """Defence in depth: even unvalidated, the sandbox yields nothing or refuses."""
    env = ImmutableSandboxedEnvironment()
    assert env.from_string("{{ customer.__class__ }}").render(customer={"a": "b"}) == ""
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__ }}").render()


def test_values_are_plain_text_never_evaluated() -> None:
    context = {
        "customer": {"first_name": "<script>alert(1)</script>{{ order.number }}"},
        "order": {"number": "A-1"},
    }
    text = render_template("Hi {{customer.first_name}}", context)
    assert text == "Hi <script>alert(1)</script>{{ order.number }}"
    assert not isinstance(text, markupsafe.Markup)
    assert "<script>" not in str(markupsafe.escape(text))


async def test_crud_search_and_context(hub: Hub) -> None:
    async with hub.uow() as uow:
        order, _ = await upsert_order(
            uow,
            OrderInput(external_id="x1", number="A-77", email="ann@example.com", name="Ann Lee"),
        )
        refund = await create_canned(uow, "/refund", "Refund policy", "Hi {{customer.first_name}}")
        await create_canned(uow, "where", "Where is my order", "Order {{order.number}} ships soon")
        with pytest.raises(Invalid):
            await create_canned(uow, "bad", "Bad", "{{ customer.__class__ }}")
        with pytest.raises(Conflict):
            await create_canned(uow, "refund", "Again", "text")
        await update_canned(
            uow, refund.id, shortcut="refund", title="Refunds", body="Hello {{customer.name}}"
        )
    async with hub.read() as session:
        assert [c.shortcut for c in await search_canned(session, "/re")] == ["refund", "where"]
        assert [c.shortcut for c in await search_canned(session, "order")] == ["where"]
        assert len(await search_canned(session, "")) == 2
        assert await search_canned(session, "%") == []
        context = await template_context(session, order.customer_id)
    assert render_template("Hello {{customer.name}}, {{order.number}}", context) == (
        "Hello Ann Lee, A-77"
    )
    assert context["customer"]["email"] == "ann@example.com"
    async with hub.uow() as uow:
        await delete_canned(uow, refund.id)
    async with hub.read() as session:
        assert [c.shortcut for c in await search_canned(session, "")] == ["where"]
