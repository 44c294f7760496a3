"""Demo data: a deterministic synthetic municipality for `nozei demo` (SPEC §9)."""
