"""The report charts render in Chromium: each SVG draws visible, non-blank pixels and its
labels stay text (a hostile channel name runs no script)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from playwright.async_api import Page

from hub.charts import report_charts
from hub.reports import Report
from tests.browser.conftest import dialogs_of

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
