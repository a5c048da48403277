#!/usr/bin/env bash
# `make run`: the hub with demo data and the loopback Twilio simulator, on one machine,
# with nothing else installed. Demo-only Twilio credentials are used unless you set
# your own (then the simulator is not started and the real Twilio is used).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export HUB_PUBLIC_URL="${HUB_PUBLIC_URL:-http://127.0.0.1:${PORT}}"
# The demo shop's order numbers (W-12345): found in what customers write even before
# the order reaches the hub.
export HUB_ORDER_NUMBER_PATTERN="${HUB_ORDER_NUMBER_PATTERN:-W-[0-9]{5}}"

if [ -z "${TWILIO_AUTH_TOKEN:-}" ]; then
  SIM_PORT="${SIM_PORT:-8099}"
  export TWILIO_ACCOUNT_SID="AC000000000000000000000000000000de"
  export TWILIO_AUTH_TOKEN="demo-auth-token-not-secret"
  export TWILIO_API_BASE="http://127.0.0.1:${SIM_PORT}"
  export TWILIO_SMS_NUMBER="${TWILIO_SMS_NUMBER:-+15005550006}"
  export TWILIO_VOICE_NUMBER="${TWILIO_VOICE_NUMBER:-+15005550007}"
  export TWILIO_WHATSAPP_NUMBER="${TWILIO_WHATSAPP_NUMBER:-+15005550008}"
  "$BIN/hub" simulate twilio --port "$SIM_PORT" &
  SIM_PID=$!
  trap 'kill "$SIM_PID" 2>/dev/null || true' EXIT
  echo "Twilio simulator (development only) on $TWILIO_API_BASE"
fi

if [ -z "${SHOPIFY_ACCESS_TOKEN:-}" ]; then
  # The loopback Shopify (demo products in stock at the three demo stores), with
  # demo-only credentials; set your own SHOPIFY_* to use a real shop instead.
  SHOP_PORT="${SHOP_PORT:-8098}"
  export SHOPIFY_SHOP="demo-shop.myshopify.com"
  export SHOPIFY_ACCESS_TOKEN="shpat_demo_token_not_secret"
  export SHOPIFY_API_SECRET="demo-shopify-secret-not-secret"
  export SHOPIFY_API_BASE="http://127.0.0.1:${SHOP_PORT}"
  "$BIN/python" -m simulators.shopify --port "$SHOP_PORT" --hub "$HUB_PUBLIC_URL" &
  SHOP_PID=$!
  trap 'kill "${SIM_PID:-}" "$SHOP_PID" 2>/dev/null || true' EXIT
  echo "Shopify simulator (development only) on $SHOPIFY_API_BASE"
fi

if [ -z "${HUB_SMTP_URL:-}" ]; then
  # Email without a mail account: the hub receives on HUB_SMTP_LISTEN and sends to the
  # loopback mail catcher, whose page lists what it sent. Set HUB_SMTP_URL for real mail.
  MAIL_PORT="${MAIL_PORT:-8097}"
  export HUB_SMTP_LISTEN="${HUB_SMTP_LISTEN:-127.0.0.1:2525}"
  export HUB_SMTP_URL="smtp://127.0.0.1:2526"
  export HUB_EMAIL_ADDRESS="${HUB_EMAIL_ADDRESS:-support@demo-shop.example}"
  "$BIN/python" -m simulators.mail --smtp-port 2526 --port "$MAIL_PORT" &
  MAIL_PID=$!
  trap 'kill "${SIM_PID:-}" "${SHOP_PID:-}" "$MAIL_PID" 2>/dev/null || true' EXIT
  echo "Mail catcher (development only): what the hub sends is at http://127.0.0.1:${MAIL_PORT}"
fi

"$BIN/hub" migrate
"$BIN/hub" demo --if-empty
if [ -n "${SHOP_PID:-}" ]; then
  # Wait for the Shopify simulator, then read its orders (the showcase's pickup order).
  "$BIN/python" -c 'import sys, time, httpx
for _ in range(100):
    try:
        httpx.get(sys.argv[1] + "/_sim/state", timeout=1)
        break
    except httpx.HTTPError:
        time.sleep(0.1)' "$SHOPIFY_API_BASE"
  "$BIN/hub" commerce sync --since 30d || echo "  (Shopify simulator not reachable; orders not synced)"
fi
echo
echo "  Omnihub is starting at $HUB_PUBLIC_URL"
echo "  Demo login (demo only): admin@example.com / demo-password"
if [ -n "${SIM_PID:-}" ]; then
  # Demo credentials only: a real auth token is never printed.
  SIM_ENV="HUB_PUBLIC_URL=$HUB_PUBLIC_URL TWILIO_AUTH_TOKEN=$TWILIO_AUTH_TOKEN"
  echo "  Text the hub (from another terminal):"
  echo "    $SIM_ENV $BIN/hub simulate sms --from +15551230000 \"Where is my order?\""
  echo "  Call the hub:"
  echo "    $SIM_ENV $BIN/hub simulate call --from +15551230000"
  echo "  Fill the phone queue (the inbox's wallboard) and book a callback:"
  echo "    $SIM_ENV $BIN/hub simulate call --from +15551230000 --talk 120 &"
  echo "    $SIM_ENV $BIN/hub simulate call --from +15551230001 --wait 60 --callback"
  # WhatsApp goes through the simulator (it keeps the customer's 24-hour window).
  echo "  Write to the hub on WhatsApp:"
  echo "    $SIM_ENV TWILIO_ACCOUNT_SID=$TWILIO_ACCOUNT_SID TWILIO_API_BASE=$TWILIO_API_BASE $BIN/hub simulate whatsapp --from +15551230000 \"Is my order ready?\""
fi
if [ -n "${MAIL_PID:-}" ]; then
  echo "  Email the hub:"
  echo "    HUB_SMTP_LISTEN=$HUB_SMTP_LISTEN $BIN/hub simulate email --from ann@example.com --subject \"Order 1001\" \"Where is my order?\""
fi
if [ -n "${SHOP_PID:-}" ]; then
  echo "  Tell Maria her order is ready for pickup (the Shopify simulator sends the webhooks):"
  echo "    curl -X POST $SHOPIFY_API_BASE/_sim/orders/5000001/ready"
fi
echo
"$BIN/hub" serve --port "$PORT"
