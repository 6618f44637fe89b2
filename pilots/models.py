"""Pilots and everything that decides whether one may move to the next gate.

Models hold data and invariants (choices, unique and check constraints), not
workflows. A pilot's ``stage`` changes only in ``pilots.services.gates``; no
other code writes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

User = settings.AUTH_USER_MODEL
# The largest id a BigAutoField (DEFAULT_AUTO_FIELD) holds.
ID_MAX = 2**63 - 1

PORTFOLIO_LEADS_GROUP = "Portfolio leads"
SPONSORS_GROUP = "Sponsors"


class Stage(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    RUNNING = "running", "Running"
    GRADUATED = "graduated", "Graduated"
    STOPPED = "stopped", "Stopped"


CLOSED_STAGES = frozenset({Stage.GRADUATED, Stage.STOPPED})
# Approved or running: the handover and the final decision still lie ahead.
IN_FLIGHT_STAGES = (Stage.APPROVED, Stage.RUNNING)


class OwnershipStatus(models.TextChoices):
    NONE = "none", "No owner nominated"
    PENDING = "pending", "Nominated, awaiting acceptance"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class BusinessUnit(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Pilot(models.Model):
    """An AI pilot and the commitments that let it reach production.

    ``stage`` is written only by the gate service (``pilots.services.gates``):
    one function per state machine, every change recorded as a GateDecision.
    """

    # NULL only inside the creating transaction, until the primary key is known.
    reference = models.CharField(  # noqa: DJ001
        max_length=12,
        unique=True,
        null=True,
        editable=False,
        help_text="Stable reference such as PIL-0042, assigned on creation.",
    )
    title = models.CharField(max_length=200)
    problem_statement = models.TextField(
        blank=True, help_text="The business problem, in the business's words."
    )
    business_unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="pilots"
    )
    stage = models.CharField(
        max_length=10, choices=Stage.choices, default=Stage.DRAFT, editable=False
    )

    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    started_on = models.DateField(
        null=True, blank=True, editable=False, help_text="The day the pilot actually started."
    )

    sponsor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="sponsored_pilots")

    owner = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_pilots",
        help_text="The nominated business owner, accountable for the business result.",
    )
    owner_status = models.CharField(
        max_length=10,
        choices=OwnershipStatus.choices,
        default=OwnershipStatus.NONE,
        editable=False,
    )
    owner_nominated_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner_responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner_decline_reason = models.TextField(blank=True, editable=False)

    operations_owner = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operated_pilots",
        help_text="The person who will run the system after handover.",
    )
    receiving_team = models.CharField(
        max_length=200, blank=True, help_text="The team that will operate the system."
    )
    operations_accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    operations_accepted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    members = models.ManyToManyField(
        User, through="PilotMembership", related_name="member_pilots", blank=True
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["stage"])]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="pilot_stage_valid"),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="pilot_end_not_before_start",
                violation_error_message="The planned end cannot be before the planned start.",
            ),
            models.CheckConstraint(
                condition=(Q(owner__isnull=True) & Q(owner_status=OwnershipStatus.NONE))
                | (Q(owner__isnull=False) & ~Q(owner_status=OwnershipStatus.NONE)),
                name="pilot_owner_status_matches_owner",
            ),
            models.CheckConstraint(
                condition=~Q(owner_status__in=[OwnershipStatus.ACCEPTED, OwnershipStatus.DECLINED])
                | Q(owner_responded_at__isnull=False),
                name="pilot_owner_response_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(owner_status=OwnershipStatus.DECLINED) | ~Q(owner_decline_reason=""),
                name="pilot_owner_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=[Stage.RUNNING, Stage.GRADUATED])
                | Q(started_on__isnull=False),
                name="pilot_running_has_start",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.GRADUATED) | Q(operations_accepted_at__isnull=False),
                name="pilot_graduated_operations_accepted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}" if self.reference else self.title


class PilotMembership(models.Model):
    """A member of the delivery team building the pilot."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pilot_memberships")
    role = models.CharField(max_length=100, blank=True, help_text="e.g. ML engineer, analyst.")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pilot", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.pilot}"


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


