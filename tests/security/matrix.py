"""The permission matrix's specification: who may reach each route, and the world it runs in.

``RULES`` is the table, keyed by URL name (namespace included; an unnamed
route by its pattern). Each entry maps the HTTP methods tried to the rule:

- ``PUBLIC``: anyone, signed in or not.
- ``SIGNED_IN``: any signed-in user; anonymous visitors are sent to sign in.
- ``STAFF``: the admin site: staff only, everyone else to the admin sign-in.
- ``REGISTRARS``: sponsors, portfolio leads and administrators (new pilots).
- ``LEADS``: portfolio leads only.
- ``OWN``: a user's own object (an API token): someone else's is a 404.
- ``FEED``: a calendar feed, read without a session: anyone with its secret address
  (the world's sponsor's, "owned"), signed in or not; an unknown secret ("foreign"): 404.
- ``UNCONFIGURED``: a feature the test settings leave off (single sign-on): a
  404 for everyone. Its behaviour when on is tested where it is configured
  (tests/pilots/test_oidc.py, tests/e2e/test_oidc.py).
- a set of ``Role``: a pilot's route. Allowed to a user holding one of the
  roles on the pilot; a user who may see the pilot but holds none: 403 (or
  404); a user who may not see it: 404.

A pilot's route also names the stage of pilot it runs on (``Stage``) and may
give the form data POSTed (``DATA``); everything else is POSTed empty. Written
out by hand from the README and ``pilots/permissions.py``, not computed from
them: this is the specification the code is held to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pilots.enums import Stage
from pilots.models import ApiToken, Pilot, Succession, ValueReview
from pilots.permissions import Role
from pilots.services import gates, ownership
from scorecards.saved_views import saved_view_save
from scorecards.services import scorecards_recompute
from tests import factories

PUBLIC = "public"
SIGNED_IN = "signed-in"
STAFF = "staff"
REGISTRARS = "registrars"
LEADS = "leads"
OWN = "own"
UNCONFIGURED = "unconfigured"
FEED = "feed"
# Behind the admin's sign-in; staff get the admin's own answer, which may be a
# refusal (a read-only model's add, change or delete: 403) but never a 5xx.
STAFF_GATE = "staff-gate"

SEES = frozenset(Role)  # any role on the pilot
EDITORS = frozenset({Role.SPONSOR, Role.LEAD})
RECORDERS = frozenset({Role.OWNER, Role.MEMBER})
PLANNERS = frozenset({Role.OWNER, Role.SPONSOR})
STARTERS = frozenset({Role.SPONSOR, Role.OWNER, Role.LEAD})
# Approve, reject, graduate, stop: a lead who is neither the pilot's sponsor nor its
# business owner (the world's lead is neither).
DECIDERS = frozenset({Role.LEAD})
NOMINEE = frozenset({Role.NOMINEE})
# The run cost is answered by the budget holder named in the plan: in the world, a person
# outside the cast (who accepted), so every one of the cast is refused.
BUDGET_HOLDER = frozenset({Role.BUDGET_HOLDER})
OPERATIONS = frozenset({Role.OPERATIONS})
# Readings are changed by whoever recorded them or the business owner; the
# world's readings were recorded by the owner.
READING_CHANGERS = frozenset({Role.OWNER})
# A check-in is the accepted business owner's own word.
CHECKIN_AUTHORS = frozenset({Role.OWNER})
# A task is completed by its assignee or the owner; the world's tasks are the owner's.
TASK_COMPLETERS = frozenset({Role.OWNER})
# A task's receipt is confirmed or declined by its receiver: the person named, else the
# pilot's operations owner for the receiving team; the world's tasks name a team.
RECEIVERS = frozenset({Role.OPERATIONS})
# A value review is signed off by the sponsor, and by a lead who is neither the pilot's
# sponsor nor its business owner (the world's lead is neither).
SIGNERS = frozenset({Role.SPONSOR, Role.LEAD})

Rule = str | frozenset[Role]


@dataclass(frozen=True)
class Route:
    methods: dict[str, Rule]
    stage: str = Stage.RUNNING
    # A valid body per method, so that the permission decides, not the validation.
    # "{name}" is replaced by the world's value (metric_id, task_id, owner_id, ...).
    data: dict[str, Any] = field(default_factory=dict)
    # A route whose object is named in the body, not the path: tried owned and foreign.
    scoped: bool = False
    # A bulk request reports a metric one may not see as an invalid row (400), the
    # same answer as for a metric that does not exist, rather than a 404.
    hidden_is_invalid: bool = False


def pages(rule: Rule, *methods: str, stage: str = Stage.RUNNING, **data: Any) -> Route:
    return Route(dict.fromkeys(methods or ("GET",), rule), stage, data)


def action(rule: Rule, stage: str = Stage.RUNNING, **data: Any) -> Route:
    """A form's action (``post_only``): a GET is redirected to the form, for anyone signed in."""
    return Route({"GET": SIGNED_IN, "POST": rule}, stage, data)


