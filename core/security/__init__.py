"""Permissions, roles and the acting user (SPEC §5.3)."""
