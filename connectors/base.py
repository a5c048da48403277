"""The channel interface, owned by the hub (``hub.channels``); re-exported for connectors."""

from hub.channels import Connector

__all__ = ["Connector"]
