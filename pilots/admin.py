"""Django admin for administrators: inspect everything, change nothing behind the rules.

Administrators manage users and groups here. Pilot data is read-only in the
admin because every change to it must go through the services (rules, locks
and the audit history in one transaction). Two doors lead to the services:
adding a pilot (``registration.pilot_insert``: reference and creation event)
and the "Record a gate decision" action (``pilots.services.gates``), which
reports every missing item exactly as the web app and API do. No pilot is
deleted here, and the history (events, gate decisions) is append-only.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from pilots.errors import TransitionRefused
from pilots.forms.passwords import AdminPasswordKeepTokensForm
from pilots.frame import formats
from pilots.models import (
    BusinessUnit,
    Channel,
    ChannelDelivery,
    CheckIn,
    ContractChange,
    ContractSnapshot,
    Digest,
    DigestChoice,
    GateDecision,
    Heartbeat,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    OperatingPlan,
    OutboxMessage,
    Pilot,
    PilotEvent,
    PilotMembership,
    Reminder,
    ReminderMute,
)
from pilots.reminders.channels import WebhookError, channel_test_send
from pilots.selectors.pilots import pilot_events
from pilots.services import gates, registration

RECENT_EVENTS = 20


class ViewOnly:
    """View permission only: the services are the one way to change these rows."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ViewOnly, admin.TabularInline):
    extra = 0
    select_related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row's title is its __str__, which names its pilot (or metric).
        parent = "metric" if self.model is MetricReading else "pilot"
        return super().get_queryset(request).select_related(parent, *self.select_related)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or ()


class MetricInline(ReadOnlyInline):
    model = Metric
    fields = (
        "name",
        "kind",
        "unit",
        "direction",
        "baseline",
        "target",
        "target_date",
        "cadence",
        "guardrail",
    )
    show_change_link = True


class TaskInline(ReadOnlyInline):
    model = KnowledgeTransferTask
    fields = ("position", "title", "kind", "assignee", "receiver_team", "due_on", "status")
    select_related = ("assignee",)
    show_change_link = True


class MembershipInline(ReadOnlyInline):
    model = PilotMembership
    fields = ("user", "role", "added_at")
    select_related = ("user",)


class InfrastructureInline(ReadOnlyInline):
    model = InfrastructureAnswer
    fields = (
        "item",
        "answer",
        "evidence_url",
        "notes",
        "planned_on",
        "waiver_reason",
        "waiver_expires_on",
        "waiver_approved_by",
        "waiver_approved_at",
    )
    select_related = ("waiver_approved_by",)


class OperatingPlanInline(ViewOnly, admin.StackedInline):
    model = OperatingPlan
    extra = 0


class DecisionInline(ReadOnlyInline):
    model = GateDecision
    fields = ("decided_at", "decided_by", "from_stage", "to_stage", "rationale", "lessons_learned")
    select_related = ("decided_by",)


class GateDecisionForm(forms.Form):
    """The admin's door to the gate services: one transition, with its words."""

    transition = forms.ChoiceField(
        choices=[(name, step.label) for name, step in gates.TRANSITIONS.items()]
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required to approve, reject, graduate and stop.",
    )
    lessons_learned = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Required to stop."
    )


def _run_transition(pilot: Pilot, user: Any, data: dict[str, str]) -> None:
    words = gates.Words(rationale=data["rationale"], lessons_learned=data["lessons_learned"])
    gates.TRANSITIONS[data["transition"]].run(pilot, user, words)


@admin.action(description="Record a gate decision…")
def decide_gate(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Pilot]
) -> TemplateResponse | None:
    form = GateDecisionForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        name = form.cleaned_data["transition"]
        for pilot in queryset:
            try:
                _run_transition(pilot, request.user, form.cleaned_data)
            except TransitionRefused as refused:
                modeladmin.message_user(
                    request,
                    f"{pilot.reference} not {gates.TRANSITIONS[name].done}: "
                    + " ".join(item.message for item in refused.missing),
                    messages.ERROR,
                )
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                modeladmin.message_user(request, f"{pilot.reference}: {text}", messages.ERROR)
            else:
                modeladmin.message_user(
                    request,
                    f"{pilot.reference} {gates.TRANSITIONS[name].outcome}.",
                    messages.SUCCESS,
                )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Record a gate decision",
        "form": form,
        "pilots": queryset,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/pilots/pilot/gate_decision.html", context)


