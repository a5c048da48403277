"""A mail catcher for development and tests: an SMTP sink that keeps what the hub
sends, a page listing it, and ``hub simulate email`` to write to the hub."""
