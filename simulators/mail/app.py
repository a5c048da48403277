"""The mail catcher's page: what the hub sent, newest first (development only).

``GET /`` lists each message (from, to, subject, threading headers, text part);
``GET /messages.json`` gives the same as JSON for scripts. Everything shown is
escaped: the catcher displays text, never the HTML part.
"""

from __future__ import annotations

import html
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from simulators.mail.sink import CaughtMail, MailSink

HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References")
STYLE = (
    "body{font:14px system-ui,sans-serif;margin:2rem;max-width:60rem}"
    "article{border:1px solid #ccc;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}"
    "dl{display:grid;grid-template-columns:8rem 1fr;margin:0}dt{color:#666}dd{margin:0}"
    "pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}"
)


def describe(caught: CaughtMail) -> dict[str, Any]:
    message = caught.message
    body = message.get_body(preferencelist=("plain", "html"))
    return {
        "mail_from": caught.mail_from,
        "rcpt_tos": list(caught.rcpt_tos),
        "received_at": caught.received_at.isoformat(),
        "headers": {name: str(message[name]) for name in HEADERS if message[name] is not None},
        "text": body.get_content() if body is not None else "",
        "size": len(caught.raw),
    }


def create_catcher_app(sink: MailSink) -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        items = [describe(m) for m in reversed(sink.messages)]
        articles = []
        for item in items:
            rows = "".join(
                f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
                for k, v in item["headers"].items()
            )
            articles.append(
                f"<article><dl>{rows}</dl><pre>{html.escape(item['text'])}</pre></article>"
            )
        host, port = sink.address
        body = (
            f"<!doctype html><meta charset=utf-8><title>Mail catcher</title><style>{STYLE}</style>"
            f"<h1>Mail the hub sent</h1><p>SMTP sink on {html.escape(host)}:{port} "
            f"(development only) — {len(items)} message(s). Reload to refresh.</p>"
            + ("".join(articles) or "<p>Nothing yet: reply to an email customer.</p>")
        )
        return HTMLResponse(body)

    async def messages(request: Request) -> JSONResponse:
        return JSONResponse({"items": [describe(m) for m in reversed(sink.messages)]})

    return Starlette(
        routes=[Route("/", page), Route("/messages.json", messages)],
    )
