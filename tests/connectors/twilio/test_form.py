"""The webhook form parser gives what Starlette's parser gives, on every body."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from starlette.requests import Request

from connectors.twilio.signatures import _read_form

URLENCODED = "application/x-www-form-urlencoded"


def request(body: bytes, content_type: str = URLENCODED) -> Request:
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/twilio/sms",
        "query_string": b"",
        "headers": [(b"content-type", content_type.encode())],
    }
    return Request(scope, receive)


BODIES = [
    urlencode({"From": "+15551234567", "Body": "Hi, is my order ready? ✓ é 🙂", "NumMedia": "0"}),
    "Body=a+b%2Bc&Body=second&Empty=&From=%2B15551234567",
    "Body=%FF%FE&From=x",  # escapes that are not UTF-8
    "Body=caf\u00e9&From=x",  # a raw non-ASCII byte
    "flag&x=1&&y",
]


@pytest.mark.parametrize("body", BODIES)
async def test_same_fields_as_starlette(body: str) -> None:
    raw = body.encode("utf-8")
    ours = await _read_form(request(raw))
    theirs = await request(raw).form()
    assert list(ours.multi_items()) == list(theirs.multi_items())


async def test_other_content_types_use_starlette() -> None:
    form = await _read_form(request(b"Body=x", content_type="text/plain"))
    assert list(form.multi_items()) == []


async def test_too_many_fields_is_refused() -> None:
    with pytest.raises(ValueError):
        await _read_form(request("&".join(f"k{i}=v" for i in range(500)).encode()))
