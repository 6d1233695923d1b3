"""Domain errors. `reason` names the locale key (`error-<reason>`) a handler shows."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class AccessDenied(DomainError):
    def __init__(self) -> None:
        super().__init__("access-denied")


class NotFound(DomainError):
    pass
