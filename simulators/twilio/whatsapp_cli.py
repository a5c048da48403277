"""``hub simulate whatsapp``: write to the hub as a WhatsApp user would.

With ``TWILIO_API_BASE`` pointing at the loopback Twilio (``hub simulate twilio``,
``make run``), the message goes through it, as a real one goes through Twilio: the
simulator opens the user's 24-hour window and posts the signed webhook to the hub.
Otherwise it is posted to the hub directly, signed with ``TWILIO_AUTH_TOKEN``.
"""

from __future__ import annotations

import argparse
import sys

import httpx

from connectors.twilio.signatures import SIGNATURE_HEADER, sign
from connectors.whatsapp.settings import WhatsappSettings
from hub.settings import Settings
from simulators.twilio.core import new_sid
from simulators.twilio.whatsapp import INBOUND_PATH, inbound_params

TWILIO = "https://api.twilio.com"
WEBHOOK_PATH = "/twilio/whatsapp"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    wa = subparsers.add_parser(
        "whatsapp", help="send the hub a signed incoming WhatsApp message (HUB_PUBLIC_URL)"
    )
    wa.add_argument("body", nargs="?", default="", help="the message text")
    wa.add_argument("--from", dest="sender", required=True, help="customer number, E.164")
    wa.add_argument("--to", help="the hub's WhatsApp number (default TWILIO_WHATSAPP_NUMBER)")
    wa.add_argument("--media", action="append", default=[], help="a media URL (repeatable)")
    wa.add_argument("--sid", help="MessageSid to use (repeat one to test replays)")
    wa.add_argument("--latitude", type=float, help="share a location (with --longitude)")
    wa.add_argument("--longitude", type=float)
    wa.add_argument("--address", help="the shared location's address")
    wa.add_argument("--label", help="the shared location's name")
    wa.add_argument("--button", help="tap a quick-reply button with this text")
    wa.set_defaults(func=cmd_whatsapp)


def cmd_whatsapp(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not settings.twilio_auth_token:
        print("hub: set TWILIO_AUTH_TOKEN to the hub's token to sign the webhook", file=sys.stderr)
        return 2
    if (args.latitude is None) != (args.longitude is None):
        print("hub: give both --latitude and --longitude", file=sys.stderr)
        return 2
    if not (args.body or args.media or args.latitude is not None or args.button):
        print("hub: give a message text, --media, a location or --button", file=sys.stderr)
        return 2
    to = args.to or WhatsappSettings.from_settings(settings).number or "+15550003333"
    webhook = settings.public_url.rstrip("/") + WEBHOOK_PATH
    location = (args.latitude, args.longitude) if args.latitude is not None else None
    sid = args.sid or new_sid("SM")
    try:
        if settings.twilio_api_base.rstrip("/") != TWILIO:
            return _through_simulator(settings, args, to, webhook, sid)
        params = inbound_params(
            settings.twilio_account_sid or "",
            args.sender,
            to,
            args.body,
            sid=sid,
            media=args.media,
            location=location,
            address=args.address,
            label=args.label,
            button=args.button,
        )
        headers = {SIGNATURE_HEADER: sign(settings, webhook, params)}
        response = httpx.post(webhook, data=params, headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        print(f"hub: cannot reach {exc.request.url}: {exc}", file=sys.stderr)
        return 1
    print(f"{response.status_code} {sid} {response.text.strip()}")
    return 0 if response.is_success else 1


def _through_simulator(
    settings: Settings, args: argparse.Namespace, to: str, webhook: str, sid: str
) -> int:
    form: dict[str, str | list[str]] = {
        "Url": webhook,
        "From": args.sender,
        "To": to,
        "Body": args.body,
        "MessageSid": sid,
        "MediaUrl": list(args.media),
    }
    if args.latitude is not None:
        form.update(Latitude=str(args.latitude), Longitude=str(args.longitude))
    for name, value in (
        ("Address", args.address),
        ("Label", args.label),
        ("ButtonText", args.button),
    ):
        if value:
            form[name] = value
    response = httpx.post(
        settings.twilio_api_base.rstrip("/") + INBOUND_PATH,
        data=form,
        auth=(settings.twilio_account_sid or "", settings.twilio_auth_token or ""),
        timeout=15.0,
    )
    if not response.is_success:
        print(
            f"hub: the simulator refused: {response.status_code} {response.text}", file=sys.stderr
        )
        return 1
    status = response.json().get("status")
    print(f"{status} {sid} (through the simulator at {settings.twilio_api_base})")
    return 0 if isinstance(status, int) and 200 <= status < 300 else 1
