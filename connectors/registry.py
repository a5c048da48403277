"""The channels this hub runs. One line per connector; ``hub/`` never names a channel."""

from __future__ import annotations

from connectors.base import Connector


def connector_classes() -> list[type[Connector]]:
    """Every installed connector class, in the order their routes are mounted."""
    # Imported here so importing the registry does not import every provider SDK.
    from connectors.email import EmailConnector
    from connectors.instore import InstoreConnector
    from connectors.phone.connector import PhoneConnector
    from connectors.shopify import ShopifyConnector
    from connectors.sms import SmsConnector
    from connectors.webchat import WebchatConnector
    from connectors.whatsapp import WhatsappConnector

    return [
        WebchatConnector,
        SmsConnector,
        PhoneConnector,
        InstoreConnector,
        WhatsappConnector,
        ShopifyConnector,
        EmailConnector,
    ]
