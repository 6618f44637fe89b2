"""Every choice the product stores, and the stage and status policy built on them.

The one home of stage policy: the derived sets (``Stage.CLOSED``,
``Stage.IN_FLIGHT``, ...) are attributes of the choices class, so no other
module spells a stage or a set of stages (the pattern of pretalx's
``enums.py``). Nothing here touches the database.
"""

from __future__ import annotations

from enum import nonmember

from django.db import models

# The largest id a BigAutoField (DEFAULT_AUTO_FIELD) holds.
ID_MAX = 2**63 - 1

PORTFOLIO_LEADS_GROUP = "Portfolio leads"
SPONSORS_GROUP = "Sponsors"

# --- Pilots ------------------------------------------------------------------------


class Stage(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    RUNNING = "running", "Running"
    GRADUATED = "graduated", "Graduated"
    STOPPED = "stopped", "Stopped"

    # The sets of stages the rules speak of. Members are ``str``, so ``stage in
    # Stage.CLOSED`` holds for a member and for its stored value alike.

    #: Decided for good: nothing more is planned or tracked.
    CLOSED = nonmember(frozenset({"graduated", "stopped"}))
    #: Not closed: a business owner may still be nominated or answer.
    OPEN = nonmember(("draft", "proposed", "approved", "running"))
    #: Approved or running: the handover and the final decision still lie ahead.
    IN_FLIGHT = nonmember(("approved", "running"))
    #: Where sponsors edit the registration and the team plans the handover. A
    #: proposed pilot is under review and frozen until the lead decides.
    SETUP = nonmember(("draft", "approved", "running"))
    #: Running or graduated: the primary metric is followed and locked.
    STARTED = nonmember(("running", "graduated"))
    #: Submitted or approved, not started yet: the planned start lies ahead.
    SCHEDULED = nonmember(("proposed", "approved"))
    #: Where metrics may be added or changed.
    METRICS = nonmember(("draft", "approved", "running", "graduated"))
    #: Where readings may be recorded.
    READINGS = nonmember(("approved", "running", "graduated"))
    #: Approved at least once and not stopped.
    APPROVED_OR_LATER = nonmember(("approved", "running", "graduated"))
    #: The stages a pilot passes through on its way to production, in order.
    FUNNEL = nonmember(("draft", "proposed", "approved", "running", "graduated"))


class OwnershipStatus(models.TextChoices):
    NONE = "none", "No owner nominated"
    PENDING = "pending", "Nominated, awaiting acceptance"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class BudgetStatus(models.TextChoices):
    """The budget holder's answer to the 12-month run cost, as an owner answers ownership."""

    NONE = "none", "No budget holder named"
    PENDING = "pending", "Named, awaiting acceptance of the run cost"
    ACCEPTED = "accepted", "Accepted the run cost"
    DECLINED = "declined", "Declined the run cost"


class SuccessionRole(models.TextChoices):
    """The roles that keep a pilot alive: watched for orphaning, handed on by succession."""

    OWNER = "owner", "Business owner"
    OPERATIONS = "operations", "Operations owner"
    SPONSOR = "sponsor", "Sponsor"
    TASK_GIVER = "task_giver", "Task giver"


# --- Metrics -------------------------------------------------------------------------


class MetricKind(models.TextChoices):
    PRIMARY = "primary", "Primary business metric"
    BUSINESS = "business", "Business metric"
    CRITICAL_SEGMENT = "critical_segment", "Critical-segment metric"
    MODEL = "model", "Model metric (shown, never counted as success)"


class Direction(models.TextChoices):
    INCREASE = "increase", "Higher is better"
    DECREASE = "decrease", "Lower is better"


class Cadence(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"

    #: How many days a reading of each cadence covers.
    DAYS = nonmember({"daily": 1, "weekly": 7, "monthly": 31})


class ReadingSource(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    IMPORT = "import", "Import"


class Confidence(models.TextChoices):
    """The business owner's own word on the pilot, in a check-in."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"

    #: Worried words: a trajectory on track or achieved contradicts them.
    WORRIED = nonmember(frozenset({"at_risk", "off_track"}))


# --- Handover and readiness ----------------------------------------------------------


class TaskKind(models.TextChoices):
    DOCUMENTATION = "documentation", "Documentation"
    RUNBOOK = "runbook", "Runbook"
    TRAINING = "training", "Training"
    SHADOWING = "shadowing", "Shadowing"
    ACCESS_TRANSFER = "access_transfer", "Access transfer"
    SUPPORT_ROTA = "support_rota", "Support rota"
    OTHER = "other", "Other"


class TaskStatus(models.TextChoices):
    """A task moves to "waiting" when its giver completes it with evidence, and is done
    only once its receiver confirms receipt (a decline sends it back to "to do")."""

    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING = "waiting", "Waiting for confirmation"
    DONE = "done", "Done"

    #: Still the giver's to finish: what "overdue" counts (a task waiting for its
    #: receiver has been given; the receiver's reminder chases it).
    OPEN = nonmember(("todo", "in_progress"))
    #: Completed by the giver, with evidence (waiting or confirmed).
    COMPLETED = nonmember(("waiting", "done"))


class InfrastructureItem(models.TextChoices):
    """The production-infrastructure checklist: the same rails production uses."""

    CI_CD = "ci_cd", "Deployed by the production CI/CD pipeline"
    MONITORING = "monitoring", "Monitored and alerted like a production service"
    DATA_PIPELINE = "data_pipeline", "Fed by the production data pipelines, not extracts"
    ACCESS_CONTROL = "access_control", "Access controlled through the production identity system"
    SECURITY_REVIEW = "security_review", "Security and privacy review booked or done"
    ENVIRONMENTS = "environments", "Runs in the production (or production-like) environment"


class InfrastructureAnswerValue(models.TextChoices):
    YES = "yes", "Yes, from sprint one"
    PLANNED = "planned", "Planned, with a date"
    NO = "no", "No"


# --- API tokens and reminders -------------------------------------------------------


class TokenScope(models.TextChoices):
    """What an API token may do, within what its user may do."""

    FULL = "full", "Full: everything its user may do"
    READ = "read", "Read only"
    INGEST = "ingest", "Metric ingest: read, and record readings"


class CheckpointChoice(models.TextChoices):
    """What a portfolio lead decides at the checkpoint, when the handover window opens."""

    CONTINUE = "continue", "Continue to handover"
    EXTEND = "extend", "Extend the pilot"
    STOP = "stop", "Stop the pilot"


class LessonOccasion(models.TextChoices):
    """When a lesson was recorded: the decision that asked for it."""

    STOP = "stop", "Stop"
    GRADUATION = "graduation", "Graduation"
    #: A value review after graduation (its retire decision, among others).
    VALUE_REVIEW = "value_review", "Value review"


class FailureMode(models.TextChoices):
    """The three failure modes the product exists to prevent (``PRODUCT.md``).

    A lesson stores each as its own boolean column named after the value, so a
    filter is a plain ``WHERE`` on SQLite and PostgreSQL alike.
    """

    LAB_TO_DESK_GAP = "lab_to_desk_gap", "Lab-to-desk gap"
    METRIC_MIRAGE = "metric_mirage", "Metric mirage"
    OWNERSHIP_VACUUM = "ownership_vacuum", "Ownership vacuum"


class ValueReviewProposal(models.TextChoices):
    """What the business owner proposes at a value review of a system in operation."""

    SUSTAIN = "sustain", "Sustain: keep running it as it is"
    IMPROVE = "improve", "Improve: keep it, and fix what the review found"
    RETIRE = "retire", "Retire: end its operation"


class SignOffRole(models.TextChoices):
    """Who signs a value review off: the pilot's sponsor, and an independent portfolio lead."""

    SPONSOR = "sponsor", "Sponsor"
    LEAD = "lead", "Portfolio lead"


class SignOffDecision(models.TextChoices):
    SIGN = "sign", "Signed off"
    REFUSE = "refuse", "Refused"


class ReminderKind(models.TextChoices):
    # A label is an email's subject and an inbox item's title: it must hold whatever
    # the reason says (the window may be near, open today or open for days).
    HANDOVER_UNPLANNED = "handover_unplanned", "Handover not planned"
    HANDOVER_ESCALATION = "handover_escalation", "Handover still not planned in the open window"
    TASK_OVERDUE = "task_overdue", "Knowledge-transfer task overdue"
    METRIC_STALE = "metric_stale", "Primary metric stale"
    OWNERSHIP_PENDING = "ownership_pending", "Ownership not yet accepted"
    DECISION_OVERDUE = "decision_overdue", "Final decision overdue"
    SEGMENT_BREACH = "segment_breach", "Critical segment beyond its guardrail"
    WAIVER_EXPIRED = "waiver_expired", "Infrastructure waiver expired"
    CHECKPOINT_OVERDUE = "checkpoint_overdue", "Checkpoint decision overdue"
    TASK_UNCONFIRMED = "task_unconfirmed", "Knowledge-transfer task waiting for your confirmation"
    # Before the date, not only after it; gate time limits; escalation.
    TASK_DUE_SOON = "task_due_soon", "Knowledge-transfer task due soon"
    PILOT_ENDING = "pilot_ending", "Pilot ends soon"
    TARGET_DATE_NEAR = "target_date_near", "Target date near, target not reached"
    START_OVERDUE = "start_overdue", "Planned start passed without a start"
    REVIEW_OVERDUE = "review_overdue", "Gate decision waiting too long"
    # After graduation: a sustained decline from the level at graduation (once per decline).
    DEGRADING = "degrading", "Primary metric falling back since graduation"
    DEGRADING_ESCALATED = "degrading_escalated", "Decline after graduation still going: escalated"
    REMINDER_ESCALATED = "reminder_escalated", "Reminder unanswered: escalated to you"
    # The operating phase: the value reviews after graduation.
    VALUE_REVIEW_DUE = "value_review_due", "Value review due"
    VALUE_REVIEW_SIGNOFF = "value_review_signoff", "Value review waiting for your sign-off"
    # Event notifications (``EVENTS``): recorded by the service that made the change,
    # once per event and recipient, never to its actor.
    OWNER_NOMINATED = "owner_nominated", "You are nominated as business owner"
    OPERATIONS_NAMED = "operations_named", "You are named operations owner"
    MEMBER_ADDED = "member_added", "You are added to the team"
    OWNERSHIP_ACCEPTED = "ownership_accepted", "Ownership accepted"
    OWNERSHIP_DECLINED = "ownership_declined", "Ownership declined"
    BUDGET_NAMED = "budget_named", "You are named budget holder: accept the run cost"
    BUDGET_ACCEPTED = "budget_accepted", "Run cost accepted by the budget holder"
    BUDGET_DECLINED = "budget_declined", "Run cost declined by the budget holder"
    PILOT_SUBMITTED = "pilot_submitted", "Submitted for review"
    PILOT_APPROVED = "pilot_approved", "Pilot approved"
    PILOT_REJECTED = "pilot_rejected", "Pilot rejected: back to draft"
    PILOT_STARTED = "pilot_started", "Pilot started"
    PILOT_GRADUATED = "pilot_graduated", "Pilot graduated to production"
    PILOT_STOPPED = "pilot_stopped", "Pilot stopped"
    TASK_ASSIGNED = "task_assigned", "Knowledge-transfer task assigned to you"
    TASK_COMPLETED = "task_completed", "Knowledge-transfer task to confirm"
    TASK_CONFIRMED = "task_confirmed", "Knowledge-transfer task confirmed"
    TASK_DECLINED = "task_declined", "Knowledge-transfer task declined by its receiver"
    RISK_WORSENED = "risk_worsened", "Risk worsened"
    VALUE_REVIEW_RECORDED = "value_review_recorded", "Value review recorded: sign it off"
    VALUE_REVIEW_SIGNED = "value_review_signed", "Value review signed off"
    VALUE_REVIEW_REFUSED = "value_review_refused", "Value review refused: record it again"
    ORPHANED = "orphaned", "Pilot orphaned: a role that keeps it alive is vacant"
    SUCCESSION_NOMINATED = "succession_nominated", "You are nominated as successor"
    SUCCEEDED = "succeeded", "A successor is named to your role"
    SUCCESSION_ACCEPTED = "succession_accepted", "Succession accepted: the role changed hands"
    SUCCESSION_DECLINED = "succession_declined", "Succession declined by the successor"

    #: The kinds a user may mute in their profile. The handover and decision
    #: reminders are the product's point and cannot be muted, nor can a breached
    #: critical segment (the metric mirage's hidden 2%), nor an expired infrastructure
    #: waiver. Notices before a date may be muted; a gate left waiting (the leads' time
    #: limit) and an escalation (nobody answered) may not.
    MUTABLE = nonmember(
        frozenset(
            {
                "task_overdue",
                "metric_stale",
                "ownership_pending",
                "task_unconfirmed",
                "task_due_soon",
                "pilot_ending",
                "target_date_near",
                "start_overdue",
                # Event notifications that only inform (nothing to do).
                "member_added",
                "ownership_accepted",
                "budget_accepted",
                "pilot_approved",
                "pilot_started",
                "pilot_graduated",
                "pilot_stopped",
                "task_confirmed",
                "value_review_signed",
                "succeeded",
                "succession_accepted",
            }
        )
    )
    #: Told once per episode, not once a week (``Due.period`` names the episode).
    EPISODES = nonmember(frozenset({"degrading", "degrading_escalated"}))
    #: Event notifications: told once, when the change happens (``pilots.services.
    #: notifications``), not found by the daily sweep; never cancelled once recorded.
    EVENTS = nonmember(
        frozenset(
            {
                "owner_nominated",
                "operations_named",
                "member_added",
                "ownership_accepted",
                "ownership_declined",
                "budget_named",
                "budget_accepted",
                "budget_declined",
                "pilot_submitted",
                "pilot_approved",
                "pilot_rejected",
                "pilot_started",
                "pilot_graduated",
                "pilot_stopped",
                "task_assigned",
                "task_completed",
                "task_confirmed",
                "task_declined",
                "risk_worsened",
                "value_review_recorded",
                "value_review_signed",
                "value_review_refused",
                "succession_nominated",
                "succeeded",
                "succession_accepted",
                "succession_declined",
            }
        )
    )


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be emailed"
    SENDING = "sending", "Being emailed"
    EMAILED = "emailed", "Emailed"
    IN_APP = "in_app", "In the inbox only (no email address)"
    FAILED = "failed", "Email failed"
    CANCELLED = "cancelled", "Not sent: fixed before it went out"
    # The recipient chose a digest for its kind: held, then emailed in one digest.
    HELD = "held", "Held for the recipient's digest"
    DIGESTED = "digested", "Emailed in a digest"


class ChannelKind(models.TextChoices):
    """Where a channel's incoming webhook lives: it decides the message's JSON."""

    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"


class ChannelDeliveryStatus(models.TextChoices):
    """A channel message's delivery; the values the reminders' redelivery shares."""

    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class DigestCadence(models.TextChoices):
    """How often a person's digest of the kinds they chose is emailed (no row: at once)."""

    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest (Mondays)"
    # The leads' weekly portfolio digest (``PILOTGATE_PORTFOLIO_DIGEST``): not a choice.
    PORTFOLIO = "portfolio", "Weekly portfolio digest"

    #: What a person may choose per kind in their profile.
    PERSONAL = nonmember(frozenset({"daily", "weekly"}))
