"""HTTP: the agent console, the REST API and the middleware they share."""
