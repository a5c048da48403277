"""Omnichannel support hub: one conversation thread per customer across every channel."""

__version__ = "0.1.0"
