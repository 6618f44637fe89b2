"""What every reminder finder is given (``Sweep``) and returns (``Due``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from pilots.enums import OwnershipStatus
from pilots.links import PilotLinks
from pilots.rules import RuleSettings

# Every day of these rules is a day in the deployment's zone (TIME_ZONE), never
# whatever zone a request may have activated.
LOCAL = timezone.get_default_timezone


@dataclass(frozen=True)
class Due:
    """One reminder due on a day: the key plus what it says."""

    pilot_id: int
    kind: str
    recipient_id: int
    reason: str
    action: str
    link: str
    # The period it is sent at most once in; "" for the sweep's ISO week. A kind told
    # once per episode names the episode (``D2026-11-20``: a decline and its first day).
    period: str = ""

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.pilot_id, self.kind, self.recipient_id)


@dataclass(frozen=True)
class Sweep:
    """What every finder is given: the day, the settings, links, leads, an optional pilot."""

    day: date
    rules: RuleSettings
    links: PilotLinks
    leads: list[int]
    pilot_id: int | None

    def scope(self, queryset: QuerySet[Any], pilot_field: str) -> QuerySet[Any]:
        if self.pilot_id is None:
            return queryset
        return queryset.filter(**{pilot_field: self.pilot_id})

    def deciding_leads(self, *, sponsor: int, owner: int | None, owner_status: str) -> list[int]:
        """The leads who may decide the pilot (``pilots.permissions.NOT_INDEPENDENT``): not
        its sponsor, nor its business owner, accepted or nominated."""
        barred: set[int | None] = {sponsor}
        if owner_status in (OwnershipStatus.ACCEPTED, OwnershipStatus.PENDING):
            barred.add(owner)
        return [lead for lead in self.leads if lead not in barred]

    def local_midnight(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.min), LOCAL())
