"""The report charts render in Chromium: each SVG draws visible, non-blank pixels and its
labels stay text (a hostile channel name runs no script)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect

from hub.actions.csat import record_csat
from hub.actions.inbound import receive_inbound
from hub.queries.reports import Report
from hub.reports.charts import report_charts
from hub.types import Inbound
from tests.browser.conftest import dialogs_of, sign_in_console
from tests.conftest import LiveServer

EVIL = "<img src=x onerror=alert(1)>"

REPORT = Report(
    since=datetime(2026, 11, 2, tzinfo=UTC),
    until=datetime(2026, 11, 5, tzinfo=UTC),
    conversations=[
        (date(2026, 11, 2), "sms", 3),
        (date(2026, 11, 2), "webchat", 1),
        (date(2026, 11, 3), "phone", 2),
        (date(2026, 11, 4), EVIL, 4),
    ],
    handoffs=[("webchat", "sms", 2), ("sms", "phone", 1), (EVIL, "webchat", 1)],
    csat=[(date(2026, 11, 2), 4.5, 2), (date(2026, 11, 4), 3.0, 1)],
)

# Draw each <svg> into a canvas and count pixels that are not white/transparent.
COUNT_INK = """
async () => {
  const counts = [];
  for (const svg of document.querySelectorAll('svg')) {
    const image = new Image();
    const blob = new Blob([new XMLSerializer().serializeToString(svg)], {type: 'image/svg+xml'});
    image.src = URL.createObjectURL(blob);
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = svg.width.baseVal.value;
    canvas.height = svg.height.baseVal.value;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) ink++;
    }
    counts.push(ink);
  }
  return counts;
}
"""


async def test_charts_render_non_empty(page: Page) -> None:
    charts = report_charts(REPORT)
    html = "".join(f'<figure id="{name}">{svg}</figure>' for name, svg in charts.items())
    await page.set_content(f"<!doctype html><html><body>{html}</body></html>")
    ink = await page.evaluate(COUNT_INK)
    assert len(ink) == 3 and all(count > 500 for count in ink), ink
    for name in charts:
        shot = await page.locator(f"#{name} svg").screenshot()
        assert len(shot) > 2000
        box = await page.locator(f"#{name} svg").bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    assert await page.locator("img").count() == 0
    assert EVIL in (await page.locator("#handoffs svg").text_content() or "")
    assert dialogs_of(page) == []


# Count the non-white pixels of a PNG (a screenshot), drawn on a blank page's canvas.
PNG_INK = """
async (b64) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + b64;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) ink++;
  }
  return ink;
}
"""


async def test_reports_page_renders_the_charts(
    console_server: LiveServer, page: Page, chromium: BrowserContext, tmp_path: Path
) -> None:
    """The console's /reports page in Chromium: three inline SVG charts with visible
    marks in their screenshots, the percentile tables, a CSV link; a hostile channel
    name stays text."""
    now = datetime.now(UTC)
    async with console_server.hub.uow() as uow:
        first = await receive_inbound(
            uow,
            Inbound(channel="webchat", kind="visitor", address="v-1", body="hi", provider_id="c1"),
        )
        await receive_inbound(
            uow,
            Inbound(
                channel="sms",
                kind="phone",
                address="+15551230000",
                body="texting",
                provider_id="S1",
                customer_id=first.customer.id,
                occurred_at=now + timedelta(seconds=5),
            ),
        )
        await receive_inbound(
            uow,
            Inbound(channel=EVIL[:16], kind="visitor", address="v-2", body="x", provider_id="e1"),
        )
        await record_csat(uow, first.customer.id, 4, "webchat", provider_id="r1")
    await sign_in_console(page, console_server)
    await page.goto(f"{console_server.url}/reports")
    await expect(page.locator("h1")).to_have_text("Reports")
    charts = page.locator("figure.chart svg")
    await expect(charts).to_have_count(3)
    await expect(page.locator("a[href^='/reports.csv?']")).to_be_visible()
    await expect(page.locator(".report-table caption").first).to_be_visible()
    blank = await chromium.new_page()
    for index in range(3):
        svg = charts.nth(index)
        box = await svg.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
        shot = base64.b64encode(await svg.screenshot()).decode()
        ink = await blank.evaluate(PNG_INK, shot)
        assert ink > 500, (index, ink)
    assert await page.locator("figure.chart img").count() == 0
    assert EVIL[:16] in (await page.locator("#chart-conversations svg").text_content() or "")
    full = tmp_path / "reports.png"
    await page.screenshot(path=str(full), full_page=True)
    assert full.stat().st_size > 10_000
    assert dialogs_of(page) == []
