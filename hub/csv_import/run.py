"""Running a CSV import: batches, one transaction each, rows in savepoints.

Rows are read in batches of ``batch_size``, one transaction per batch. In each batch
a few lookups find which rows touch nothing that exists yet (new customers, new
orders of known customers); those are written together by the bulk actions of
``hub.actions.imports``. Every other row — updates, rows sharing an identity with an
earlier row, conflicts — goes through the regular actions one by one
(``hub.csv_import.rows``). Each row runs in a savepoint: a bad row is rolled back alone
and reported with its line number and reason, never stopping the import. A dry run
does all the work and rolls every batch back, so it reports exactly what a real run
would reject and changes nothing (rows of one batch see the earlier rows of the same
batch, not those of earlier batches).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TextIO, TypeVar

from sqlalchemy.exc import IntegrityError

from hub.actions.customers import normalize_or_invalid
from hub.actions.imports import (
    NewCustomer,
    NewOrder,
    create_customers_bulk,
    create_orders_bulk,
    name_customers,
    verify_identities,
)
from hub.actions.orders import OrderInput
from hub.core import Hub, UnitOfWork
from hub.csv_import.rows import (
    CHANNEL,
    CUSTOMERS,
    KINDS,
    ImportResult,
    Rejected,
    RowHandler,
    check_header,
    detect_kind,
    import_customer_row,
    import_order_row,
    one_row,
    parse_customer,
    parse_order,
)
from hub.db import refresh_statistics
from hub.errors import HubError, Invalid
from hub.models.customer import EMAIL, PHONE
from hub.queries.imports import identity_owners, known_orders, thread_ids

Line = tuple[int, dict[str, str]]
New = TypeVar("New", NewCustomer, NewOrder)
BatchRunner = Callable[[UnitOfWork, list[Line], ImportResult], Awaitable[None]]


class _Rollback(Exception):
    """Raised inside a dry run's unit of work so nothing is committed."""


# The tables an import writes, analysed (PostgreSQL) after 5,000 rows, then each time
# the import has doubled: a few cheap ANALYZEs, however long the file.
IMPORTED_TABLES = ("customers", "identities", "details", "threads", "orders", "order_items")
FIRST_ANALYZE = 5_000


def _batches(reader: csv.DictReader[str], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
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
    stream = _checked(stream)
    reader = csv.DictReader(stream)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise Invalid("the file is empty (a header line is required)")
    reader.fieldnames = header
    kind = kind or detect_kind(header)
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}")
    check_header(kind, header)
    run_batch: BatchRunner = customers_batch if kind == CUSTOMERS else orders_batch
    result = ImportResult(kind=kind, dry_run=dry_run)
    analyze_at = FIRST_ANALYZE
    for batch in _batches(reader, batch_size):
        try:
            async with hub.uow() as uow:
                await run_batch(uow, batch, result)
                if dry_run:
                    raise _Rollback
                if result.rows + len(batch) >= analyze_at:
                    # The batches' look-ups need the planner to know the tables grew.
                    await refresh_statistics(uow.session, IMPORTED_TABLES)
                    analyze_at *= 2
        except _Rollback:
            pass
        result.rows += len(batch)
        if progress is not None:
            progress(result.rows)
    result.rejected.sort(key=lambda r: r.line)
    result.seconds = time.perf_counter() - started
    return result


def _checked(stream: TextIO) -> TextIO:
    """``stream`` rewound after one parse of the whole file, so a field over the csv
    module's limit (or a malformed quote) fails the import before any batch is
    committed, with the line it is on. A stream that cannot seek is read into memory."""
    if not stream.seekable():
        stream = io.StringIO(stream.read())
    start = stream.tell()
    reader = csv.reader(stream)
    try:
        for _ in reader:
            pass
    except csv.Error as exc:
        limit = csv.field_size_limit()
        reason = (
            f"a field is longer than {limit} characters"
            if "field larger than field limit" in str(exc)
            else str(exc)
        )
        raise Invalid(f"line {reader.line_num}: {reason}; nothing was imported") from exc
    stream.seek(start)
    return stream


