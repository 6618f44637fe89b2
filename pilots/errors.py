"""The errors the service layer raises; web, API and admin translate them."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class MissingItem:
    """One reason a transition was refused.

    ``code`` is stable (tests, API clients); ``section`` names where it is
    fixed: a registration step (basics, metric, owner, operations,
    infrastructure, plan) or a part of the pilot page (metrics, handover,
    acceptance: operations' acceptance of the system, decision). See
    ``pilots.links``.
    """

    code: str
    message: str
    section: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "section": self.section}


class TransitionRefused(Exception):
    """A gate transition was refused; ``missing`` names every reason at once."""

    def __init__(self, action: str, missing: list[MissingItem]) -> None:
        self.action = action
        self.missing = list(missing)
        reasons = "; ".join(item.message for item in self.missing)
        super().__init__(f"Cannot {action}: {reasons}")


class NotAllowed(PermissionDenied):
    """The user may see the pilot but not do this to it (HTTP 403)."""


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row of a bulk request (rows count from 1)."""

    row: int
    errors: dict[str, list[str]]

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "errors": self.errors}


class RowsInvalid(Exception):
    """A bulk request had invalid rows; nothing was written."""

    def __init__(self, rows: list[RowError], total: int) -> None:
        self.rows = list(rows)
        self.total = total
        super().__init__(
            f"{len(self.rows)} of {total} rows are invalid; nothing was written."
            if total
            else "Send at least one row."
        )
