"""Actions: the only functions that change state. Each takes a ``UnitOfWork`` first."""
