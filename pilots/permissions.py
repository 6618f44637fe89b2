"""Who may see and do what: the one place access rules live.

Portfolio leads and administrators (superusers) see every pilot. Everyone else
sees the pilots they sponsor, own (nominated and not declined), will operate,
hold the budget of, or work on. A pilot one may not see is a 404; one may see but not change, 403.
"""

from __future__ import annotations

import enum

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q

from pilots.enums import PORTFOLIO_LEADS_GROUP, SPONSORS_GROUP, OwnershipStatus
from pilots.models import KnowledgeTransferTask, OperatingPlan, Pilot, PilotMembership

# The project uses Django's own ``auth.User``. Anonymous visitors reach these
# checks only where a page may be seen signed out, so the checks accept both;
# the services act for a signed-in ``User``.
AnyUser = User | AnonymousUser


class Role(enum.StrEnum):
    SPONSOR = "sponsor"
    OWNER = "owner"  # accepted ownership
    NOMINEE = "nominee"  # nominated, not yet accepted
    OPERATIONS = "operations"
    BUDGET_HOLDER = "budget_holder"  # named in the operating plan to pay for its run cost
    MEMBER = "member"
    LEAD = "lead"
    ADMIN = "admin"


def _group_names(user: AnyUser) -> frozenset[str]:
    """The user's group names, read once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_pilotgate_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        # A per-object memo, not a field of User: kept in the instance's dict.
        vars(user)["_pilotgate_groups"] = cached
    return cached


def is_portfolio_lead(user: AnyUser) -> bool:
    return PORTFOLIO_LEADS_GROUP in _group_names(user)


def is_sponsor(user: AnyUser) -> bool:
    return SPONSORS_GROUP in _group_names(user)


def is_administrator(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def sees_every_pilot(user: AnyUser) -> bool:
    return is_administrator(user) or is_portfolio_lead(user)


def can_register_pilots(user: AnyUser) -> bool:
    return is_sponsor(user) or sees_every_pilot(user)


def visible_pilots_filter(user: AnyUser) -> Q:
    """The condition "this user may see the pilot", as one WHERE clause."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if sees_every_pilot(user):
        return Q()
    return own_pilots_filter(user)


def own_pilots_filter(user: User) -> Q:
    """The pilots the user sponsors, owns (nominated and not declined), will operate,
    holds the budget of or works on: what anyone but a lead or an administrator sees."""
    is_member = Exists(PilotMembership.objects.filter(pilot=OuterRef("pk"), user=user))
    holds_budget = Exists(OperatingPlan.objects.filter(pilot=OuterRef("pk"), budget_holder=user))
    return (
        Q(sponsor=user)
        | (Q(owner=user) & ~Q(owner_status=OwnershipStatus.DECLINED))
        | Q(operations_owner=user)
        | Q(holds_budget)
        | Q(is_member)
    )


def pilot_roles(user: AnyUser, pilot: Pilot) -> frozenset[Role]:
    """Every role the user holds on this pilot (two queries at most: the budget holder
    unless the plan was joined, and membership unless prefetched)."""
    if not user.is_authenticated:
        return frozenset()
    roles: set[Role] = set()
    if is_administrator(user):
        roles.add(Role.ADMIN)
    if is_portfolio_lead(user):
        roles.add(Role.LEAD)
    if pilot.sponsor_id == user.pk:
        roles.add(Role.SPONSOR)
    if pilot.owner_id == user.pk:
        if pilot.owner_status == OwnershipStatus.ACCEPTED:
            roles.add(Role.OWNER)
        elif pilot.owner_status == OwnershipStatus.PENDING:
            roles.add(Role.NOMINEE)
    if pilot.operations_owner_id == user.pk:
        roles.add(Role.OPERATIONS)
    if _holds_budget(user, pilot):
        roles.add(Role.BUDGET_HOLDER)
    if _is_member(user, pilot):
        roles.add(Role.MEMBER)
    return frozenset(roles)


def _is_member(user: User, pilot: Pilot) -> bool:
    cache = getattr(pilot, "_prefetched_objects_cache", {})
    if "memberships" in cache:
        return any(m.user_id == user.pk for m in cache["memberships"])
    return PilotMembership.objects.filter(pilot=pilot, user=user).exists()


def _holds_budget(user: User, pilot: Pilot) -> bool:
    """Named budget holder in the pilot's operating plan (read from a plan the selector
    joined, else one query)."""
    if "operating_plan" in pilot._state.fields_cache:
        plan = pilot._state.fields_cache["operating_plan"]
        return plan is not None and plan.budget_holder_id == user.pk
    return OperatingPlan.objects.filter(pilot_id=pilot.pk, budget_holder_id=user.pk).exists()


def can_see(user: AnyUser, pilot: Pilot) -> bool:
    """The single-object twin of ``visible_pilots_filter`` (tests hold them equal)."""
    return bool(pilot_roles(user, pilot))


# --- What each role may do (the services enforce these) ------------------------

