"""nozei logs: the hash-chained audit log, its verification and review."""