@admin.register(Pilot)
class PilotAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "title",
        "stage",
        "business_unit",
        "sponsor",
        "owner",
        "owner_status",
        "planned_start",
        "planned_end",
    )
    list_filter = ("stage", "owner_status", "business_unit")
    search_fields = (
        "reference",
        "title",
        "problem_statement",
        "sponsor__username",
        "owner__username",
        "receiving_team",
    )
    list_select_related = ("business_unit", "sponsor", "owner")
    date_hierarchy = "planned_start"
    autocomplete_fields = ("sponsor", "operations_owner")
    readonly_fields = (
        "reference",
        "stage",
        "started_on",
        "owner",
        "owner_status",
        "owner_nominated_at",
        "owner_responded_at",
        "owner_decline_reason",
        "operations_accepted_at",
        "operations_accepted_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("reference", "title", "problem_statement", "business_unit", "stage")}),
        ("Dates", {"fields": ("planned_start", "planned_end", "started_on")}),
        (
            "Ownership",
            {
                "fields": (
                    "sponsor",
                    "owner",
                    "owner_status",
                    "owner_nominated_at",
                    "owner_responded_at",
                    "owner_decline_reason",
                )
            },
        ),
        (
            "Operations",
            {
                "fields": (
                    "operations_owner",
                    "receiving_team",
                    "operations_accepted_at",
                    "operations_accepted_by",
                )
            },
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (
        MetricInline,
        MembershipInline,
        InfrastructureInline,
        OperatingPlanInline,
        TaskInline,
        DecisionInline,
    )
    actions = (decide_gate,)

    def get_inlines(self, request: HttpRequest, obj: Pilot | None) -> Any:
        return self.inlines if obj is not None else ()

    def get_readonly_fields(self, request: HttpRequest, obj: Pilot | None = None) -> Any:
        if obj is None:  # adding: a new draft, saved through pilot_insert
            return self.readonly_fields
        return [field.name for field in Pilot._meta.fields] + ["recent_history"]

    def get_fieldsets(self, request: HttpRequest, obj: Pilot | None = None) -> Any:
        if obj is None:
            return self.fieldsets
        return (*self.fieldsets, ("History", {"fields": ("recent_history",)}))

    def has_change_permission(self, request: HttpRequest, obj: Pilot | None = None) -> bool:
        # The change page is a read-only view; the gate action needs the list.
        return super().has_change_permission(request, obj) and obj is None

    def save_model(self, request: HttpRequest, obj: Pilot, form: Any, change: bool) -> None:
        """Only adding reaches here: the new draft gets its reference and creation event."""
        # The admin site admits only signed-in staff: the user is a User.
        registration.pilot_insert(pilot=obj, by=cast(User, request.user))

    @admin.display(description=f"Latest {RECENT_EVENTS} changes")
    def recent_history(self, obj: Pilot) -> str:
        events = pilot_events(obj)[:RECENT_EVENTS]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{event.at:%Y-%m-%d %H:%M}",
                    event.actor or "system",
                    event.get_action_display(),
                    event.subject,
                    event.reason,
                )
                for event in events
            ),
        )
        link = reverse("admin:pilots_pilotevent_changelist") + f"?pilot__id__exact={obj.pk}"
        return format_html(
            "<table><tr><th>When</th><th>Who</th><th>What</th><th>Subject</th><th>Why</th></tr>"
            '{}</table><p><a href="{}">Full history</a></p>',
            rows,
            link,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Pilot | None = None) -> bool:
        # Pilots are history, drafts included: every pilot has its creation event, and
        # the history is append-only (PilotEvent.pilot is PROTECT). Nobody deletes one.
        return False


@admin.register(Metric)
class MetricAdmin(ViewOnly, admin.ModelAdmin):
    list_display = (
        "name",
        "pilot",
        "kind",
        "unit",
        "direction",
        "baseline",
        "target",
        "target_date",
        "cadence",
        "baseline_measured_on",
        "guardrail",
    )
    list_filter = ("kind", "direction", "cadence")
    search_fields = (
        "name",
        "pilot__reference",
        "pilot__title",
        "data_source",
        "baseline_method",
        "baseline_source",
    )
    list_select_related = ("pilot",)
    autocomplete_fields = ("pilot",)

    class ReadingInline(ReadOnlyInline):
        model = MetricReading
        fields = ("observed_on", "value", "note", "source", "recorded_by")
        select_related = ("recorded_by",)
        ordering = ("-observed_on",)

    inlines = (ReadingInline,)


@admin.register(MetricReading)
class MetricReadingAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("metric", "observed_on", "value", "source", "recorded_by")
    list_filter = ("source",)
    search_fields = ("metric__name", "metric__pilot__reference", "note")
    list_select_related = ("metric", "recorded_by")
    date_hierarchy = "observed_on"
    raw_id_fields = ("metric",)


