"""CSV import: good rows land through the actions, bad rows are reported, dry runs change
nothing."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hub.actions.customers import add_identity
from hub.actions.inbound import receive_inbound
from hub.cli import main
from hub.core import Hub
from hub.csv_import import import_csv, run
from hub.errors import Invalid
from hub.models import Customer, Detail, Event, Identity, Order
from hub.settings import Settings
from hub.types import Inbound

CUSTOMERS = """name,email,phone,loyalty_id,detail.address
Ann Lee,ann@example.com,+1 555 123 0000,L-1,1 Main St
Bob Roe,bob@example.com,,,
,not-an-email,,,
Ann Lee,ANN@example.com,,L-1,
Carl,,12,,
Dee,dee@example.com,555-123-0099,L-2,"2 Side St, Apt 3"
Eve,bob@example.com,555-123-0099,,
,,,,
Fay,fay@example.com,,,,extra
"""

ORDERS = (
    "external_id,number,email,phone,name,status,total,placed_at,items\n"
    "o-1,A-1,ann@example.com,,Ann Lee,shipped,12.50,2026-11-01T10:00:00Z,"
    '"[{""name"": ""Mug"", ""quantity"": 2, ""unit_price"": ""6.25"", ""sku"": ""M1""}]"\n'
    "o-2,A-2,new@example.com,,New Person,placed,5,,\n"
    "o-3,A-3,,,,placed,5,,\n"
    "o-4,A-4,ann@example.com,,,placed,abc,,\n"
    "o-5,A-5,ann@example.com,,,placed,1.999,,\n"
    "o-6,A-6,ann@example.com,,,placed,,yesterday,\n"
    "o-7,A-7,ann@example.com,,,placed,,,[not json\n"
    "o-1,A-1,ann@example.com,,Ann Lee,delivered,12.50,2026-11-01T10:00:00Z,\n"
)


async def count(hub: Hub, model: type) -> int:
    async with hub.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_long_import_tells_postgresql_the_tables_grew(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ANALYZE after the first rows (5,000; 3 here), then each time the import doubles:
    without it PostgreSQL plans the batches' (kind, address) look-ups for the empty
    table it last knew and scans every identity of a kind (448 rows/s at 100,000 rows
    where 20,000 gave 1,746, autovacuum off)."""
    monkeypatch.setattr(run, "FIRST_ANALYZE", 3)
    result = await import_csv(hub, io.StringIO(CUSTOMERS), batch_size=3)
    assert (result.rows, result.created, len(result.rejected)) == (9, 3, 5)
    if hub.engine.dialect.name != "postgresql":
        return  # SQLite plans with its indexes without statistics
    async with hub.read() as session:
        known = await session.execute(
            text(
                "SELECT relname, reltuples FROM pg_class"
                " WHERE relname IN ('identities', 'customers')"
            )
        )
        # reltuples is -1 until the table is first analysed (or vacuumed).
        assert {name: tuples >= 0 for name, tuples in known} == {
            "identities": True,
            "customers": True,
        }


async def test_customers_import_reports_bad_rows(hub: Hub) -> None:
    result = await import_csv(hub, io.StringIO(CUSTOMERS), batch_size=3)
    assert result.kind == "customers" and result.rows == 9
    assert [(r.line, r.reason.split(":")[0]) for r in result.rejected] == [
        (4, "not an email address"),
        (6, "not a possible phone number"),
        (8, "identities belong to different customers ([2, 3])"),
        (9, "no email, phone or loyalty_id"),
        (10, "more values than columns"),
    ]
    assert (result.created, result.updated) == (3, 1)
    assert await count(hub, Customer) == 3
    async with hub.read() as session:
        identities = dict(
            (await session.execute(select(Identity.address, Identity.customer_id))).all()
        )
        details = list((await session.execute(select(Detail.value))).scalars())
    assert identities["+15551230000"] == identities["ann@example.com"] == identities["L-1"]
    assert sorted(details) == ["1 Main St", "2 Side St, Apt 3"]


async def test_dry_run_changes_nothing(hub: Hub) -> None:
    result = await import_csv(hub, io.StringIO(CUSTOMERS), dry_run=True)
    assert result.dry_run and result.created == 3 and len(result.rejected) == 5
    for model in (Customer, Identity, Detail, Event):
        assert await count(hub, model) == 0


async def test_orders_import(hub: Hub) -> None:
    seen: list[int] = []
    result = await import_csv(hub, io.StringIO(ORDERS), batch_size=4, progress=seen.append)
    assert result.kind == "orders" and seen == [4, 8]
    assert [r.line for r in result.rejected] == [4, 5, 6, 7, 8]
    assert "customer_id, phone or email" in result.rejected[0].reason
    assert "not a number" in result.rejected[1].reason
    assert "2 decimals" in result.rejected[2].reason
    assert "ISO 8601" in result.rejected[3].reason
    assert "JSON" in result.rejected[4].reason
    assert (result.created, result.updated) == (2, 1)
    async with hub.read() as session:
        order = (
            await session.execute(select(Order).where(Order.external_id == "o-1"))
        ).scalar_one()
        purchases = (
            await session.execute(select(func.count()).where(Event.type == "purchase"))
        ).scalar_one()
    assert order.status == "delivered" and order.total_cents == 1250
    assert [(i.sku, i.quantity, i.unit_price_cents) for i in order.items] == [("M1", 2, 625)]
    assert purchases == 2


