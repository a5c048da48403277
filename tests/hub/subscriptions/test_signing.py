"""The signature format documented in docs/webhooks.md."""

from __future__ import annotations

import hashlib
import hmac

from hub.subscriptions.signing import new_secret, sign, verify


def test_signature_matches_the_documented_recipe() -> None:
    secret, body, ts = "whsec_test", b'{"type":"message.created"}', 1_700_000_000
    expected = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    assert sign(secret, ts, body) == f"sha256={expected}"
    assert verify(secret, str(ts), body, sign(secret, ts, body), now=ts + 10)


def test_tampering_and_stale_timestamps_are_rejected() -> None:
    secret, body, ts = new_secret(), b"{}", 1_700_000_000
    signature = sign(secret, ts, body)
    assert not verify(secret, str(ts), b'{"x":1}', signature, now=ts)
    assert not verify(secret, str(ts + 1), body, signature, now=ts)
    assert not verify(secret, str(ts), body, signature, now=ts + 301)
    assert not verify(secret, "abc", body, signature, now=ts)
    assert new_secret() != new_secret()
