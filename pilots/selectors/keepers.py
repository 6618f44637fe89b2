"""Who keeps each followed pilot alive, and when each last touched it (the orphaned rule's facts).

A "touch" is any audited change the person made to the pilot (``PilotEvent.actor``):
readings, check-ins, tasks, acceptances, decisions. ``pilots.rules.orphaned`` decides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from pilots import rules
from pilots.enums import OwnershipStatus, Stage, SuccessionRole, TaskStatus
from pilots.models import GateDecision, KnowledgeTransferTask, Pilot, PilotEvent
from pilots.rules import Keeper, Orphaning, RuleSettings
from pilots.selectors.history import full_name


@dataclass(frozen=True)
class Watched:
    """A started pilot with the people whose roles keep it alive."""

    pilot_id: int
    reference: str
    stage: str
    graduated_on: date | None
    sponsor_id: int
    keepers: tuple[Keeper, ...]
    operation_ended_on: date | None = None

    def orphanings(self, *, today: date, rules_: RuleSettings) -> tuple[Orphaning, ...]:
        return rules.orphaned(
            stage=self.stage,
            graduated_on=self.graduated_on,
            keepers=self.keepers,
            today=today,
            rules=rules_,
            operation_ended_on=self.operation_ended_on,
        )


def _day(moment: datetime) -> date:
    return timezone.localdate(moment, timezone.get_default_timezone())


def watched_pilots(*, pilot_ids: list[int] | None = None) -> dict[int, Watched]:
    """Every started pilot (in ``pilot_ids``, if given) with its keepers: 3 queries."""
    scope = {"pk__in": pilot_ids} if pilot_ids is not None else {}
    related = {"pilot_id__in": pilot_ids} if pilot_ids is not None else {}
    graduation = GateDecision.objects.filter(
        pilot=OuterRef("pk"), to_stage=Stage.GRADUATED
    ).order_by("-decided_at")
    people = ("id", "first_name", "last_name", "username", "is_active")
    pilots = list(
        Pilot.objects.filter(stage__in=Stage.STARTED, **scope)
        .annotate(graduated_at=Subquery(graduation.values("decided_at")[:1]))
        .values(
            "pk",
            "reference",
            "stage",
            "started_on",
            "graduated_at",
            "operation_ended_on",
            "owner_status",
            "owner_nominated_at",
            "owner_responded_at",
            *(
                f"{role}__{field}"
                for role in ("sponsor", "owner", "operations_owner")
                for field in people
            ),
        )
        .order_by("pk")
    )
    if not pilots:
        return {}
    ids = [row["pk"] for row in pilots]
    touched = {
        (pilot_id, actor_id): _day(at)
        for pilot_id, actor_id, at in PilotEvent.objects.filter(
            pilot_id__in=ids, actor__isnull=False
        )
        .values("pilot_id", "actor_id")
        .annotate(last=Max("at"))
        .values_list("pilot_id", "actor_id", "last")
    }
    givers: dict[int, list[tuple[int, str, bool, date]]] = defaultdict(list)
    for pilot_id, user_id, first, last, username, active, newest in (
        KnowledgeTransferTask.objects.filter(status__in=TaskStatus.OPEN, **related)
        .filter(pilot_id__in=ids)
        .values("pilot_id", "assignee_id")
        .annotate(newest=Max("created_at"))
        .values_list(
            "pilot_id",
            "assignee_id",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
            "assignee__is_active",
            "newest",
        )
        .order_by("pilot_id", "assignee_id")
    ):
        givers[pilot_id].append((user_id, full_name(first, last, username), active, _day(newest)))

    watched: dict[int, Watched] = {}
    for row in pilots:
        keepers = _keepers(row, touched, givers.get(row["pk"], []))
        watched[row["pk"]] = Watched(
            pilot_id=row["pk"],
            reference=row["reference"],
            stage=row["stage"],
            graduated_on=_day(row["graduated_at"]) if row["graduated_at"] else None,
            sponsor_id=row["sponsor__id"],
            keepers=keepers,
            operation_ended_on=row["operation_ended_on"],
        )
    return watched


def _person(row: dict[str, Any], prefix: str) -> tuple[int, str, bool] | None:
    if row[f"{prefix}__id"] is None:
        return None
    name = full_name(
        row[f"{prefix}__first_name"], row[f"{prefix}__last_name"], row[f"{prefix}__username"]
    )
    return row[f"{prefix}__id"], name, row[f"{prefix}__is_active"]


def _keepers(
    row: dict[str, Any],
    touched: dict[tuple[int, int], date],
    givers: list[tuple[int, str, bool, date]],
) -> tuple[Keeper, ...]:
    """The pilot's keepers, each person once (under their first role): business owner,
    operations owner, sponsor, givers of open tasks. Idleness is watched for the business
    owner, and for the operations owner once the system is theirs (graduated)."""
    pk, started = row["pk"], row["started_on"]
    keepers: list[Keeper] = []
    seen: set[int] = set()

    def keep(person: tuple[int, str, bool], role: str, since: date | None, idle: bool) -> None:
        user_id, name, active = person
        if user_id in seen:
            return
        seen.add(user_id)
        days = [day for day in (since, started) if day is not None]
        keepers.append(
            Keeper(
                role=role,
                role_label=SuccessionRole(role).label,
                user_id=user_id,
                name=name,
                active=active,
                last_touch=touched.get((pk, user_id)),
                since=max(days) if days else None,
                idle_watched=idle,
            )
        )

    owner = _person(row, "owner")
    if owner and row["owner_status"] in (OwnershipStatus.PENDING, OwnershipStatus.ACCEPTED):
        # The role is theirs from their acceptance (else, data without it, the nomination).
        took = row["owner_responded_at"] or row["owner_nominated_at"]
        keep(owner, SuccessionRole.OWNER, _day(took) if took else None, True)
    operations = _person(row, "operations_owner")
    if operations:
        keep(operations, SuccessionRole.OPERATIONS, None, row["stage"] == Stage.GRADUATED)
    sponsor = _person(row, "sponsor")
    if sponsor:
        keep(sponsor, SuccessionRole.SPONSOR, None, False)
    for user_id, name, active, newest in givers:
        keep((user_id, name, active), SuccessionRole.TASK_GIVER, newest, False)
    return tuple(keepers)
