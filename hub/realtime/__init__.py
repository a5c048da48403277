"""Socket.IO: the server, the agent namespace and the post-commit fan-out."""
