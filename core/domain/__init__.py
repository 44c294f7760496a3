"""Plain dataclasses of the collection domain (SPEC §3)."""
