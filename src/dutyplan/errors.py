"""Exceptions raised by dutyplan.

Every error a user can cause is a :class:`DutyplanError`; the message names the offending
field and value so that the problem file can be fixed without reading a traceback.
"""

from __future__ import annotations


class DutyplanError(Exception):
    """Base class of every error dutyplan raises on purpose."""


class ProblemError(DutyplanError, ValueError):
    """The problem description is invalid (bad value, unknown id, wrong shape...).

    ``details`` lists ``(field.path, message)`` pairs, one per error found.
    """

    def __init__(self, message: str, details: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.details: list[tuple[str, str]] = list(details or [])


class PlanFileError(DutyplanError, ValueError):
    """A plan file cannot be read or does not fit the problem it is checked against."""
