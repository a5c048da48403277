"""Reading rows of import files: columns, validation, and the per-row path through the
actions (``resolve_identity``, ``add_identity``, ``record_detail``, ``upsert_order``).

Used by ``hub.csv_import.run``; the accepted columns are documented in ``docs/import.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.exc import IntegrityError

from hub.actions.customers import (
    MAX_DETAIL_KEY,
    MAX_DETAIL_VALUE,
    Provenance,
    add_identity,
    find_identity,
    get_customer,
    normalize_or_invalid,
    record_detail,
    resolve_identity,
)
from hub.actions.imports import NewCustomer
from hub.actions.orders import MAX_EXTERNAL_ID, ItemInput, OrderInput, upsert_order
from hub.core import UnitOfWork
from hub.errors import HubError, Invalid
from hub.models.customer import EMAIL, LOYALTY, PHONE
from hub.models.order import ORDER_SOURCES

CUSTOMERS = "customers"
ORDERS = "orders"
KINDS = (CUSTOMERS, ORDERS)
CHANNEL = "import"
DETAIL_PREFIX = "detail."
CUSTOMER_COLUMNS = ("name", "email", "phone", "loyalty_id")
ORDER_COLUMNS = (
    "external_id",
    "number",
    "customer_id",
    "email",
    "phone",
    "name",
    "status",
    "source",
    "store_code",
    "pickup_location",
    "currency",
    "total",
    "placed_at",
    "items",
)
IDENTITY_COLUMNS = (("email", EMAIL), ("phone", PHONE), ("loyalty_id", LOYALTY))


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accepted(self) -> int:
        return self.created + self.updated

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


RowHandler = Callable[[UnitOfWork, dict[str, str]], Any]


def detect_kind(header: Iterable[str]) -> str:
    """``orders`` when the header has ``external_id``, else ``customers``."""
    return ORDERS if "external_id" in set(header) else CUSTOMERS


def check_header(kind: str, header: list[str]) -> None:
    """Refuse unknown or missing columns before any row is read (``Invalid``)."""
    if kind == CUSTOMERS:
        unknown = [
            c for c in header if c not in CUSTOMER_COLUMNS and not c.startswith(DETAIL_PREFIX)
        ]
        if not any(c in header for c, _ in IDENTITY_COLUMNS):
            raise Invalid("a customers file needs an email, phone or loyalty_id column")
    else:
        unknown = [c for c in header if c not in ORDER_COLUMNS]
        if "external_id" not in header:
            raise Invalid("an orders file needs an external_id column")
        if not {"customer_id", "email", "phone"} & set(header):
            raise Invalid("an orders file needs a customer_id, email or phone column")
    if unknown:
        raise Invalid(f"unknown columns: {', '.join(unknown)} (see docs/import.md)")


def parse_customer(row: dict[str, str], region: str) -> NewCustomer:
    """Normalise a customers row's identities and details (``Invalid`` says what is wrong)."""
    claims = tuple(
        (kind, normalize_or_invalid(kind, row[column], region))
        for column, kind in IDENTITY_COLUMNS
        if (row.get(column) or "").strip()
    )
    if not claims:
        raise Invalid("no email, phone or loyalty_id")
    details: list[tuple[str, str]] = []
    for column, value in row.items():
        value = (value or "").strip()
        if column.startswith(DETAIL_PREFIX) and value:
            key = column[len(DETAIL_PREFIX) :].strip().lower().replace(" ", "_")[:MAX_DETAIL_KEY]
            if len(value) > MAX_DETAIL_VALUE:
                raise Invalid(f"{column} longer than {MAX_DETAIL_VALUE} characters")
            if key and (key, value) not in details:
                details.append((key, value))
    name = (row.get("name") or "").strip()[:200] or None
    return NewCustomer(name, claims, tuple(details))


