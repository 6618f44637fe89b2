"""The inbox, muting and the leads' log of reminders."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from pilots.enums import (
    ReminderKind,
    ReminderStatus,
)
from pilots.models import (
    Reminder,
    ReminderMute,
)
from pilots.permissions import AnyUser

# --- The inbox and muting -----------------------------------------------------------------


def reminder_mark_read(*, user: User, reminder_id: int) -> bool:
    """Mark one of the user's own reminders read; False if it is not theirs (or already read)."""
    return bool(
        Reminder.objects.filter(pk=reminder_id, recipient_id=user.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def reminders_mark_all_read(*, user: User) -> int:
    """Mark every unread reminder in the user's inbox read; return how many."""
    return (
        Reminder.objects.filter(recipient_id=user.pk, read_at__isnull=True)
        .exclude(status=ReminderStatus.CANCELLED)
        .update(read_at=timezone.now())
    )


def reminder_mutes_set(*, user: User, kinds: Iterable[str]) -> set[str]:
    """Replace the user's muted kinds; only non-critical kinds may be muted."""
    kinds = set(kinds)
    refused = kinds - ReminderKind.MUTABLE
    if refused:
        labels = ", ".join(
            sorted(ReminderKind(k).label if k in ReminderKind.values else k for k in refused)
        )
        raise ValidationError({"kinds": f"These reminders cannot be muted: {labels}."})
    with transaction.atomic():
        ReminderMute.objects.filter(user_id=user.pk).exclude(kind__in=kinds).delete()
        ReminderMute.objects.bulk_create(
            [ReminderMute(user_id=user.pk, kind=kind) for kind in sorted(kinds)],
            ignore_conflicts=True,
        )
    return kinds


def inbox_of(user: User, *, unread_only: bool = False) -> QuerySet[Reminder]:
    """The user's own reminders, newest first; those cancelled before sending are not shown."""
    items = (
        Reminder.objects.filter(recipient_id=user.pk)
        .exclude(status=ReminderStatus.CANCELLED)
        .select_related("pilot")
    )
    return items.filter(read_at__isnull=True) if unread_only else items


def unread_count(user: AnyUser) -> int:
    if not user.is_authenticated:
        return 0
    return inbox_of(user, unread_only=True).count()


def reminder_mutes_of(user: User) -> set[str]:
    return set(ReminderMute.objects.filter(user_id=user.pk).values_list("kind", flat=True))


def reminder_log(*, kind: str = "", status: str = "", q: str = "") -> QuerySet[Reminder]:
    """Every reminder recorded, newest first, with its pilot and recipient (for leads).

    ``kind`` and ``status`` narrow to one value; ``q`` matches a pilot's reference
    or username exactly (any case), or part of a pilot's title or a recipient's name.
    """
    items = Reminder.objects.select_related("pilot", "recipient")
    if kind:
        items = items.filter(kind=kind)
    if status:
        items = items.filter(status=status)
    if text := q.strip():
        items = items.filter(
            Q(pilot__reference__iexact=text)
            | Q(pilot__title__icontains=text)
            | Q(recipient__username__iexact=text)
            | Q(recipient__first_name__icontains=text)
            | Q(recipient__last_name__icontains=text)
        )
    return items
