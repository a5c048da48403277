"""Read-side queries shared by the console, the REST API and terminals (no writes here)."""