RULES: dict[str, Route] = {
    # --- Site and accounts ---------------------------------------------------------
    "home": pages(SIGNED_IN),
    "health": pages(PUBLIC),
    "logout": pages(SIGNED_IN, "POST"),
    "login": pages(PUBLIC, "GET", "POST"),
    "oidc_authentication_init": pages(UNCONFIGURED),
    # The admin's own password change is the site's (the API-token rule applies).
    "admin-password-change": pages(SIGNED_IN),
    "oidc_authentication_callback": pages(UNCONFIGURED),
    "password_change": pages(SIGNED_IN, "GET", "POST"),
    "password_change_done": pages(SIGNED_IN),
    "password_reset": pages(PUBLIC, "GET", "POST"),
    "password_reset_done": pages(PUBLIC),
    "password_reset_confirm": pages(PUBLIC, "GET", "POST"),
    "password_reset_complete": pages(PUBLIC),
    "api-schema": pages(PUBLIC),
    "api-docs": pages(PUBLIC),
    "api-redoc": pages(PUBLIC),
    # --- Web pages -------------------------------------------------------------------
    "scorecards:dashboard": pages(SIGNED_IN),
    "scorecards:export": pages(SIGNED_IN),
    # Saved views: anyone signed in saves their own; only one's own is deleted.
    "scorecards:view_save": action(SIGNED_IN, POST={"name": "Mine", "query": "risk=watch"}),
    "scorecards:view_delete": action(OWN),
    "pilots:search": pages(SIGNED_IN),
    "pilots:lessons": pages(SIGNED_IN),
    # The similar pilots beside the registration: only pilots the user may see.
    "pilots:similar": pages(SIGNED_IN),
    "scorecards:pilot": pages(SEES),
    "scorecards:list": pages(SIGNED_IN),
    "scorecards:list_export": pages(SIGNED_IN),
    "pilots:people": pages(SIGNED_IN),
    "pilots:new": pages(REGISTRARS, "GET", "POST"),
    "pilots:review": pages(LEADS),
    "pilots:reminders": pages(LEADS),
    "pilots:inbox": pages(SIGNED_IN),
    "pilots:inbox_read_all": action(SIGNED_IN),
    # Anyone's reminder id is accepted and changes only the user's own (nothing).
    "pilots:inbox_read": action(SIGNED_IN),
    "pilots:profile": pages(SIGNED_IN, "GET", "POST"),
    "pilots:tokens": pages(SIGNED_IN, "GET", "POST"),
    "pilots:token_revoke": action(OWN),
    "pilots:calendar_reset": action(SIGNED_IN),
    "pilots:calendar_feed": pages(FEED),
    "pilots:detail": pages(SEES),
    "pilots:history": pages(SEES),
    "pilots:register": pages(EDITORS, "GET", "POST"),
    "pilots:metric_new": pages(EDITORS, "GET", "POST"),
    "pilots:metric": pages(SEES),
    "pilots:metric_edit": pages(EDITORS, "GET", "POST"),
    "pilots:reading_new": action(RECORDERS),
    "pilots:reading_import": pages(RECORDERS, "GET", "POST"),
    "pilots:reading_edit": pages(READING_CHANGERS, "GET", "POST"),
    "pilots:reading_delete": pages(READING_CHANGERS, "GET", "POST"),
    "pilots:member_remove": action(EDITORS),
    "pilots:checkin_new": action(
        CHECKIN_AUTHORS, POST={"confidence": "on_track", "narrative": "Volumes are up."}
    ),
    "pilots:ownership": action(NOMINEE, Stage.PROPOSED),
    "pilots:budget": action(BUDGET_HOLDER, Stage.PROPOSED),
    "pilots:decide": action(DECIDERS, POST={"decision": "stop"}),
    # The checkpoint: the same independent lead as the final decision.
    "pilots:checkpoint": action(DECIDERS, POST={"decision": "stop"}),
    "pilots:operations_accept": action(OPERATIONS),
    # Value reviews: the accepted owner records; the sponsor and an independent lead sign.
    # The world's pilots are not graduated: past the permission the service refuses (200).
    "pilots:value_review_new": action(
        CHECKIN_AUTHORS,
        POST={
            "still_used": "yes",
            "worth_cost": "yes",
            "proposal": "sustain",
            "narrative": "Used.",
        },
    ),
    "pilots:value_review_sign": action(SIGNERS, POST={"decision": "sign"}),
    # An independent lead (the world's lead neither sponsors nor owns a pilot).
    "pilots:waiver_approve": action(DECIDERS),
    # Acknowledge the changes to the approved contract: a lead who neither sponsors nor owns it.
    "pilots:contract_acknowledge": action(DECIDERS),
    "pilots:task_new": pages(PLANNERS, "GET", "POST"),
    "pilots:task_edit": pages(PLANNERS, "GET", "POST"),
    "pilots:task_complete": pages(TASK_COMPLETERS, "GET", "POST"),
    "pilots:task_reopen": action(PLANNERS),
    "pilots:task_confirm": action(RECEIVERS),
    "pilots:task_decline": pages(RECEIVERS, "GET", "POST", POST={"reason": "No failover."}),
    "pilots:task_move": action(PLANNERS),
    # Succession: the sponsor or a lead names a successor; the named successor answers
    # (someone else's succession is a 404, as an API token is).
    "pilots:succession": pages(
        EDITORS, "GET", "POST", POST={"role": "operations", "successor": "outsider", "reason": "r"}
    ),
    "pilots:successions": pages(SIGNED_IN),
    "pilots:succession_accept": action(OWN),
    "pilots:succession_decline": action(OWN, POST={"reason": "Not my team."}),
    # --- API (the methods come from the OpenAPI schema; each must be here) ---------
    "api:token-obtain": Route({"POST": PUBLIC}),
    "api:token-list": Route({"GET": SIGNED_IN}),
    "api:token-revoke": Route({"DELETE": OWN}),
    "api:me": Route({"GET": SIGNED_IN}),
    "api:user-list": Route({"GET": SIGNED_IN}),
    "api:business-unit-list": Route({"GET": SIGNED_IN}),
    "api:lesson-list": Route({"GET": SIGNED_IN}),
    "api:pilot-list": Route(
        {"GET": SIGNED_IN, "POST": REGISTRARS}, data={"POST": {"title": "Invoice triage"}}
    ),
    "api:pilot-detail": Route(
        {"GET": SEES, "PATCH": EDITORS}, data={"PATCH": {"title": "Renamed"}}
    ),
    "api:pilot-submit": Route({"POST": EDITORS}, Stage.DRAFT),
    "api:pilot-accept-ownership": Route({"POST": NOMINEE}, Stage.PROPOSED),
    "api:pilot-decline-ownership": Route(
        {"POST": NOMINEE}, Stage.PROPOSED, data={"POST": {"reason": "Too busy."}}
    ),
    "api:pilot-accept-budget": Route({"POST": BUDGET_HOLDER}, Stage.PROPOSED),
    "api:pilot-decline-budget": Route(
        {"POST": BUDGET_HOLDER}, Stage.PROPOSED, data={"POST": {"reason": "No funds."}}
    ),
    "api:pilot-approve": Route(
        {"POST": DECIDERS}, Stage.PROPOSED, data={"POST": {"rationale": "Credible."}}
    ),
    "api:pilot-reject": Route(
        {"POST": DECIDERS}, Stage.PROPOSED, data={"POST": {"reason": "Not now."}}
    ),
    "api:pilot-start": Route({"POST": STARTERS}, Stage.APPROVED),
    "api:pilot-succession": Route(
        {"POST": EDITORS},
        data={"POST": {"role": "operations", "successor": "{outsider_id}", "reason": "r"}},
    ),
    "api:succession-accept": Route({"POST": OWN}),
    "api:succession-decline": Route({"POST": OWN}, data={"POST": {"reason": "Not my team."}}),
    "api:pilot-graduate": Route({"POST": DECIDERS}, data={"POST": {"rationale": "Done."}}),
    "api:pilot-stop": Route(
        {"POST": DECIDERS}, data={"POST": {"rationale": "No.", "lessons_learned": "Some."}}
    ),
    "api:pilot-accept-operations": Route({"POST": OPERATIONS}),
    "api:decision-list": Route({"GET": SEES}),
    "api:checkpoint-list": Route(
        {"GET": SEES, "POST": DECIDERS},
        data={"POST": {"decision": "stop", "rationale": "No.", "lessons_learned": "Some."}},
    ),
    "api:event-list": Route({"GET": SEES}),
    "api:value-review-list": Route(
        {"GET": SEES, "POST": CHECKIN_AUTHORS},
        data={
            "POST": {
                "still_used": True,
                "worth_cost": True,
                "proposal": "sustain",
                "narrative": "Used daily.",
            }
        },
    ),
    "api:value-review-sign-off": Route({"POST": SIGNERS}, data={"POST": {"decision": "sign"}}),
    "api:checkin-list": Route(
        {"GET": SEES, "POST": CHECKIN_AUTHORS},
        data={"POST": {"confidence": "at_risk", "narrative": "Volumes dipped this week."}},
    ),
    "api:contract": Route({"GET": SEES}),
    "api:contract-acknowledge": Route({"POST": DECIDERS}),
    "api:member-list": Route(
        {"GET": SEES, "POST": EDITORS},
        data={"POST": {"user": "{outsider_id}", "role": "Analyst"}},
    ),
    "api:member-detail": Route({"GET": SEES, "DELETE": EDITORS}),
    "api:infrastructure": Route(
        {"GET": SEES, "PATCH": EDITORS},
        data={
            "PATCH": {
                "answers": [{"item": "monitoring", "answer": "yes", "evidence_url": "https://x.io"}]
            }
        },
    ),
    "api:waiver": Route(
        {"POST": EDITORS}, data={"POST": {"reason": "Onboarding soon.", "expires_on": "2030-01-31"}}
    ),
    "api:waiver-approve": Route({"POST": DECIDERS}),
    "api:operating-plan": Route(
        {"GET": SEES, "PATCH": EDITORS},
        data={"PATCH": {"budget_holder": "{owner_id}", "reason": "R."}},
    ),
    "api:metric-list": Route(
        {"GET": SEES, "POST": EDITORS},
        data={"POST": {"name": "Handling time", "kind": "business", "direction": "decrease"}},
    ),
    "api:metric-detail": Route({"GET": SEES, "PATCH": EDITORS}, data={"PATCH": {"unit": "min"}}),
    "api:reading-list": Route(
        {"GET": SEES, "POST": RECORDERS},
        data={"POST": {"observed_on": "2026-02-20", "value": "13.5"}},
    ),
    "api:reading-detail": Route(
        {"GET": SEES, "PATCH": READING_CHANGERS, "DELETE": READING_CHANGERS},
        data={"PATCH": {"value": 14}},
    ),
    "api:task-list": Route(
        {"GET": SEES, "POST": PLANNERS},
        data={
            "POST": {
                "title": "Runbook walkthrough",
                "kind": "runbook",
                "assignee": "{owner_id}",
                "receiver_team": "Ops",
                "due_on": "2026-06-01",
            }
        },
    ),
    "api:task-order": Route({"POST": PLANNERS}, data={"POST": {"order": ["{task_id}"]}}),
    "api:task-detail": Route({"GET": SEES, "PATCH": PLANNERS}, data={"PATCH": {"title": "T"}}),
    "api:task-complete": Route(
        {"POST": TASK_COMPLETERS}, data={"POST": {"evidence_url": "https://wiki.example.com/r"}}
    ),
    "api:task-reopen": Route({"POST": PLANNERS}),
    "api:task-confirm": Route({"POST": RECEIVERS}),
    "api:task-decline": Route({"POST": RECEIVERS}, data={"POST": {"reason": "No failover."}}),
    # Bulk readings name their metrics in the body.
    "api:readings-bulk": Route(
        {"POST": RECORDERS},
        data={
            "POST": {
                "readings": [{"metric": "{metric_id}", "observed_on": "2026-02-20", "value": "1"}]
            }
        },
        scoped=True,
        hidden_is_invalid=True,
    ),
    "scorecards_api:portfolio-list": Route({"GET": SIGNED_IN}),
    "scorecards_api:portfolio-summary": Route({"GET": SIGNED_IN}),
    "scorecards_api:pilot-scorecard": Route({"GET": SEES}),
    # --- Admin site (every model's pages match ADMIN_MODEL_ROUTE) ------------------
    "admin:index": pages(STAFF),
    "admin:login": pages(PUBLIC, "GET", "POST"),
    "admin:logout": pages(SIGNED_IN, "POST"),
    # Shadowed by "admin-password-change" (config/urls.py): a redirect to the site's page.
    "admin:password_change": pages(SIGNED_IN, "GET", "POST"),
    "admin:password_change_done": pages(STAFF),
    "admin:autocomplete": pages(STAFF_GATE),  # 403 to staff too without its query
    "admin:jsi18n": pages(STAFF),
    "admin:view_on_site": pages(STAFF_GATE),  # 404: no model has a public page
    "admin:app_list": pages(STAFF),
    "admin:auth_user_password_change": pages(STAFF, "GET", "POST"),
    "admin/<app>/<model>/<path:object_id>/": pages(STAFF),  # redirects to the change page
    "admin/(?P<url>.*)$": pages(STAFF_GATE),  # the admin's catch-all: 404 to staff
}

