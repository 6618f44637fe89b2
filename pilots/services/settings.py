"""The deployment's rule settings (``PILOTGATE_*``) as ``pilots.rules.RuleSettings``.

Read by the services, the selectors (which re-export ``rule_settings``), the
reminders and the scorecards; the defaults live in ``config/settings/base.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from pilots.rules import RuleSettings


def rule_settings() -> RuleSettings:
    """The deployment's settings for ``pilots.rules`` (``PILOTGATE_*``; defaults live there)."""
    return RuleSettings(
        lead_days=settings.PILOTGATE_HANDOVER_LEAD_DAYS,
        escalation_days=settings.PILOTGATE_HANDOVER_ESCALATION_DAYS,
        stale_grace_days=settings.PILOTGATE_STALE_GRACE_DAYS,
        task_grace_days=settings.PILOTGATE_TASK_OVERDUE_GRACE_DAYS,
        decision_grace_days=settings.PILOTGATE_DECISION_GRACE_DAYS,
        ownership_pending_days=settings.PILOTGATE_OWNERSHIP_PENDING_DAYS,
        checkpoint_grace_days=settings.PILOTGATE_CHECKPOINT_GRACE_DAYS,
        unconfirmed_days=settings.PILOTGATE_TASK_UNCONFIRMED_DAYS,
        due_soon_days=settings.PILOTGATE_TASK_DUE_SOON_DAYS,
        ending_days=settings.PILOTGATE_PILOT_ENDING_DAYS,
        target_date_days=settings.PILOTGATE_TARGET_DATE_DAYS,
        start_grace_days=settings.PILOTGATE_START_GRACE_DAYS,
        review_days=settings.PILOTGATE_REVIEW_DAYS,
        reminder_escalation_days=settings.PILOTGATE_REMINDER_ESCALATION_DAYS,
        degrading_readings=settings.PILOTGATE_DEGRADING_READINGS,
        degrading_percent=settings.PILOTGATE_DEGRADING_PERCENT,
        degrading_escalation_weeks=settings.PILOTGATE_DEGRADING_ESCALATION_WEEKS,
        operation_months=settings.PILOTGATE_OPERATION_MONTHS,
        value_review_days=review_days(settings.PILOTGATE_VALUE_REVIEW_DAYS),
        value_review_grace_days=settings.PILOTGATE_VALUE_REVIEW_GRACE_DAYS,
        orphaned_after_days=settings.PILOTGATE_ORPHANED_AFTER_DAYS,
    )


def review_days(value: str | Iterable[int]) -> tuple[int, ...]:
    """``PILOTGATE_VALUE_REVIEW_DAYS`` as days: a list, or text like ``90,180,365``."""
    parts = value.split(",") if isinstance(value, str) else value
    return tuple(sorted(int(part) for part in parts if str(part).strip()))
