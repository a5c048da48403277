"""The pluggable call-transcript interface.

Voicemails are transcribed by Twilio (``<Record transcribe>``). Recordings of live calls
go to a provider the operator chooses: ``HUB_CALL_TRANSCRIBER=package.module:factory``,
where ``factory(settings)`` returns a ``CallTranscriber``. The hub calls it once per
completed recording, in the background; the text is attached to the call's recording
(``hub.actions.calls.attach_transcript``) and shown, and searchable, in the thread.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from hub.settings import Settings


class CallTranscriber(Protocol):
    async def transcribe(self, recording_url: str, *, channels: int) -> str | None:
        """The text of the recording at ``recording_url`` (Twilio's media URL; fetching
        it needs the account's credentials), or None when there is nothing to say.
        ``channels`` is 2 for a dual-channel recording (caller, agent side)."""
        ...


class InvalidTranscriber(ValueError):
    pass


def load_transcriber(spec: str | None, settings: Settings) -> CallTranscriber | None:
    """The transcriber named by ``spec`` (``package.module:factory``), or None."""
    if not spec:
        return None
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InvalidTranscriber(f"HUB_CALL_TRANSCRIBER {spec!r} is not package.module:factory")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise InvalidTranscriber(f"HUB_CALL_TRANSCRIBER {spec!r}: {exc}") from exc
    transcriber: CallTranscriber = factory(settings)
    return transcriber
