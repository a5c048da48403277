"""Webchat: the embeddable chat widget's connector (see docs/widget.md)."""

from connectors.webchat.connector import WebchatConnector

__all__ = ["WebchatConnector"]
