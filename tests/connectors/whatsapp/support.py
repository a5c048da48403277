"""Helpers for WhatsApp tests: approved templates as the Content API lists them."""

from __future__ import annotations

from typing import Any

ORDER_READY = "HX0123456789abcdef0123456789abcdef"
DRAFT = "HXfedcba9876543210fedcba9876543210"


def content_items() -> list[dict[str, Any]]:
    """Two Content API items (``GET /v1/ContentAndApprovals``): one approved for
    WhatsApp with two variables, one still pending."""
    return [
        {
            "sid": ORDER_READY,
            "friendly_name": "order_ready",
            "language": "en",
            "variables": {"1": "Ann", "2": "A-1001"},
            "types": {"twilio/text": {"body": "Hi {{1}}, your order {{2}} is ready for pickup."}},
            "approval_requests": {
                "name": "order_ready",
                "category": "UTILITY",
                "content_type": "twilio/text",
                "status": "approved",
                "rejection_reason": "",
            },
        },
        {
            "sid": DRAFT,
            "friendly_name": "spring_sale",
            "language": "en",
            "variables": {},
            "types": {"twilio/text": {"body": "Spring sale!"}},
            "approval_requests": {"name": "spring_sale", "status": "pending"},
        },
    ]