CADENCE_DAYS = {Cadence.DAILY: 1, Cadence.WEEKLY: 7, Cadence.MONTHLY: 31}


class Metric(models.Model):
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=MetricKind.choices)
    unit = models.CharField(max_length=50, blank=True, help_text="e.g. %, minutes, £ per case.")
    direction = models.CharField(max_length=10, choices=Direction.choices, blank=True)
    baseline = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)
    data_source = models.CharField(
        max_length=300, blank=True, help_text="The production system the readings come from."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pilot", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot"],
                condition=Q(kind=MetricKind.PRIMARY),
                name="metric_one_primary_per_pilot",
                violation_error_message="This pilot already has a primary business metric.",
            ),
            models.UniqueConstraint(fields=["pilot", "name"], name="metric_unique_name"),
            models.CheckConstraint(condition=Q(kind__in=MetricKind.values), name="metric_kind"),
            models.CheckConstraint(
                condition=Q(direction__in=[*Direction.values, ""]), name="metric_direction"
            ),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True)
                | Q(target__isnull=True)
                | Q(direction="")
                | (Q(direction=Direction.INCREASE) & Q(target__gt=F("baseline")))
                | (Q(direction=Direction.DECREASE) & Q(target__lt=F("baseline"))),
                name="metric_target_beyond_baseline",
                violation_error_message=(
                    "The target must be above the baseline when higher is better, "
                    "and below it when lower is better."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def counts_as_success(self) -> bool:
        return self.kind != MetricKind.MODEL


class ReadingSource(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    IMPORT = "import", "Import"


class MetricReading(models.Model):
    """One value of a metric on one day. Re-sending a day updates it."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="readings")
    observed_on = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=10, choices=ReadingSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["metric", "-observed_on"]
        constraints = [
            # Also the index for "latest reading per metric" (scanned backwards).
            models.UniqueConstraint(
                fields=["metric", "observed_on"], name="reading_one_per_metric_and_day"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ReadingSource.values), name="reading_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} on {self.observed_on}: {self.value}"


class TaskKind(models.TextChoices):
    DOCUMENTATION = "documentation", "Documentation"
    RUNBOOK = "runbook", "Runbook"
    TRAINING = "training", "Training"
    SHADOWING = "shadowing", "Shadowing"
    ACCESS_TRANSFER = "access_transfer", "Access transfer"
    SUPPORT_ROTA = "support_rota", "Support rota"
    OTHER = "other", "Other"


class TaskStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class KnowledgeTransferTask(models.Model):
    """One item of the handover plan: knowledge moving to the receiving team."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    assignee = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="kt_tasks",
        help_text="Who gives the knowledge.",
    )
    receiver = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kt_tasks_received",
        help_text="Who receives it (or name a team).",
    )
    receiver_team = models.CharField(max_length=200, blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)
    evidence_url = models.URLField(blank=True, help_text="Link to the runbook, recording, rota…")
    position = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pilot", "position", "due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TaskKind.values), name="task_kind"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status"),
            models.CheckConstraint(
                condition=Q(receiver__isnull=False) | ~Q(receiver_team=""),
                name="task_has_receiver",
                violation_error_message="Name who receives the knowledge: a person or a team.",
            ),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.DONE)
                | (Q(completed_at__isnull=False) & ~Q(evidence_url="")),
                name="task_done_has_evidence",
                violation_error_message="A task is done only with a link to its evidence.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


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


