"""Twilio Voice: caller recognition, handoff codes, routing to agents, call records."""