ADMIN_MODEL_ROUTE = re.compile(r"^admin:([a-z]+_[a-z]+)_(changelist|add|change|delete|history)$")
# The models staff may change in the admin; every other model is read-only there
# (pilots change through the services, the history is append-only).
ADMIN_WRITABLE = {"auth_user", "auth_group", "pilots_businessunit"}


def _admin_model_route(model: str, view: str) -> Route:
    write = STAFF if model in ADMIN_WRITABLE else STAFF_GATE
    methods: dict[str, Rule] = {
        "changelist": {"GET": STAFF, "POST": STAFF},
        "add": {"GET": write, "POST": write},
        "change": {"GET": STAFF, "POST": write},
        "delete": {"GET": write, "POST": write},
        "history": {"GET": STAFF},
    }[view]
    return Route(methods)


def rule_for(key: str) -> Route | None:
    if key in RULES:
        return RULES[key]
    if match := ADMIN_MODEL_ROUTE.match(key):
        return _admin_model_route(match.group(1), match.group(2))
    if re.fullmatch(r"admin/[a-z]+/[a-z]+/<path:object_id>/", key):
        return RULES["admin/<app>/<model>/<path:object_id>/"]
    return None


# --- The world: users of every role, and pilots at each stage, theirs and not ----------

CAST = ("anonymous", "outsider", "sponsor", "owner", "member", "ops", "lead", "staff")
STAGES = (Stage.DRAFT, Stage.PROPOSED, Stage.APPROVED, Stage.RUNNING)
SIDES = ("owned", "foreign")


