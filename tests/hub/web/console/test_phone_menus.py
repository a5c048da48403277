"""The phone menus' admin page (``/admin/phone``): create, edit, validation errors shown
on the page with what was typed, delete, audit, and agents refused (both engines)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.actions.hours import set_business_hours
from hub.core import Hub
from hub.models import AuditEntry, IvrMenu, Store
from tests.hub.web.console.conftest import SignedIn

EVIL = '<img src=x onerror="alert(1)">'


def menu_form(csrf: str, **changes: Any) -> dict[str, Any]:
    form = {
        "csrf": csrf,
        "number": "+1 (555) 300-2000",
        "name": "Downtown store line",
        "greeting": "Thanks for calling Downtown.",
        "order_status": "1",
        "callback": "1",
        "hours": "store:DT",
        "closed_action": "voicemail",
        "voicemail_greeting": "We are closed. We open {opening}. Leave a message after the tone.",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


async def menus(hub: Hub) -> list[IvrMenu]:
    async with hub.read() as db:
        return list((await db.execute(select(IvrMenu).order_by(IvrMenu.id))).scalars())


async def test_admin_creates_edits_and_deletes_a_phone_menu(
    admin: SignedIn, console_hub: Hub
) -> None:
    async with console_hub.uow() as uow:
        uow.session.add(Store(code="DT", name="Downtown", timezone="America/New_York"))
        await uow.session.flush()
        await set_business_hours(uow, timezone="UTC", intervals=[], team="evening")
    page = await admin.client.get("/admin/phone")
    assert page.status_code == 200 and "No phone menus yet" in page.text
    assert "Store DT (Downtown)" in page.text and "Team evening" in page.text

    created = await admin.client.post("/admin/phone", data=menu_form(admin.csrf))
    assert created.status_code == 303 and created.headers["location"] == "/admin/phone"
    (menu,) = await menus(console_hub)
    assert (menu.number, menu.name, menu.hours) == (
        "+15553002000",
        "Downtown store line",
        "store:DT",
    )
    assert menu.order_status and menu.callback and not menu.talk_to_someone  # unchecked box
    assert menu.closed_action == "voicemail" and menu.greeting == "Thanks for calling Downtown."
    page = await admin.client.get("/admin/phone")
    assert "Phone menu created." in page.text and "+15553002000" in page.text

    edited = await admin.client.post(
        f"/admin/phone/{menu.id}",
        data=menu_form(
            admin.csrf,
            name=f"Evening {EVIL}",
            talk_to_someone="1",
            hours="evening",
            closed_action="callback",
            voicemail_greeting="",
        ),
    )
    assert edited.status_code == 303
    (menu,) = await menus(console_hub)
    assert menu.talk_to_someone and menu.hours == "evening" and menu.closed_action == "callback"
    assert menu.voicemail_greeting is None
    page = await admin.client.get("/admin/phone")
    assert "Evening &lt;img" in page.text and EVIL not in page.text

    deleted = await admin.client.post(f"/admin/phone/{menu.id}/delete", data={"csrf": admin.csrf})
    assert deleted.status_code == 303 and await menus(console_hub) == []
    async with console_hub.read() as db:
        audit = [(a.action, a.target_id) for a in (await db.execute(select(AuditEntry))).scalars()]
    assert [a for a in audit if a[0].startswith("ivr_menu.")] == [
        ("ivr_menu.created", menu.id),
        ("ivr_menu.updated", menu.id),
        ("ivr_menu.deleted", menu.id),
    ]


async def test_a_refused_menu_shows_why_and_keeps_what_was_typed(
    admin: SignedIn, console_hub: Hub
) -> None:
    bad_number = await admin.client.post(
        "/admin/phone", data=menu_form(admin.csrf, number="call me", hours="default")
    )
    assert bad_number.status_code == 422 and "must be a phone number" in bad_number.text
    assert 'role="alert"' in bad_number.text and 'value="call me"' in bad_number.text
    no_hours = await admin.client.post("/admin/phone", data=menu_form(admin.csrf))
    assert no_hours.status_code == 422 and "no business hours named &#39;store:DT&#39;" in (
        no_hours.text
    )
    long_greeting = await admin.client.post(
        "/admin/phone", data=menu_form(admin.csrf, hours="default", greeting="x" * 501)
    )
    assert long_greeting.status_code == 422 and "longer than 500" in long_greeting.text
    assert await menus(console_hub) == []

    ok = await admin.client.post("/admin/phone", data=menu_form(admin.csrf, hours="default"))
    assert ok.status_code == 303
    (menu,) = await menus(console_hub)
    taken = await admin.client.post(
        "/admin/phone", data=menu_form(admin.csrf, hours="default", number="+15553002000")
    )
    assert taken.status_code == 409 and "already has a menu" in taken.text
    edit_bad = await admin.client.post(
        f"/admin/phone/{menu.id}", data=menu_form(admin.csrf, hours="default", name=" ")
    )
    assert edit_bad.status_code == 422 and "give the menu a name" in edit_bad.text
    assert "<details open>" in edit_bad.text  # the menu's own form is open again
    missing = await admin.client.post(
        "/admin/phone/999999", data=menu_form(admin.csrf, hours="default")
    )
    assert missing.status_code == 404
    (menu,) = await menus(console_hub)
    assert menu.name == "Downtown store line"


async def test_agents_cannot_see_or_change_phone_menus(
    plain_agent: SignedIn, console_hub: Hub
) -> None:
    assert (await plain_agent.client.get("/admin/phone")).status_code == 403
    form = menu_form(plain_agent.csrf, hours="default")
    assert (await plain_agent.client.post("/admin/phone", data=form)).status_code == 403
    assert (await plain_agent.client.post("/admin/phone/1/delete", data=form)).status_code == 403
    assert await menus(console_hub) == []