async def import_customer_row(uow: UnitOfWork, row: dict[str, str]) -> bool:
    """Create or enrich one customer through the actions; True when one was created."""
    new = parse_customer(row, uow.settings.default_region)
    owners: set[int] = set()
    for kind, address in new.identities:
        identity = await find_identity(uow.session, kind, address)
        if identity is not None:
            owners.add((await get_customer(uow.session, identity.customer_id)).id)
    if len(owners) > 1:
        raise Invalid(f"identities belong to different customers ({sorted(owners)})")
    kind, address = new.identities[0]
    _, customer, created = await resolve_identity(
        uow, kind, address, verified=True, name=new.name, customer_id=next(iter(owners), None)
    )
    for kind, address in new.identities[1:]:
        await add_identity(uow, customer.id, kind, address, verified=True, actor="import")
    for key, value in new.details:
        await record_detail(uow, customer.id, key, value, Provenance(CHANNEL))
    return created and not owners


def _cents(text: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise Invalid(f"total is not a number: {text[:20]!r}") from exc
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise Invalid(f"total must be a positive amount with at most 2 decimals: {text!r}")
    return int(value * 100)


def _placed_at(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(f"placed_at is not an ISO 8601 date/time: {text[:30]!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _items(text: str) -> tuple[ItemInput, ...]:
    text = (text or "").strip()
    if not text:
        return ()
    try:
        raw = json.loads(text)
        items = tuple(
            ItemInput(
                name=str(item["name"])[:300],
                quantity=int(item.get("quantity", 1)),
                unit_price_cents=_cents(str(item.get("unit_price", "0"))) or 0,
                sku=str(item["sku"])[:64] if item.get("sku") else None,
            )
            for item in raw
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise Invalid(
            'items must be a JSON list of {"name", "quantity", "unit_price", "sku"}'
        ) from exc
    if any(i.quantity < 1 for i in items):
        raise Invalid("item quantities must be at least 1")
    return items


def parse_order(row: dict[str, str]) -> OrderInput:
    """An orders row as ``OrderInput`` (``Invalid`` says what is wrong)."""

    def text(column: str) -> str | None:
        return (row.get(column) or "").strip() or None

    customer_id = text("customer_id")
    if customer_id is not None and not customer_id.isdigit():
        raise Invalid("customer_id must be a number")
    data = OrderInput(
        external_id=text("external_id") or "",
        customer_id=int(customer_id) if customer_id else None,
        email=text("email"),
        phone=text("phone"),
        name=text("name"),
        number=text("number"),
        status=text("status") or "placed",
        source=text("source") or "online",
        store_code=text("store_code"),
        pickup_location=text("pickup_location"),
        currency=text("currency") or "USD",
        total_cents=_cents(row.get("total") or ""),
        placed_at=_placed_at(row.get("placed_at") or ""),
        items=_items(row.get("items") or ""),
    )
    if not data.external_id or len(data.external_id) > MAX_EXTERNAL_ID:
        raise Invalid(f"external_id is required (at most {MAX_EXTERNAL_ID} characters)")
    if data.source not in ORDER_SOURCES:
        raise Invalid(f"source must be one of {', '.join(ORDER_SOURCES)}")
    if data.customer_id is None and not (data.phone or data.email):
        raise Invalid("an order needs customer_id, phone or email", code="no_customer")
    return data


async def import_order_row(uow: UnitOfWork, row: dict[str, str]) -> bool:
    """Create or update one order through ``upsert_order``; True when it was created."""
    _, created = await upsert_order(uow, parse_order(row), channel=CHANNEL)
    return created


async def one_row(
    uow: UnitOfWork, handler: RowHandler, line: int, row: dict[str, str], result: ImportResult
) -> None:
    if None in row:  # more cells than header columns
        result.rejected.append(Rejected(line, "more values than columns"))
        return
    mark = len(uow.events)
    try:
        async with uow.session.begin_nested():
            created = await handler(uow, row)
    except HubError as exc:
        del uow.events[mark:]
        result.rejected.append(Rejected(line, exc.message))
        return
    except IntegrityError as exc:
        del uow.events[mark:]
        result.rejected.append(Rejected(line, f"conflicts with existing data: {exc.orig}"[:300]))
        return
    if created:
        result.created += 1
    else:
        result.updated += 1