def roles_on(who: str, side: str, stage: str) -> frozenset[Role]:
    """The roles ``who`` holds on the world's pilot of this side and stage (by construction)."""
    if who == "lead":
        return frozenset({Role.LEAD})
    if who == "staff":
        return frozenset({Role.ADMIN})
    if side == "foreign":
        return frozenset()
    owner = Role.NOMINEE if stage in (Stage.DRAFT, Stage.PROPOSED) else Role.OWNER
    by_name = {
        "sponsor": Role.SPONSOR,
        "owner": owner,
        "member": Role.MEMBER,
        "ops": Role.OPERATIONS,
    }
    return frozenset({by_name[who]}) if who in by_name else frozenset()


@dataclass
class PilotParts:
    pilot: Pilot
    metric_id: int
    reading_id: int
    task_id: int
    membership_id: int
    review_id: int


@dataclass
class World:
    users: dict[str, object]
    pilots: dict[tuple[str, str], PilotParts]  # (side, stage)
    tokens: dict[str, ApiToken]  # each signed-in user's own token
    saved_views: dict[str, int]  # each signed-in user's own saved view
    reminders: dict[str, int]
    calendar_secret: str  # the sponsor's calendar feed
    # Each signed-in user's own pending succession (a task giver's role on a spare pilot).
    successions: dict[str, int] = field(default_factory=dict)


