"""``hub simulate twilio`` (run the loopback Twilio) and ``hub simulate sms`` (text the
hub as a customer would, through a signed webhook)."""

from __future__ import annotations

import argparse
import sys

import httpx

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from hub.settings import Settings
from simulators.twilio.core import new_sid


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    twilio = subparsers.add_parser(
        "twilio", help="run a loopback Twilio REST API (set TWILIO_API_BASE to its URL)"
    )
    twilio.add_argument("--host", default="127.0.0.1")
    twilio.add_argument("--port", type=int, default=8099)
    twilio.set_defaults(func=cmd_twilio)

    sms = subparsers.add_parser(
        "sms", help="send a signed incoming-SMS webhook to the hub at HUB_PUBLIC_URL"
    )
    sms.add_argument("body", help="the message text")
    sms.add_argument("--from", dest="sender", required=True, help="customer number, E.164")
    sms.add_argument("--to", help="the hub's number (default TWILIO_SMS_NUMBER)")
    sms.add_argument("--media", action="append", default=[], help="a media URL (repeatable)")
    sms.add_argument("--sid", help="MessageSid to use (repeat one to test replays)")
    sms.set_defaults(func=cmd_sms)


def cmd_twilio(args: argparse.Namespace) -> int:
    import uvicorn

    from simulators.twilio.app import create_simulator_app

    settings = Settings.from_env()
    sid = settings.twilio_account_sid or "AC" + "0" * 32
    token = settings.twilio_auth_token or "simulator-auth-token"
    print(
        f"loopback Twilio for development and tests on http://{args.host}:{args.port}\n"
        f"  account {sid}; set TWILIO_API_BASE=http://{args.host}:{args.port} on the hub"
    )
    if not settings.twilio_auth_token:
        print(f"  TWILIO_AUTH_TOKEN unset: using {token!r} (set the same on the hub)")
    uvicorn.run(create_simulator_app(sid, token), host=args.host, port=args.port)
    return 0


def sms_webhook_params(
    settings: Settings, sender: str, body: str, *, to: str, media: list[str], sid: str
) -> dict[str, str]:
    """The form Twilio posts to a number's messaging webhook for an incoming SMS/MMS."""
    params = {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": settings.twilio_account_sid or "",
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    for i, url in enumerate(media):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = "image/jpeg"
    return params


def cmd_sms(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not settings.twilio_auth_token:
        print("hub: set TWILIO_AUTH_TOKEN to the hub's token to sign the webhook", file=sys.stderr)
        return 2
    to = args.to or settings.twilio_sms_number or "+15550001111"
    params = sms_webhook_params(
        settings, args.sender, args.body, to=to, media=args.media, sid=args.sid or new_sid("SM")
    )
    url = settings.public_url.rstrip("/") + "/twilio/sms"
    headers = {SIGNATURE_HEADER: sign(settings, url, params)}
    try:
        response = httpx.post(url, data=params, headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        print(f"hub: cannot reach {url}: {exc}", file=sys.stderr)
        return 1
    print(f"{response.status_code} {params['MessageSid']} {response.text.strip()}")
    return 0 if response.is_success else 1