async def test_bad_header_is_refused_before_any_row(hub: Hub) -> None:
    with pytest.raises(Invalid, match="unknown columns: shoe_size"):
        await import_csv(hub, io.StringIO("email,shoe_size\na@b.co,9\n"))
    with pytest.raises(Invalid):
        await import_csv(hub, io.StringIO(""))


def test_cli_import_with_progress_and_dry_run(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("HUB_SECRET_KEY", "test-secret")
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS)
    assert main(["import", str(path), "--dry-run"]) == 1
    out, err = capsys.readouterr()
    assert "100%" in err and "9/9 rows" in err
    assert "dry run, nothing changed" in out
    assert "3 customers would be created, 1 updated, 5 rows rejected" in out
    assert "  line 4: not an email address" in out
    assert main(["import", str(path), "--no-progress"]) == 1
    out, err = capsys.readouterr()
    assert err == "" and "3 customers were created" in out
    assert main(["report", "--since", "1d"]) == 0
    out, _ = capsys.readouterr()
    assert "Conversations by channel per day" in out


async def test_bulk_path_writes_what_the_actions_write(hub: Hub) -> None:
    """Orders of known customers take the bulk path; the result matches upsert_order's."""
    people = "email,phone\nzed@example.com,\n,555-123-0077\n"
    await import_csv(hub, io.StringIO(people))
    async with hub.uow() as uow:  # a number someone typed into the widget: asserted
        await receive_inbound(uow, Inbound("webchat", "visitor", "v-1", body="hi"))
        visitor = (await uow.session.execute(select(Identity))).scalars().all()[-1]
        await add_identity(uow, visitor.customer_id, "phone", "555-123-0088")
    orders = (
        "external_id,number,email,phone,name,total,items\n"
        'b-1,B-1,zed@example.com,,Zed Zee,,"[{""name"": ""Pen"", ""quantity"": 3, '
        '""unit_price"": ""1.50""}]"\n'
        "b-2,,,5551230077,,9.99,\n"
        "b-3,B-3,other@example.com,,,1,\n"
        "b-4,B-4,,555-123-0088,Vic,2,\n"
    )
    result = await import_csv(hub, io.StringIO(orders))
    assert (result.created, result.updated, result.rejected) == (4, 0, [])
    async with hub.read() as session:
        rows = (await session.execute(select(Order).order_by(Order.external_id))).scalars().all()
        events = (
            (
                await session.execute(
                    select(Event).where(Event.type == "purchase").order_by(Event.id)
                )
            )
            .scalars()
            .all()
        )
        zed = await session.get(Customer, rows[0].customer_id)
        typed = (
            await session.execute(select(Identity).where(Identity.address == "+15551230088"))
        ).scalar_one()
    assert [(o.number, o.total_cents) for o in rows] == [
        ("B-1", 450),
        ("b-2", 999),
        ("B-3", 100),
        ("B-4", 200),
    ]
    assert [(i.name, i.quantity, i.unit_price_cents) for i in rows[0].items] == [("Pen", 3, 150)]
    assert zed is not None and zed.name == "Zed Zee"
    assert typed.verification == "verified"
    assert sorted(e.provider_id or "" for e in events) == [f"order:b-{i}" for i in range(1, 5)]
    assert all(e.channel == "import" and e.data["order_id"] for e in events)
    assert events[0].body == "Order B-1 — 1 item(s)"


async def test_an_oversized_field_fails_clearly_before_anything_is_written(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A careless export with a 200 000-character cell on line 600: the CLI says which
    line and why, and the 598 good rows before it are not half-imported."""
    monkeypatch.setenv("HUB_DATABASE_URL", db_url)
    monkeypatch.setenv("HUB_SECRET_KEY", "test-secret")
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    rows = [f"Person {n},p{n}@example.com,,\n" for n in range(598)]
    oversized = '"' + "x" * 200_000 + '",big@example.com,,\n'
    path = tmp_path / "customers.csv"
    path.write_text("name,email,phone,loyalty_id\n" + "".join(rows) + oversized)
    args = ["import", str(path), "--no-progress", "--batch-size", "100"]
    assert await asyncio.to_thread(main, args) == 2
    _, err = capsys.readouterr()
    assert "line 600: a field is longer than 131072 characters; nothing was imported" in err
    hub = Hub(Settings.from_env())
    try:
        async with hub.read() as db:
            assert await db.scalar(select(func.count()).select_from(Customer)) == 0
    finally:
        await hub.dispose()
