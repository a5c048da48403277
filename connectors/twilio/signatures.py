"""Verifying Twilio webhooks with the ``twilio`` package's ``RequestValidator``.

Twilio signs ``HUB_PUBLIC_URL + path (+ query)`` plus the sorted form parameters
with the account's auth token. Behind a proxy the hub cannot trust the Host header,
so the URL is always rebuilt from ``HUB_PUBLIC_URL``.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlparse

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from twilio.request_validator import RequestValidator, add_port, compare, remove_port

from hub.settings import Settings

SIGNATURE_HEADER = "x-twilio-signature"
MAX_FORM_FIELDS = 200
URLENCODED = "application/x-www-form-urlencoded"


def public_url_for(request: Request, settings: Settings) -> str:
    """The URL Twilio signed: the configured public URL plus the path and query."""
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


async def verified_form(request: Request, settings: Settings) -> FormData:
    """The webhook's form parameters, or 403 if the signature does not verify.

    Refuses everything (403) while no auth token is configured: an unconfigured hub
    must not accept forged provider input.
    """
    if not settings.twilio_auth_token:
        raise HTTPException(403, "Twilio webhooks are disabled: TWILIO_AUTH_TOKEN is not set")
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise HTTPException(403, "missing X-Twilio-Signature")
    try:
        form = await _read_form(request)
    except Exception as exc:
        raise HTTPException(400, "malformed form body") from exc
    params = _Params((key, str(value)) for key, value in form.multi_items())
    validator = _validator(settings.twilio_auth_token)
    if not _verifies(validator, public_url_for(request, settings), params, signature):
        raise HTTPException(403, "X-Twilio-Signature does not verify")
    return form


def _verifies(validator: RequestValidator, url: str, params: _Params, signature: str) -> bool:
    """``RequestValidator.validate`` for form parameters: the signature of the URL without
    its default port or with it (Twilio signs either), in constant-time comparisons, but
    stopping at the first that matches (``validate`` always computes both HMACs)."""
    parsed = urlparse(url)
    return any(
        compare(validator.compute_signature(candidate, params), signature)
        for candidate in (remove_port(parsed), add_port(parsed))
    )


async def _read_form(request: Request) -> FormData:
    """The request's form. Twilio posts ``application/x-www-form-urlencoded`` ASCII
    (everything else percent-encoded as UTF-8), parsed here with ``parse_qsl``: several
    times cheaper than Starlette's streaming parser, same result. Anything else (other
    content types, raw non-ASCII bytes, escapes that are not UTF-8) goes through
    Starlette's parser."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() == URLENCODED:
        body = await request.body()
        try:
            pairs = parse_qsl(
                body.decode("ascii"),
                keep_blank_values=True,
                max_num_fields=MAX_FORM_FIELDS,
                encoding="utf-8",
                errors="strict",
            )
        except UnicodeDecodeError:
            pass
        else:
            fields: list[tuple[str, str | UploadFile]] = [*pairs]
            return FormData(fields)
    return await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)


class _Params(dict[str, str]):
    """The signed parameters, one value per name (the last), as before. ``getall`` is
    what ``RequestValidator`` looks for first: a plain dict makes it raise and catch
    two ``AttributeError`` per parameter on every webhook."""

    def getall(self, name: str) -> list[str]:
        return [self[name]]


@lru_cache(maxsize=8)
def _validator(token: str) -> RequestValidator:
    """One validator per auth token (it only holds the token; built once, not per request)."""
    return RequestValidator(token)


def sign(settings_or_token: Settings | str, url: str, params: dict[str, str]) -> str:
    """The signature Twilio would send for ``url`` and ``params`` (simulator, tests, CLI)."""
    token = (
        settings_or_token
        if isinstance(settings_or_token, str)
        else settings_or_token.twilio_auth_token or ""
    )
    return str(RequestValidator(token).compute_signature(url, params))