def _pilot(stage: str, *, sponsor, owner, member, ops, lead) -> PilotParts:
    pilot = factories.PilotFactory(sponsor=sponsor, operations_owner=ops)
    factories.complete_registration(pilot, owner=owner)
    membership = factories.add_member(pilot, member)
    if stage != Stage.DRAFT:
        gates.pilot_submit(pilot=pilot, by=sponsor)
    if stage in (Stage.APPROVED, Stage.RUNNING):
        ownership.ownership_accept(pilot=pilot, by=owner)
        gates.pilot_approve(pilot=pilot, by=lead, rationale="Credible plan.")
    if stage == Stage.RUNNING:
        gates.pilot_start(pilot=pilot, by=sponsor, today=pilot.planned_start)
    pilot.refresh_from_db()
    assert pilot.stage == stage
    metric = pilot.metrics.get()
    reading = factories.ReadingFactory(
        metric=metric, recorded_by=owner, observed_on=date(2026, 2, 1)
    )
    task = factories.TaskFactory(pilot=pilot, assignee=owner)
    # A value review (as if graduated): sign-off routes reach the permission, not a 404.
    review = ValueReview.objects.create(
        pilot=pilot,
        due_day=90,
        due_on=date(2026, 4, 5),
        still_used=True,
        worth_cost=True,
        narrative="Used daily.",
        proposal="sustain",
        recorded_by=owner,
    )
    return PilotParts(pilot, metric.pk, reading.pk, task.pk, membership.pk, review.pk)


