"""Work each hub process runs in the background while it serves: the outbox worker
that delivers committed replies and webhook jobs (``outbox``), timed work
(``periodic``) and retention on schedule (``retention``). Started and stopped by the
app's lifespan (``hub.app``)."""
