"""Errors the core raises. Messages are Japanese and never contain personal data."""

from __future__ import annotations

__all__ = [
    "NozeiError",
    "ValidationError",
    "PermissionDenied",
    "NotFound",
    "ConflictError",
]


class NozeiError(Exception):
    """Base of every error the application reports to a user."""


class ValidationError(NozeiError, ValueError):
    """Input that breaks a rule. ``field`` names the offending field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(NozeiError):
    """The actor lacks the permission the operation names."""

    def __init__(self, permission: str) -> None:
        super().__init__(f"権限がありません（{permission}）")
        self.permission = permission


class NotFound(NozeiError):
    """A referenced record does not exist."""


class ConflictError(NozeiError):
    """A concurrent change or a uniqueness rule prevents the operation."""