@admin.register(KnowledgeTransferTask)
class KnowledgeTransferTaskAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("title", "pilot", "kind", "assignee", "due_on", "status")
    list_filter = ("status", "kind")
    search_fields = ("title", "pilot__reference", "pilot__title", "assignee__username")
    list_select_related = ("pilot", "assignee")
    autocomplete_fields = ("pilot", "assignee", "receiver")
    readonly_fields = (
        "completed_at",
        "completed_by",
        "confirmed_at",
        "confirmed_by",
        "declined_at",
        "declined_by",
        "decline_reason",
    )


@admin.register(GateDecision)
class GateDecisionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("pilot", "from_stage", "to_stage", "decided_by", "decided_at")
    # Tuples of any length: PilotEventAdmin below replaces them.
    list_filter: ClassVar[tuple[str, ...]] = ("to_stage", "from_stage")
    search_fields: ClassVar[tuple[str, ...]] = (
        "pilot__reference",
        "pilot__title",
        "rationale",
        "lessons_learned",
    )
    list_select_related = ("pilot", "decided_by")


@admin.register(PilotEvent)
class PilotEventAdmin(GateDecisionAdmin):
    list_display = ("pilot", "action", "subject", "actor", "at")
    list_filter = ("action",)
    search_fields = ("pilot__reference", "subject", "reason")
    list_select_related = ("pilot", "actor")


@admin.register(CheckIn)
class CheckInAdmin(ViewOnly, admin.ModelAdmin):
    """The owners' check-ins, read-only: the owner records them on the pilot page or the API."""

    list_display = ("pilot", "confidence", "author", "created_at")
    list_filter = ("confidence",)
    search_fields = ("pilot__reference", "pilot__title", "narrative", "blockers")
    list_select_related = ("pilot", "author")
    date_hierarchy = "created_at"


@admin.register(ContractSnapshot)
class ContractSnapshotAdmin(ViewOnly, admin.ModelAdmin):
    """Each approved version of a pilot's contract (approval, acknowledgement, upgrade)."""

    list_display = ("pilot", "version", "origin", "approved_by", "approved_at")
    list_filter = ("origin",)
    search_fields = ("pilot__reference", "pilot__title")
    list_select_related = ("pilot", "approved_by")


@admin.register(ContractChange)
class ContractChangeAdmin(ViewOnly, admin.ModelAdmin):
    """Each change to an approved contract with its reason; a lead acknowledges on the page."""

    list_display = ("pilot", "label", "changed_by", "changed_at", "acknowledged_by")
    list_filter = (("acknowledged_at", admin.EmptyFieldListFilter),)
    search_fields = ("pilot__reference", "label", "reason")
    list_select_related = ("pilot", "changed_by", "acknowledged_by")


@admin.register(BusinessUnit)
class BusinessUnitAdmin(admin.ModelAdmin):
    search_fields = ("name",)


class ChannelForm(forms.ModelForm):
    """The webhook URL is a secret: typed, never shown again; empty keeps the current one."""

    webhook_url = forms.CharField(
        label="Incoming-webhook URL",
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"class": "vTextField"}),
        help_text="The URL Slack or Teams gave for the channel's incoming webhook (https). "
        "It is a secret: once saved it is not shown again (leave this empty to keep it).",
    )

    class Meta:
        model = Channel
        fields = ("name", "kind", "webhook_url", "business_unit", "active")

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"]
        if not url and self.instance.pk:
            return self.instance.webhook_url
        if not url:
            raise ValidationError("Enter the channel's incoming-webhook URL.")
        return url


