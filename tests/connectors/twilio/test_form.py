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


@pytest.mark.parametrize(
    ("signed_url", "checked_url"),
    [
        ("https://hub.example/twilio/sms", "https://hub.example/twilio/sms"),
        ("https://hub.example:443/twilio/sms", "https://hub.example/twilio/sms"),
        ("https://hub.example/twilio/sms", "https://hub.example:443/twilio/sms"),
        ("https://hub.example/twilio/sms?m=5", "https://hub.example/twilio/sms?m=5"),
    ],
)
def test_signatures_verify_as_twilios_validator_says(signed_url: str, checked_url: str) -> None:
    """The webhook check accepts exactly what ``RequestValidator.validate`` accepts (the
    URL with or without its default port), stopping at the first form that matches."""
    from twilio.request_validator import RequestValidator

    from connectors.twilio.signatures import _Params, _verifies

    validator = RequestValidator("token-0123456789")
    params = _Params({"From": "+15551234567", "Body": "hi", "MessageSid": "SM1"})
    good = validator.compute_signature(signed_url, params)
    assert _verifies(validator, checked_url, params, good)
    assert validator.validate(checked_url, params, good)
    forged = RequestValidator("another-token").compute_signature(signed_url, params)
    assert not _verifies(validator, checked_url, params, forged)
    assert not _verifies(validator, checked_url, _Params({**params, "Body": "bye"}), good)
