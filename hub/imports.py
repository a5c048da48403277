"""Importing customers and orders from CSV files (``hub import``; columns in docs/import.md).

Rows go through the same actions as live traffic (``resolve_identity``,
``add_identity``, ``record_detail``, ``upsert_order``), ``batch_size`` rows per
transaction for speed. Each row runs in a savepoint: a bad row is rolled back alone
and reported with its line number and reason, never stopping the import. A dry run
does all the work and rolls every batch back, so it reports exactly what a real run
would reject and changes nothing (rows of one batch do see earlier rows of the same
batch, not those of earlier batches).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from sqlalchemy.exc import IntegrityError

from hub.actions.customers import (
    add_identity,
    find_identity,
    get_customer,
    normalize_or_invalid,
    record_detail,
    resolve_identity,
)
from hub.actions.orders import ItemInput, OrderInput, upsert_order
from hub.core import Hub, UnitOfWork
from hub.errors import HubError, Invalid
from hub.models.customer import EMAIL, LOYALTY, PHONE

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


class _Rollback(Exception):
    """Raised inside a dry run's unit of work so nothing is committed."""


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


async def import_customer_row(uow: UnitOfWork, row: dict[str, str]) -> bool:
    """Create or enrich one customer; returns True when a new customer was created."""
    region = uow.settings.default_region
    claims = [
        (kind, normalize_or_invalid(kind, row[column], region))
        for column, kind in IDENTITY_COLUMNS
        if (row.get(column) or "").strip()
    ]
    if not claims:
        raise Invalid("no email, phone or loyalty_id")
    name = (row.get("name") or "").strip() or None
    owners: set[int] = set()
    for kind, address in claims:
        identity = await find_identity(uow.session, kind, address)
        if identity is not None:
            owners.add((await get_customer(uow.session, identity.customer_id)).id)
    if len(owners) > 1:
        raise Invalid(f"identities belong to different customers ({sorted(owners)})")
    kind, address = claims[0]
    _, customer, created = await resolve_identity(
        uow, kind, address, verified=True, name=name, customer_id=next(iter(owners), None)
    )
    for kind, address in claims[1:]:
        await add_identity(uow, customer.id, kind, address, verified=True, actor="import")
    for column, value in row.items():
        if column.startswith(DETAIL_PREFIX) and (value or "").strip():
            key = column[len(DETAIL_PREFIX) :]
            await record_detail(uow, customer.id, key, value, channel=CHANNEL)
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


async def import_order_row(uow: UnitOfWork, row: dict[str, str]) -> bool:
    """Create or update one order; returns True when it was created."""

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
    _, created = await upsert_order(uow, data, channel=CHANNEL)
    return created


def _batches(reader: csv.DictReader[str], size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        batch.append((reader.line_num, row))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def import_csv(
    hub: Hub,
    stream: TextIO,
    *,
    kind: str | None = None,
    dry_run: bool = False,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import every row of ``stream`` (a CSV with a header line).

    ``kind`` is ``customers`` or ``orders`` (guessed from the header when None).
    ``progress`` is called with the number of rows done after each batch. A bad
    header raises ``Invalid``; bad rows are returned in ``result.rejected``.
    """
    started = time.perf_counter()
    reader = csv.DictReader(stream)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise Invalid("the file is empty (a header line is required)")
    reader.fieldnames = header
    kind = kind or detect_kind(header)
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}")
    check_header(kind, header)
    handler: RowHandler = import_customer_row if kind == CUSTOMERS else import_order_row
    result = ImportResult(kind=kind, dry_run=dry_run)
    for batch in _batches(reader, batch_size):
        try:
            async with hub.uow() as uow:
                for line, row in batch:
                    await _one_row(uow, handler, line, row, result)
                if dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        result.rows += len(batch)
        if progress is not None:
            progress(result.rows)
    result.seconds = time.perf_counter() - started
    return result


async def _one_row(
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


__all__ = ["ImportResult", "Rejected", "import_csv"]