EDITORS = frozenset({Role.SPONSOR, Role.LEAD})
# Approve, reject, graduate and stop: a lead, and an independent one (``is_independent_lead``).
GATE_DECIDERS = frozenset({Role.LEAD})
STARTERS = frozenset({Role.SPONSOR, Role.OWNER, Role.LEAD})
READING_RECORDERS = frozenset({Role.OWNER, Role.MEMBER})
HANDOVER_PLANNERS = frozenset({Role.OWNER, Role.SPONSOR})
# Check-ins are the accountable owner's own word: nobody speaks for them.
CHECKIN_AUTHORS = frozenset({Role.OWNER})
CHECKIN_RULE = "Only the pilot's accepted business owner may record a check-in."
# For a receiving team with no named operations owner, a lead records acceptance.
OPERATIONS_ACCEPTORS = frozenset({Role.OPERATIONS, Role.LEAD})


def has_any_role(user: AnyUser, pilot: Pilot, allowed: frozenset[Role]) -> bool:
    return bool(pilot_roles(user, pilot) & allowed)


# --- Independent decisions (separation of duties) -------------------------------
#
# Approval (and its twin, rejection) and the final decision (graduate, stop) are
# a portfolio lead's, and never the lead's who sponsors the pilot or owns it
# (accepted, or nominated and not yet answered). The services, the pages' buttons,
# the web view, the admin action and the API all ask ``independent_decision_refusal``.

NOT_INDEPENDENT = frozenset({Role.SPONSOR, Role.OWNER, Role.NOMINEE})
# What each decision is called in the rule's sentence.
INDEPENDENT_DECISIONS = {
    "approve": "approve it",
    "reject": "reject it",
    "graduate": "record its graduation",
    "stop": "record its stop",
    "close": "take its final decision (graduate or stop)",  # the page's summary of both
    "approve_waiver": "approve its infrastructure waivers",
    "checkpoint": "take its checkpoint decision (continue, extend or stop)",
    "acknowledge": "acknowledge changes to its approved contract",
    "value_review": "sign its value reviews off as portfolio lead",
}


def independence_rule(action: str) -> str:
    """The rule in words, e.g. "... must approve it." (``action``: "approve it")."""
    return (
        "A portfolio lead who is neither this pilot's sponsor nor its business owner "
        f"must {action}."
    )


def is_independent_lead(roles: frozenset[Role]) -> bool:
    return Role.LEAD in roles and not roles & NOT_INDEPENDENT


def independent_decision_refusal(roles: frozenset[Role], decision: str) -> str | None:
    """None if these roles may take the decision (approve, reject, graduate, stop); else why not."""
    if is_independent_lead(roles):
        return None
    return independence_rule(INDEPENDENT_DECISIONS[decision])


SPONSOR_AS_OWNER_RULE = (
    "The pilot's sponsor cannot be its business owner: nominate someone else "
    "(separation of duties)."
)


def sponsor_as_owner_refusal(
    *, sponsor_id: int | None, owner_id: int | None, allowed: bool
) -> str | None:
    """None unless the nominee is the sponsor and the deployment does not allow it
    (``PILOTGATE_ALLOW_SPONSOR_AS_OWNER``, for small organisations)."""
    if allowed or owner_id is None or owner_id != sponsor_id:
        return None
    return SPONSOR_AS_OWNER_RULE


# --- The receiving side signs off a knowledge-transfer task ---------------------
#
# The giver (the task's assignee, or whoever completed it for them) cannot confirm
# it. The receiver confirms: the task's receiver when a person is named; for a task
# received by a team, the pilot's operations owner, who represents the receiving
# team (and, with no operations owner named, a portfolio lead: as for operations
# acceptance). ``task_receiver_refusal`` decides it for the services, the pages'
# buttons, the home agenda, the web views and the API.

GIVER_CANNOT_CONFIRM = (
    "The giver of a knowledge-transfer task cannot confirm it: its receiver signs off "
    "(independence)."
)


def task_receiver_refusal(
    *,
    user_id: int | None,
    roles: frozenset[Role],
    assignee_id: int | None,
    completed_by_id: int | None,
    receiver_id: int | None,
    operations_owner_id: int | None,
) -> str | None:
    """None if this user may confirm or decline the task's receipt; else the rule in words."""
    if user_id is not None and user_id in (assignee_id, completed_by_id):
        return GIVER_CANNOT_CONFIRM
    if receiver_id is not None:
        if user_id == receiver_id:
            return None
        return "Only the task's receiver may confirm or decline its receipt."
    if operations_owner_id is not None:
        if user_id == operations_owner_id:
            return None
        return (
            "Only the pilot's operations owner, for the receiving team, may confirm or "
            "decline the task's receipt."
        )
    if Role.LEAD in roles:
        return None
    return (
        "The pilot has no operations owner: a portfolio lead confirms or declines the "
        "receiving team's receipt."
    )


def task_receiver_refusal_for(user: AnyUser, task: KnowledgeTransferTask) -> str | None:
    """``task_receiver_refusal`` for this user and task (its pilot's roles read here)."""
    return task_receiver_refusal(
        user_id=user.pk if user.is_authenticated else None,
        roles=pilot_roles(user, task.pilot),
        assignee_id=task.assignee_id,
        completed_by_id=task.completed_by_id,
        receiver_id=task.receiver_id,
        operations_owner_id=task.pilot.operations_owner_id,
    )
