"""Errors of the client: one base class carrying the server's error body, and subclasses
that say what went wrong on this side (a failed job, a corrupt download, an unsafe ZIP).

The server answers every error with ``{"detail": str, "code": str, "fields": {...}}``;
``LabelerError`` keeps those three plus the HTTP status (``None`` when the error did not
come from an HTTP response).
"""

from __future__ import annotations

from typing import Any


class LabelerError(Exception):
    """An error from the labeler server, or one the client found itself.

    ``status`` is the HTTP status (``None`` for client-side errors), ``code`` a stable
    machine-readable word, ``detail`` the human message and ``fields`` the per-field
    messages of an invalid request (``{"split.train": ["..."]}``).
    """

    def __init__(
        self,
        status: int | None,
        code: str,
        detail: str,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.fields: dict[str, list[str]] = dict(fields or {})
        super().__init__(status, code, detail, self.fields)

    def __str__(self) -> str:
        where = f"HTTP {self.status}, {self.code}" if self.status is not None else self.code
        lines = [f"{self.detail} ({where})"]
        for name, messages in self.fields.items():
            lines.extend(f"  {name}: {message}" for message in messages)
        return "\n".join(lines)


class JobFailed(LabelerError):
    """A job the client waited for ended with status ``failed``; ``job`` is its JSON."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        error = job.get("error") or job.get("message") or "no error recorded"
        super().__init__(None, "job_failed", f"Job {job.get('id')} failed: {error}")


class JobTimeout(LabelerError):
    """A job did not finish within the time the client was told to wait."""

    def __init__(self, job: dict[str, Any], timeout: float) -> None:
        self.job = job
        super().__init__(
            None,
            "job_timeout",
            f"Job {job.get('id')} still {job.get('status')} after {timeout:g} s "
            f"({float(job.get('progress') or 0):.0%}: {job.get('message') or 'no message'}).",
        )


class ChecksumMismatch(LabelerError):
    """A downloaded file's SHA-256 differs from the one the server announced."""

    def __init__(self, path: str, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            None,
            "checksum_mismatch",
            f"Download of {path} is corrupt: SHA-256 {actual}, the server announced {expected}.",
        )


class UnsafeArchive(LabelerError):
    """A ZIP holds a member that would be written outside the extraction folder."""

    def __init__(self, archive: str, member: str, why: str) -> None:
        self.member = member
        super().__init__(
            None, "unsafe_archive", f"Refusing to unzip {archive}: member {member!r} {why}."
        )