def build_world() -> World:
    from pilots.accounts.calendar import calendar_feed_of
    from pilots.accounts.tokens import token_create
    from tests.pilots.reminder_pages import remind

    users: dict[str, object] = {
        "outsider": factories.UserFactory(username="outsider"),
        "sponsor": factories.sponsor_user("sponsor"),
        "owner": factories.UserFactory(username="owner"),
        "member": factories.UserFactory(username="member"),
        "ops": factories.UserFactory(username="ops"),
        "lead": factories.lead_user("lead"),
        "staff": factories.UserFactory(username="staff", is_superuser=True, is_staff=True),
    }
    others = {
        "sponsor": factories.sponsor_user("sponsor-f"),
        "owner": factories.UserFactory(username="owner-f"),
        "member": factories.UserFactory(username="member-f"),
        "ops": factories.UserFactory(username="ops-f"),
    }
    cast = {name: users[name] for name in ("sponsor", "owner", "member", "ops", "lead")}
    foreign = {**others, "lead": users["lead"]}
    pilots = {}
    for stage in STAGES:
        pilots["owned", stage] = _pilot(stage, **cast)
        pilots["foreign", stage] = _pilot(stage, **foreign)
    tokens = {name: token_create(user=user, name="matrix")[0] for name, user in users.items()}
    running = pilots["owned", Stage.RUNNING].pilot
    reminders = {name: remind(user, running).pk for name, user in users.items()}
    saved_views = {
        name: saved_view_save(user=user, name="matrix", query="risk=watch").pk
        for name, user in users.items()
    }
    scorecards_recompute()
    secret = calendar_feed_of(users["sponsor"]).secret  # type: ignore[arg-type]
    spare = factories.PilotFactory(sponsor=others["sponsor"])
    successions = {
        name: Succession.objects.create(
            pilot=spare,
            role="task_giver",
            predecessor=factories.UserFactory(),
            successor=user,
            reason="matrix",
            nominated_by=others["sponsor"],
        ).pk
        for name, user in users.items()
    }
    return World(users, pilots, tokens, saved_views, reminders, secret, successions)