def _well_formed(batch: list[Line], result: ImportResult) -> list[Line]:
    good = []
    for line, row in batch:
        if None in row:  # more cells than header columns
            result.rejected.append(Rejected(line, "more values than columns"))
        else:
            good.append((line, row))
    return good


async def customers_batch(uow: UnitOfWork, batch: list[Line], result: ImportResult) -> None:
    region = uow.settings.default_region
    parsed: list[tuple[int, dict[str, str], NewCustomer]] = []
    for line, row in _well_formed(batch, result):
        try:
            parsed.append((line, row, parse_customer(row, region)))
        except HubError as exc:
            result.rejected.append(Rejected(line, exc.message))
    keys = {key for _, _, new in parsed for key in new.identities}
    existing = set(await identity_owners(uow.session, keys))
    fast: list[tuple[int, dict[str, str], NewCustomer]] = []
    slow: list[Line] = []
    seen: set[tuple[str, str]] = set()
    for line, row, new in parsed:
        mine = set(new.identities)
        if mine & existing or mine & seen:
            slow.append((line, row))
        else:
            fast.append((line, row, new))
        seen |= mine

    async def write(news: list[NewCustomer]) -> None:
        await create_customers_bulk(uow, news, channel=CHANNEL)

    await _bulk_then_rows(uow, fast, write, slow, import_customer_row, result)


def _order_key(data: OrderInput, region: str) -> tuple[str, str] | None:
    """The identity ``upsert_order`` would find the customer by (phone before email)."""
    if data.customer_id is not None:
        return None
    kind, raw = (PHONE, data.phone) if data.phone else (EMAIL, data.email)
    return kind, normalize_or_invalid(kind, raw or "", region)


async def orders_batch(uow: UnitOfWork, batch: list[Line], result: ImportResult) -> None:
    session = uow.session
    region = uow.settings.default_region
    parsed: list[tuple[int, dict[str, str], OrderInput, tuple[str, str] | None]] = []
    for line, row in _well_formed(batch, result):
        try:
            data = parse_order(row)
            parsed.append((line, row, data, _order_key(data, region)))
        except HubError as exc:
            result.rejected.append(Rejected(line, exc.message))
    known = await known_orders(session, [data.external_id for _, _, data, _ in parsed])
    owners = await identity_owners(session, {key for *_, key in parsed if key is not None})
    threads = await thread_ids(session, set(owners.values()))
    fast: list[tuple[int, dict[str, str], NewOrder]] = []
    slow: list[Line] = []
    seen: set[str] = set()
    for line, row, data, key in parsed:
        customer_id = owners.get(key) if key is not None else None
        if (
            customer_id is None
            or customer_id not in threads
            or data.external_id in known
            or data.external_id in seen
        ):
            slow.append((line, row))
        else:
            total = data.total_cents
            if total is None:
                total = sum(i.quantity * i.unit_price_cents for i in data.items)
            new = NewOrder(data, customer_id, threads[customer_id], total)
            fast.append((line, row, new))
        seen.add(data.external_id)

    async def write(news: list[NewOrder]) -> None:
        names = {new.customer_id: new.data.name for new in news}
        await name_customers(uow, {k: v for k, v in names.items() if v})
        await verify_identities(uow, {key for *_, key in parsed if key in owners})
        await create_orders_bulk(uow, news, channel=CHANNEL)

    await _bulk_then_rows(uow, fast, write, slow, import_order_row, result)


async def _bulk_then_rows(
    uow: UnitOfWork,
    fast: list[tuple[int, dict[str, str], New]],
    write: Callable[[list[New]], Awaitable[None]],
    slow: list[Line],
    handler: RowHandler,
    result: ImportResult,
) -> None:
    """``write`` the ``fast`` rows together in one savepoint, then the ``slow`` ones one
    by one with ``handler``; if someone else wrote meanwhile (a unique key clashes), the
    fast rows go one by one too, in file order."""
    if fast:
        try:
            async with uow.session.begin_nested():
                await write([new for _, _, new in fast])
            result.created += len(fast)
        except IntegrityError:
            slow = sorted(slow + [(line, row) for line, row, _ in fast], key=lambda x: x[0])
    for line, row in slow:
        await one_row(uow, handler, line, row, result)


__all__ = ["KINDS", "ImportResult", "Rejected", "import_csv"]