class InfrastructureAnswer(models.Model):
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="infrastructure")
    item = models.CharField(max_length=20, choices=InfrastructureItem.choices)
    answer = models.CharField(max_length=10, choices=InfrastructureAnswerValue.choices)
    evidence_url = models.URLField(blank=True, help_text="Pipeline, dashboard or ticket link.")
    notes = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pilot", "item"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "item"], name="infra_one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(item__in=InfrastructureItem.values), name="infra_item"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=InfrastructureAnswerValue.values), name="infra_answer"
            ),
            models.CheckConstraint(
                condition=~Q(answer=InfrastructureAnswerValue.YES) | ~Q(evidence_url=""),
                name="infra_yes_has_evidence",
                violation_error_message="A 'yes' needs an evidence link.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.get_answer_display()}"


class OperatingPlan(models.Model):
    """The answer to "what would it take to operate this in production for 12 months?"."""

    REQUIRED_FIELDS = (
        "run_cost_per_month",
        "support_model",
        "monitoring_plan",
        "incident_process",
        "model_maintenance",
        "budget_holder",
    )

    pilot = models.OneToOneField(Pilot, on_delete=models.CASCADE, related_name="operating_plan")
    run_cost_per_month = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Expected monthly cost in production: infrastructure, licences, people.",
    )
    support_model = models.TextField(blank=True, help_text="Who answers when it breaks, and when.")
    monitoring_plan = models.TextField(
        blank=True, help_text="What is watched in production: data drift, errors, the metric."
    )
    incident_process = models.TextField(
        blank=True, help_text="How incidents are raised and handled."
    )
    model_maintenance = models.TextField(
        blank=True, help_text="Retraining, re-validation and data refresh over 12 months."
    )
    budget_holder = models.CharField(
        max_length=200, blank=True, help_text="Who pays for the 12 months of operation."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(run_cost_per_month__isnull=True) | Q(run_cost_per_month__gte=0),
                name="plan_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Operating plan for {self.pilot}"

    def missing_fields(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.REQUIRED_FIELDS
            if getattr(self, name) in (None, "")
        ]


class GateDecision(models.Model):
    """A recorded move between stages: who, when, from, to and why."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    from_stage = models.CharField(max_length=10, choices=Stage.choices)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    rationale = models.TextField()
    lessons_learned = models.TextField(blank=True)

    class Meta:
        ordering = ["pilot", "-decided_at", "-id"]
        get_latest_by = "decided_at"
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")), name="decision_changes_stage"
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_has_rationale"),
            models.CheckConstraint(
                condition=~Q(to_stage=Stage.STOPPED) | ~Q(lessons_learned=""),
                name="decision_stop_has_lessons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.from_stage} → {self.to_stage}"


class PilotEvent(models.Model):
    """The audit history: every change to a pilot, its metrics, owners, tasks and gates.

    Written by the service that makes the change, in the same transaction.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        STAGE_CHANGED = "stage_changed", "Stage changed"
        OWNER_NOMINATED = "owner_nominated", "Business owner nominated"
        OWNER_ACCEPTED = "owner_accepted", "Ownership accepted"
        OWNER_DECLINED = "owner_declined", "Ownership declined"
        OPERATIONS_ACCEPTED = "operations_accepted", "Operations accepted the system"
        MEMBER_ADDED = "member_added", "Team member added"
        MEMBER_REMOVED = "member_removed", "Team member removed"
        METRIC_ADDED = "metric_added", "Metric added"
        METRIC_CHANGED = "metric_changed", "Metric changed"
        METRIC_LOCKED_CHANGE = "metric_locked_change", "Locked metric changed"
        READING_RECORDED = "reading_recorded", "Reading recorded"
        READING_DELETED = "reading_deleted", "Reading deleted"
        READINGS_INGESTED = "readings_ingested", "Readings ingested in bulk"
        INFRASTRUCTURE_ANSWERED = "infrastructure_answered", "Infrastructure answered"
        PLAN_CHANGED = "plan_changed", "Operating plan changed"
        TASK_ADDED = "task_added", "Knowledge-transfer task added"
        TASK_CHANGED = "task_changed", "Knowledge-transfer task changed"
        TASK_COMPLETED = "task_completed", "Knowledge-transfer task completed"
        TASK_REORDERED = "task_reordered", "Handover plan reordered"

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=30, choices=Action.choices)
    subject = models.CharField(max_length=200, blank=True, help_text="What changed, in words.")
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pilot", "-at", "-id"]
        indexes = [models.Index(fields=["pilot", "-at"], name="event_pilot_recent")]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.get_action_display()}"


class Heartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task, per source.

    Beat enqueues it every minute; a worker runs it. Operators read it on the
    health page to know both are alive.
    """

    source = models.CharField(max_length=50, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source} seen {self.seen_at:%Y-%m-%d %H:%M:%S} on {self.hostname}"


class TokenScope(models.TextChoices):
    """What an API token may do, within what its user may do."""

    FULL = "full", "Full: everything its user may do"
    READ = "read", "Read only"
    INGEST = "ingest", "Metric ingest: read, and record readings"


class ApiToken(models.Model):
    """A key for the API (``Authorization: Token <key>``), created and revoked by its user.

    Only a SHA-256 digest of the key is stored: the key itself is shown once,
    when it is created. ``prefix`` lets its user recognise it in a list.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=100, help_text="What uses it, e.g. “nightly claims pipeline”."
    )
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=TokenScope.values), name="token_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ReminderKind(models.TextChoices):
    # A label is an email's subject and an inbox item's title: it must hold whatever
    # the reason says (the window may be near, open today or open for days).
    HANDOVER_UNPLANNED = "handover_unplanned", "Handover not planned"
    HANDOVER_ESCALATION = "handover_escalation", "Handover still not planned in the open window"
    TASK_OVERDUE = "task_overdue", "Knowledge-transfer task overdue"
    METRIC_STALE = "metric_stale", "Primary metric stale"
    OWNERSHIP_PENDING = "ownership_pending", "Ownership not yet accepted"
    DECISION_OVERDUE = "decision_overdue", "Final decision overdue"


# The kinds a user may mute in their profile. The handover and decision
# reminders are the product's point and cannot be muted.
MUTABLE_REMINDER_KINDS = frozenset(
    {ReminderKind.TASK_OVERDUE, ReminderKind.METRIC_STALE, ReminderKind.OWNERSHIP_PENDING}
)


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be emailed"
    SENDING = "sending", "Being emailed"
    EMAILED = "emailed", "Emailed"
    IN_APP = "in_app", "In the inbox only (no email address)"
    FAILED = "failed", "Email failed"
    CANCELLED = "cancelled", "Not sent: fixed before it went out"


class Reminder(models.Model):
    """One reminder to one person about one pilot, at most once per kind and period.

    The unique constraint on (pilot, kind, recipient, period) is what makes
    delivery exactly-once: a sweep records reminders with ``ON CONFLICT DO
    NOTHING`` and only the sweep whose row was inserted sends it. The row is
    also the in-app notification (``read_at``) and the record leads review.
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminders")
    period = models.CharField(max_length=10, help_text="ISO week of the sweep, e.g. 2026-W48.")
    day = models.DateField(help_text="The day of the sweep that recorded it.")
    sweep = models.UUIDField(editable=False, help_text="The sweep run that recorded it.")
    reason = models.CharField(max_length=300, help_text="Why, in one sentence.")
    action = models.CharField(max_length=300, help_text="What to do about it.")
    link = models.CharField(max_length=300, help_text="Path of the page where it is fixed.")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="reminder_inbox"),
            models.Index(fields=["sweep"], name="reminder_sweep"),
            models.Index(fields=["period"], name="reminder_period"),
            models.Index(fields=["status", "claimed_at"], name="reminder_delivery"),
            models.Index(fields=["-created_at", "-id"], name="reminder_sent_log"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "kind", "recipient", "period"], name="reminder_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="reminder_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.period})"


class ReminderMute(models.Model):
    """A user's choice not to receive one non-critical kind of reminder."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminder_mutes")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    muted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="reminder_mute_once"),
            models.CheckConstraint(
                condition=Q(kind__in=sorted(MUTABLE_REMINDER_KINDS)),
                name="reminder_mute_only_non_critical",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} mutes {self.get_kind_display()}"
