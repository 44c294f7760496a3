"""Envelope encryption (SPEC §5.1): KEK file → wrapped DEKs → AES-256-GCM fields and blind indexes."""
