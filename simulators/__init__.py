"""Loopback stand-ins for the providers, for development, demos and tests only.

Nothing in ``hub/`` or ``connectors/`` imports this package (``lint-imports`` checks
it); the CLI's ``hub simulate``, ``make run`` and the tests do.
"""