@admin.action(description="Send a test message", permissions=["change"])
def send_test_message(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Channel]
) -> None:
    """Post a test message to each selected channel now, and say how it went."""
    for channel in queryset.order_by("name"):
        try:
            channel_test_send(channel=channel)
        except WebhookError as exc:
            modeladmin.message_user(
                request, f"{channel}: the test message failed: {exc}", messages.ERROR
            )
        else:
            modeladmin.message_user(request, f"{channel}: the test message was sent.")


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Slack and Teams channels: a business unit's, or the portfolio's (no business unit)."""

    form = ChannelForm
    list_display = ("name", "kind", "told_of", "active", "webhook")
    list_filter = ("kind", "active", "business_unit")
    list_select_related = ("business_unit",)
    search_fields = ("name",)
    readonly_fields = ("current_webhook",)
    actions = (send_test_message,)

    def get_fields(self, request: HttpRequest, obj: Channel | None = None) -> Any:
        fields = ("name", "kind", "webhook_url", "business_unit", "active")
        return ("name", "kind", "current_webhook", *fields[2:]) if obj else fields

    @admin.display(description="Told of", ordering="business_unit__name")
    def told_of(self, channel: Channel) -> str:
        return str(channel.business_unit) if channel.business_unit else "The whole portfolio"

    @admin.display(description="Webhook")
    def webhook(self, channel: Channel) -> str:
        return channel.webhook_masked

    @admin.display(description="Current webhook")
    def current_webhook(self, channel: Channel) -> str:
        return channel.webhook_masked


@admin.register(ChannelDelivery)
class ChannelDeliveryAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("channel", "pilot", "kind", "period", "status", "attempts", "sent_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("pilot__reference", "channel__name", "text")
    list_select_related = ("channel", "pilot")


@admin.register(InfrastructureAnswer)
class InfrastructureAnswerAdmin(ViewOnly, admin.ModelAdmin):
    list_display = (
        "pilot",
        "item",
        "answer",
        "evidence_url",
        "planned_on",
        "waiver_expires_on",
        "waiver_state",
    )
    list_filter = ("item", "answer", ("waiver_expires_on", admin.EmptyFieldListFilter))
    search_fields = ("pilot__reference", "pilot__title", "notes", "waiver_reason")
    list_select_related = ("pilot", "waiver_approved_by")

    @admin.display(description="Waiver")
    def waiver_state(self, answer: InfrastructureAnswer) -> str:
        """The waiver as the pilot page says it (the pilot page also says when it expired)."""
        if not answer.has_waiver:
            return "—"
        if answer.waiver_approved_at is None:
            return "Awaiting a lead's approval"
        who = answer.waiver_approved_by.get_username() if answer.waiver_approved_by else "?"
        return f"Approved by {who} on {formats.day(timezone.localdate(answer.waiver_approved_at))}"

    autocomplete_fields = ("pilot",)


@admin.register(OperatingPlan)
class OperatingPlanAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("pilot", "run_cost", "budget_holder", "budget_status")
    search_fields = (
        "pilot__reference",
        "pilot__title",
        "budget_holder__username",
        "budget_holder_note",
    )

    @admin.display(description="Run cost per month", ordering="run_cost_per_month")
    def run_cost(self, plan: OperatingPlan) -> str:
        return formats.money(plan.run_cost_per_month)

    list_select_related = ("pilot", "budget_holder")
    autocomplete_fields = ("pilot",)


@admin.register(PilotMembership)
class PilotMembershipAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("pilot", "user", "role")
    search_fields = ("pilot__reference", "user__username", "role")
    list_select_related = ("pilot", "user")
    autocomplete_fields = ("pilot", "user")


@admin.register(Heartbeat)
class HeartbeatAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("source", "hostname", "pid", "seen_at")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ViewOnly, admin.ModelAdmin):
    """What waits for the broker (relayed empty) and what went out in the last day;
    /health/ answers 503 once the oldest pending row is too old."""

    list_display = ("task", "created_at", "relayed_at", "attempts", "last_error_start")
    list_filter = (("relayed_at", admin.EmptyFieldListFilter), "task")
    date_hierarchy = "created_at"

    @admin.display(description="last error", ordering="last_error")
    def last_error_start(self, message: OutboxMessage) -> str:
        """The first words of a broker error (a traceback line can be very long): the
        list stays readable at 1280 px; the message's page shows all of it."""
        return Truncator(message.last_error).chars(80)


@admin.register(Reminder)
class ReminderAdmin(ViewOnly, admin.ModelAdmin):
    """Recorded by the sweep, changed only by delivery and the recipient's inbox."""

    list_display = (
        "kind",
        "pilot",
        "recipient",
        "period",
        "status",
        "created_at",
        "emailed_at",
        "read_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("pilot__reference", "recipient__username")
    list_select_related = ("pilot", "recipient")
    date_hierarchy = "created_at"


@admin.register(ReminderMute)
class ReminderMuteAdmin(ViewOnly, admin.ModelAdmin):
    """Each user sets their own in their profile (``reminder_mutes_set``)."""

    list_display = ("user", "kind", "muted_at")
    list_filter = ("kind",)
    search_fields = ("user__username",)
    list_select_related = ("user",)


@admin.register(DigestChoice)
class DigestChoiceAdmin(ViewOnly, admin.ModelAdmin):
    """Each user sets their own in their profile (``digest_choices_set``)."""

    list_display = ("user", "kind", "cadence")
    list_filter = ("cadence", "kind")
    search_fields = ("user__username",)
    list_select_related = ("user",)


@admin.register(Digest)
class DigestAdmin(ViewOnly, admin.ModelAdmin):
    """Recorded by the digest job, changed only by its delivery."""

    list_display = ("recipient", "cadence", "period", "status", "attempts", "emailed_at")
    list_filter = ("cadence", "status")
    search_fields = ("recipient__username",)
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


# Users: Django's admin, with the API tokens rule on "Change password" (revoked unless kept).
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    change_password_form = AdminPasswordKeepTokensForm
    change_user_password_template = "admin/auth/user/change_password_keep_tokens.html"  # noqa: S105
