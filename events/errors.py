"""Errors raised by the domain layer. The API maps each to one HTTP status (api/errors.py)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the services raise on purpose; ``code`` is machine-readable."""

    code = "invalid"

    def __init__(self, detail: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule (a value, a relation, a limit)."""

    code = "invalid"


class GeometryError(InvalidInput):
    """A geometry is malformed, degenerate, self-intersecting or out of bounds."""

    code = "invalid_geometry"


class NotFound(DomainError):
    """The object does not exist, or belongs to a team the user is not in."""

    code = "not_found"


class Forbidden(DomainError):
    """The user is a member of the team but their role does not allow this."""

    code = "permission_denied"


class StaleVersion(DomainError):
    """An update was based on an older version than the stored one (optimistic locking)."""

    code = "stale_version"

    def __init__(self, detail: str, *, current_version: int, current: Any = None) -> None:
        super().__init__(detail)
        self.current_version = current_version
        self.current = current


class NotReady(DomainError):
    """Something asked for before the job that makes it has finished (or after it failed)."""

    code = "not_ready"


class MissingCredentials(InvalidInput):
    """An action needs the team's saved service credentials and there are none."""

    code = "missing_credentials"


class CredentialsUnreadable(DomainError):
    """Stored credentials that the configured CREDENTIALS_KEY cannot decrypt."""

    code = "credentials_unreadable"
