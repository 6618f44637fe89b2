"""A demo portfolio: about 25 pilots over every stage and every risk situation.

Refused under the production settings (``PILOTGATE_ALLOW_SEED_DEMO``): its
users share a published password and one is a superuser.

Idempotent: users are updated in place and a pilot that already exists (by
title) is left as it is, so a second run changes nothing. Every pilot is built
through the services, exactly as the web app would build it; dates are set
relative to the day of the first run so each risk situation is live.

It queues no scorecard refresh (one per service call would be ~700 tasks):
`make seed` recomputes every scorecard right after it (`recompute_scorecards
--history 8`), and on its own the worker's catch-up job scores new pilots
within 15 minutes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from pilots.demo import DEMO_PASSWORD, SPECS, USERS, Spec
from pilots.enums import (
    Cadence,
    Direction,
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    ReadingSource,
    Stage,
    SuccessionRole,
    TaskStatus,
)
from pilots.models import BusinessUnit, KnowledgeTransferTask, Pilot
from pilots.selectors.pilots import rule_settings
from pilots.services import (
    budget,
    checkins,
    checkpoints,
    gates,
    handover,
    metrics,
    operation,
    ownership,
    registration,
    succession,
)
from pilots.services.audit import refresh_skipped
from pilots.services.lessons import LessonWords
from pilots.services.notifications import notifications_skipped


class Command(BaseCommand):
    help = "Create the demo users and a demo portfolio of about 25 pilots (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.PILOTGATE_ALLOW_SEED_DEMO:
            raise CommandError(
                "seed_demo refuses to run under these settings (production): it would create "
                f"the superuser 'admin' and other users with the published password "
                f"{DEMO_PASSWORD!r}. Nothing was written. For a throw-away demo site, set "
                "PILOTGATE_ALLOW_SEED_DEMO=true."
            )
        today = timezone.localdate()
        with refresh_skipped(), notifications_skipped(), transaction.atomic():
            users = self._users()
            created = 0
            for spec in SPECS:
                if not Pilot.objects.filter(title=spec.title).exists():
                    self._build(spec, users, today)
                    created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo portfolio ready: {Pilot.objects.count()} pilots ({created} new)."
            )
        )
        self.stdout.write(
            f"Demo logins (password for all: {DEMO_PASSWORD}): " + ", ".join(USERS) + "."
        )

    def _users(self) -> dict[str, User]:
        user_model = get_user_model()
        users = {}
        for username, (first, last, groups, superuser) in USERS.items():
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": superuser,
                    "is_superuser": superuser,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            for name in groups:
                user.groups.add(Group.objects.get_or_create(name=name)[0])
            users[username] = user
        return users

    @staticmethod
    def _infrastructure(
        spec: Spec, pilot: Pilot, item: InfrastructureItem, start: date, today: date
    ) -> dict[str, Any]:
        """One checklist answer: "yes" with evidence, except the demo's waivers.

        A draft's security review is planned for week 2 under a waiver; ``spec.waiver``
        "planned": the security review is planned under a waiver the lead approved;
        "expired": monitoring is "no" under a waiver that ran out 12 days ago.
        """
        evidence = f"https://intranet.example.com/evidence/{pilot.reference}/{item}"
        security = item == InfrastructureItem.SECURITY_REVIEW
        if security and (spec.stage == Stage.DRAFT or spec.waiver == "planned"):
            return {
                "answer": InfrastructureAnswerValue.PLANNED,
                "notes": "Booked with the security team for week 2.",
                "planned_on": start + timedelta(days=14),
                "waiver_reason": "The pilot runs on anonymised data until the review; no "
                "customer data leaves the sandbox.",
                "waiver_expires_on": start + timedelta(days=30),
            }
        if item == InfrastructureItem.MONITORING and spec.waiver == "expired":
            return {
                "answer": InfrastructureAnswerValue.NO,
                "notes": "The platform team onboards new services quarterly.",
                "waiver_reason": "The team watches the pilot's dashboard daily until the "
                "platform team onboards it onto production alerting.",
                "waiver_expires_on": today - timedelta(days=12),
            }
        return {"answer": InfrastructureAnswerValue.YES, "evidence_url": evidence}

    def _build(self, spec: Spec, users: dict[str, User], today: date) -> None:
        sponsor, lead = users[spec.sponsor], users["lead"]
        owner = users[spec.owner] if spec.owner else None
        start = today + timedelta(days=spec.start)
        end = today + timedelta(days=spec.end)
        unit = BusinessUnit.objects.get_or_create(name=spec.unit)[0]
        pilot = registration.pilot_create(
            by=sponsor,
            title=spec.title,
            problem_statement=spec.problem,
            business_unit=unit,
            planned_start=start,
            planned_end=end,
            operations_owner=users[spec.ops] if spec.ops else None,
            receiving_team="" if spec.ops else f"{spec.unit} operations",
        )
        if spec.member:
            registration.member_add(
                pilot=pilot, by=sponsor, user=users[spec.member], role="ML engineer"
            )
        name, unit_label, direction, baseline, target = spec.metric
        # Measured in the week before the pilot (or before today, for one yet to start).
        measured_on = min(today, start) - timedelta(days=7)

        def provenance(method: str, source: str) -> dict[str, Any]:
            if not spec.provenance:
                return {}
            return {
                "baseline_measured_on": measured_on,
                "baseline_method": method,
                "baseline_source": source,
            }

        primary = metrics.metric_create(
            pilot=pilot,
            by=sponsor,
            name=name,
            kind=MetricKind.PRIMARY,
            unit=unit_label,
            direction=direction,
            baseline=Decimal(baseline),
            target=Decimal(target),
            target_date=end,
            cadence=Cadence.WEEKLY,
            data_source="Production data warehouse, nightly load",
            value_per_unit=Decimal(spec.value_per_unit) if spec.value_per_unit else None,
            **provenance(
                "4-week average before the pilot, from the weekly operations report",
                f"{spec.unit} weekly report",
            ),
        )
        tracked = [(primary, spec.progress)]
        if spec.segment:
            s_name, s_unit, s_dir, s_base, s_target = spec.segment
            segment = metrics.metric_create(
                pilot=pilot,
                by=sponsor,
                name=s_name,
                kind=MetricKind.CRITICAL_SEGMENT,
                unit=s_unit,
                direction=s_dir,
                baseline=Decimal(s_base),
                target=Decimal(s_target),
                target_date=end,
                cadence=Cadence.WEEKLY,
                data_source="Production data warehouse, segment view",
                **provenance(
                    "Share of the last 4 weeks' cases in the segment before the pilot",
                    f"{spec.unit} weekly report, segment view",
                ),
            )
            tracked.append((segment, spec.segment_progress))
        if spec.model_metric:
            model = metrics.metric_create(
                pilot=pilot,
                by=sponsor,
                name="Classifier accuracy",
                kind=MetricKind.MODEL,
                unit="%",
                direction=Direction.INCREASE,
                baseline=Decimal("88"),
                target=Decimal("95"),
                target_date=end,
                cadence=Cadence.WEEKLY,
                data_source="Offline evaluation set",
                **provenance(
                    "The current rules engine scored on the offline evaluation set",
                    "Offline evaluation set, v3",
                ),
            )
            tracked.append((model, 1.2))
        if spec.complete:
            # The checklist is answered in the week before the pilot (or before today).
            answered_on = min(today, start) - timedelta(days=7)
            for item in InfrastructureItem:
                registration.infrastructure_answer(
                    pilot=pilot,
                    by=sponsor,
                    item=item,
                    today=answered_on,
                    **self._infrastructure(spec, pilot, item, start, today),
                )
            registration.operating_plan_update(
                pilot=pilot,
                by=sponsor,
                run_cost_per_month=Decimal(spec.run_cost),
                support_model="Business-hours support by the receiving team; "
                "out-of-hours on the existing platform on-call rota.",
                monitoring_plan="Input drift, error rate and the primary metric on the "
                "production dashboard, alerting to the team channel.",
                incident_process="Raised in the service desk as a P2 against the application.",
                model_maintenance="Quarterly retraining on the last 12 months of data, with a "
                "re-validation sign-off by the business owner.",
                budget_holder=users["finance"],
            )
            if spec.budget_answer == "accept":
                budget.budget_accept(pilot=pilot, by=users["finance"])
        if owner:
            ownership.owner_nominate(pilot=pilot, by=sponsor, owner=owner)
            if spec.owner_answer == "decline":
                ownership.ownership_decline(
                    pilot=pilot,
                    by=owner,
                    reason="I do not run this process; try the legal operations manager.",
                )
            elif spec.owner_answer == "accept":
                ownership.ownership_accept(pilot=pilot, by=owner)
            elif spec.nominated_days_ago:
                # History, not a new action: the nomination was made days ago.
                Pilot.objects.filter(pk=pilot.pk).update(
                    owner_nominated_at=timezone.now() - timedelta(days=spec.nominated_days_ago)
                )
        if spec.rejected_once:
            gates.pilot_submit(pilot=pilot, by=sponsor)
            gates.pilot_reject(
                pilot=pilot,
                by=lead,
                reason="The baseline is from one region only; measure it across all regions.",
            )
        target_index = Stage.values.index(spec.stage)
        if target_index >= 1:
            gates.pilot_submit(pilot=pilot, by=sponsor)
        if target_index >= 2:
            gates.pilot_approve(
                pilot=pilot,
                by=lead,
                # Decided before the start (a waiver that has expired since was valid then).
                today=min(today, start - timedelta(days=1)),
                rationale="Metric, owner and operating plan are credible; production rails "
                "are in place.",
            )
        if spec.target_moved:
            new_target, why = spec.target_moved
            metrics.metric_update(
                metric=primary, by=sponsor, target=Decimal(new_target), reason=why
            )
        if target_index >= 3 and not (spec.stage == Stage.STOPPED and spec.start > 0):
            gates.pilot_start(pilot=pilot, by=sponsor, today=start)
            self._readings(pilot, tracked, start, today, spec, users)
        for title, kind, due, status in spec.tasks:
            assert owner is not None, "the business owner writes the handover plan"
            task = handover.task_create(
                pilot=pilot,
                by=owner,
                title=title,
                kind=kind,
                assignee=users[spec.member or "member"],
                receiver=users[spec.ops] if spec.ops else None,
                receiver_team="" if spec.ops else f"{spec.unit} operations",
                due_on=min(end, today + timedelta(days=due)),
            )
            # History: the plan was written in the pilot's first weeks, not today.
            KnowledgeTransferTask.objects.filter(pk=task.pk).update(
                created_at=timezone.make_aware(
                    datetime.combine(
                        min(today, start + timedelta(days=spec.plan_written_on)), time(10)
                    )
                )
            )
            if status in TaskStatus.COMPLETED:
                handover.task_complete(
                    task=task,
                    by=owner,
                    evidence_url=f"https://wiki.example.com/{pilot.reference}/handover/{task.pk}",
                )
            if status == TaskStatus.DONE:
                # The receiver signs off: the operations owner, or a lead for a team alone.
                handover.task_confirm(task=task, by=users[spec.ops] if spec.ops else lead)
            elif status == TaskStatus.WAITING:
                # History: completed days ago, so the receiver's reminder is live.
                KnowledgeTransferTask.objects.filter(pk=task.pk).update(
                    completed_at=timezone.now() - timedelta(days=5)
                )
        if spec.checkin is not None:
            assert owner is not None, "the business owner checks in"
            confidence, narrative, blockers = spec.checkin
            checkins.checkin_record(
                pilot=pilot, by=owner, confidence=confidence, narrative=narrative, blockers=blockers
            )
        if spec.operations_accepted:
            ownership.operations_accept(pilot=pilot, by=users[spec.ops] if spec.ops else lead)
        if spec.checkpoint:
            decision, rationale = spec.checkpoint
            checkpoints.checkpoint_record(
                pilot=pilot,
                by=lead,
                decision=decision,
                rationale=rationale,
                new_end=today + timedelta(days=spec.extend_to) if spec.extend_to else None,
                today=today,
            )
        lesson = None
        if spec.lesson is not None:
            worked, failed, modes, tags = spec.lesson
            lesson = LessonWords(
                what_worked=worked,
                what_failed=failed,
                failure_modes=tuple(mode.value for mode in modes),
                tags=tags,
            )
        if spec.stage == Stage.GRADUATED:
            ago = spec.graduated_days_ago
            gates.pilot_graduate(
                pilot=pilot,
                by=lead,
                rationale="Target reached and held for six weeks; operations runs it.",
                lesson=lesson,
                # History: a system in operation graduated on its planned end, or the
                # days ago its value reviews need.
                decided_at=_graduated_at(end, spec, ago),
            )
            if spec.after_graduation:
                self._operating(pilot, end, spec, users)
            if ago and spec.value_reviews:
                self._value_reviews(pilot, spec, users, today - timedelta(days=ago))
        elif spec.stage == Stage.STOPPED:
            gates.pilot_stop(
                pilot=pilot,
                by=lead,
                rationale="Decided with the sponsor at the gate review.",
                lessons_learned=spec.lessons,
                lesson=lesson,
            )
        if spec.succession == "orphaned" and owner is not None:
            owner.is_active = False  # left the company: the pilot is orphaned
            owner.save(update_fields=["is_active"])
        elif spec.succession == "handed_on":
            handed = succession.succession_nominate(
                pilot=pilot,
                by=sponsor,
                role=SuccessionRole.OPERATIONS,
                successor=users["ops2"],
                reason="Daniel moved to the data platform team; Grace's team runs the "
                "warehouse systems now.",
            )
            succession.succession_accept(succession=handed, by=users["ops2"])

    def _operating(self, pilot, end, spec, users) -> None:
        """The weekly readings after its graduation on its planned end."""
        primary = pilot.metrics.get(kind=MetricKind.PRIMARY)
        for week, value in enumerate(spec.after_graduation, start=1):
            metrics.reading_record(
                metric=primary,
                by=users[spec.owner],
                observed_on=end + timedelta(weeks=week),
                value=Decimal(value),
                source=ReadingSource.API,
            )

    def _value_reviews(self, pilot, spec: Spec, users: dict[str, User], graduated: date) -> None:
        """Each review recorded by the owner on its day, signed off by the sponsor and the
        lead a few days later (a signed-off retire ends the operation)."""
        days = rule_settings().value_review_days
        for due_day, (proposal, narrative, lessons) in zip(days, spec.value_reviews, strict=False):
            on = graduated + timedelta(days=due_day)
            review = operation.value_review_record(
                pilot=pilot,
                by=users[spec.owner or "owner"],
                still_used=proposal != "retire",
                worth_cost=proposal != "retire",
                narrative=narrative,
                proposal=proposal,
                lessons_learned=lessons,
                today=on,
            )
            for role, signer in (("sponsor", spec.sponsor), ("lead", "lead")):
                operation.value_review_sign(
                    review=review,
                    by=users[signer],
                    role=role,
                    decision="sign",
                    today=on + timedelta(days=3),
                )

    def _readings(self, pilot, tracked, start, today, spec, users) -> None:
        """Weekly readings from the start up to ``last_reading`` days ago."""
        recorder = users[spec.owner]
        last = today - timedelta(days=spec.last_reading)
        for metric, progress in tracked:
            span = max((metric.target_date - start).days, 1)
            day = start
            while day <= last:
                share = Decimal(str(round(min((day - start).days / span * progress, 1.3), 4)))
                value = metric.baseline + (metric.target - metric.baseline) * share
                metrics.reading_record(
                    metric=metric,
                    by=recorder,
                    observed_on=day,
                    value=value.quantize(Decimal("0.01")),
                    source=ReadingSource.API,
                )
                day += timedelta(days=7)


def _graduated_at(end, spec, ago):
    """When a demo pilot graduated: on its planned end when its operating series follows
    (``after_graduation``), ``ago`` days ago when its value reviews need it, else now."""
    if spec.after_graduation:
        return timezone.make_aware(datetime.combine(end, time(16)))
    return timezone.now() - timedelta(days=ago) if ago else None
