"""The operating phase and its value reviews: schedule, who records and signs, retirement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pilots import rules
from pilots.enums import ReminderKind, SignOffDecision, SignOffRole, Stage, ValueReviewProposal
from pilots.errors import NotAllowed, TransitionRefused
from pilots.models import Pilot, PilotEvent, Reminder, ValueReview, ValueReviewSignOff
from pilots.selectors.pilots import rule_settings
from pilots.services import operation
from scorecards.scoring import Risk
from tests import factories

GRADUATED_AT = datetime(2026, 7, 6, 10, tzinfo=UTC)
GRADUATED_ON = date(2026, 7, 6)
DAY_90 = GRADUATED_ON + timedelta(days=90)  # 4 Oct 2026


@pytest.fixture
def graduated(running, owner, ops, lead, time_machine):
    time_machine.move_to(GRADUATED_AT, tick=False)
    factories.ReadingFactory(
        metric=running.metrics.get(), observed_on=date(2026, 7, 1), value=Decimal("20")
    )
    return factories.graduate(running, owner=owner, ops=ops, lead=lead)


def codes(refused: pytest.ExceptionInfo[TransitionRefused]) -> list[str]:
    return [item.code for item in refused.value.missing]


def record(pilot, by, proposal=ValueReviewProposal.SUSTAIN, *, today=DAY_90, **words):
    words.setdefault("narrative", "Handles a third of the claims; the team relies on it.")
    words.setdefault("still_used", True)
    words.setdefault("worth_cost", True)
    return operation.value_review_record(
        pilot=pilot, by=by, proposal=proposal, today=today, **words
    )


def sign(review, by, role, decision=SignOffDecision.SIGN, *, today=DAY_90, reason=""):
    return operation.value_review_sign(
        review=review, by=by, role=role, decision=decision, reason=reason, today=today
    )


# --- The rules: plain values -------------------------------------------------------------

RULES = rule_settings()


def test_in_operation_for_the_operation_months_after_graduation_unless_retired():
    kw = {"stage": Stage.GRADUATED, "graduated_on": date(2026, 1, 31), "rules": RULES}
    assert rules.operation_until(graduated_on=date(2026, 1, 31), rules=RULES) == date(2027, 1, 31)
    assert rules.in_operation(operation_ended_on=None, today=date(2027, 1, 31), **kw)
    assert not rules.in_operation(operation_ended_on=None, today=date(2027, 2, 1), **kw)
    assert not rules.in_operation(operation_ended_on=date(2026, 6, 1), today=date(2026, 6, 1), **kw)
    assert not rules.in_operation(
        stage=Stage.RUNNING,
        graduated_on=None,
        operation_ended_on=None,
        today=date(2026, 6, 1),
        rules=RULES,
    )


def test_a_month_later_than_a_shorter_month_is_its_last_day():
    from pilots.timeline import add_months

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 15), 2) == date(2028, 2, 15)


def test_the_review_owed_is_the_earliest_unsigned_day_that_has_come():
    kw = {
        "stage": Stage.GRADUATED,
        "graduated_on": GRADUATED_ON,
        "operation_ended_on": None,
        "rules": RULES,
    }
    assert rules.value_review_owed(signed_through=None, today=DAY_90 - timedelta(1), **kw) is None
    owed = rules.value_review_owed(signed_through=None, today=DAY_90, **kw)
    assert (owed.due_day, owed.due_on, owed.overdue_on) == (90, DAY_90, DAY_90 + timedelta(14))
    assert not owed.overdue(DAY_90 + timedelta(13))
    assert owed.overdue(DAY_90 + timedelta(14))
    # Signed at 90: nothing until 180; at 200 the 180-day one.
    assert rules.value_review_owed(signed_through=90, today=DAY_90 + timedelta(30), **kw) is None
    later = rules.value_review_owed(signed_through=90, today=GRADUATED_ON + timedelta(200), **kw)
    assert later.due_day == 180
    # The last review is owed after the operation's natural end; none after the last.
    assert rules.value_review_owed(signed_through=365, today=date(2028, 1, 1), **kw) is None
    retired = {**kw, "operation_ended_on": DAY_90}
    assert rules.value_review_owed(signed_through=None, today=date(2027, 1, 1), **retired) is None


def test_the_review_days_setting_takes_a_list_or_text(settings):
    from pilots.services.settings import review_days

    assert review_days("30, 60") == (30, 60)
    assert review_days([365, 90]) == (90, 365)
    settings.PILOTGATE_VALUE_REVIEW_DAYS = "30,60"
    assert rule_settings().value_review_days == (30, 60)


# --- Recording -------------------------------------------------------------------------------


def test_the_owner_records_the_owed_review_with_the_latest_reading_and_its_event(
    graduated, owner, sponsor, lead
):
    review = record(graduated, owner)

    assert (review.due_day, review.due_on, review.metric_value) == (90, DAY_90, Decimal("20"))
    assert (review.still_used, review.worth_cost, review.proposal) == (True, True, "sustain")
    event = PilotEvent.objects.get(action=PilotEvent.Action.VALUE_REVIEW_RECORDED)
    assert event.actor == owner
    assert event.changes["proposal"] == [None, "sustain"]
    assert event.changes["metric_value"] == [None, "20"]
    told = set(
        Reminder.objects.filter(kind=ReminderKind.VALUE_REVIEW_RECORDED).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"sponsor", "lead"}


def test_only_the_accepted_owner_records(graduated, sponsor, lead, ops):
    for person in (sponsor, lead, ops):
        with pytest.raises(NotAllowed):
            record(graduated, person)
    assert not ValueReview.objects.exists()


def test_a_review_before_its_day_or_on_a_running_pilot_is_refused(graduated, running, owner):
    with pytest.raises(TransitionRefused) as refused:
        record(graduated, owner, today=DAY_90 - timedelta(days=1))
    assert codes(refused) == ["not_due"]
    assert not ValueReview.objects.exists()


def test_a_running_pilot_has_no_value_review(running, owner):
    with pytest.raises(TransitionRefused) as refused:
        record(running, owner)
    assert codes(refused) == ["stage"]


def test_bad_words_change_nothing(graduated, owner):
    with pytest.raises(ValidationError) as invalid:
        record(graduated, owner, ValueReviewProposal.RETIRE, narrative=" ", lessons_learned="")
    assert set(invalid.value.message_dict) == {"narrative", "lessons_learned"}
    with pytest.raises(ValidationError) as invalid:
        record(graduated, owner, "scrap")
    assert set(invalid.value.message_dict) == {"proposal"}
    assert not ValueReview.objects.exists()
    assert not PilotEvent.objects.filter(action=PilotEvent.Action.VALUE_REVIEW_RECORDED).exists()


def test_a_review_waiting_for_sign_off_is_not_recorded_twice(graduated, owner):
    record(graduated, owner)
    with pytest.raises(TransitionRefused) as refused:
        record(graduated, owner)
    assert codes(refused) == ["waiting_for_signoff"]
    assert ValueReview.objects.count() == 1


# --- Signing off ---------------------------------------------------------------------------


def test_sponsor_and_an_independent_lead_sign_off_and_the_next_review_is_owed_later(
    graduated, owner, sponsor, lead
):
    review = record(graduated, owner)
    sign(review, sponsor, SignOffRole.SPONSOR)
    assert operation.owed_review(graduated, today=DAY_90).due_day == 90  # one of two
    sign(review, lead, SignOffRole.LEAD)

    assert list(review.signoffs.values_list("role", "decision", "by__username")) == [
        ("sponsor", "sign", "sponsor"),
        ("lead", "sign", "lead"),
    ]
    assert operation.owed_review(graduated, today=DAY_90) is None
    assert operation.owed_review(graduated, today=GRADUATED_ON + timedelta(180)).due_day == 180
    subjects = list(
        PilotEvent.objects.filter(action=PilotEvent.Action.VALUE_REVIEW_SIGNED)
        .order_by("pk")
        .values_list("subject", "actor__username")
    )
    assert subjects == [
        ("90-day value review signed off by the sponsor", "sponsor"),
        ("90-day value review signed off by the portfolio lead", "lead"),
    ]
    told = set(
        Reminder.objects.filter(kind=ReminderKind.VALUE_REVIEW_SIGNED).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"owner", "sponsor", "ops"} - {"lead"}


def test_who_may_sign_as_whom(graduated, owner, sponsor, lead, ops):
    review = record(graduated, owner)
    for person, role in [
        (lead, SignOffRole.SPONSOR),
        (owner, SignOffRole.LEAD),
        (sponsor, SignOffRole.LEAD),
        (ops, SignOffRole.LEAD),
    ]:
        with pytest.raises(NotAllowed):
            sign(review, person, role)
    assert not ValueReviewSignOff.objects.exists()


def test_a_lead_who_sponsors_the_pilot_is_not_independent(graduated, owner, sponsor, lead):
    from django.contrib.auth.models import Group

    from pilots.enums import PORTFOLIO_LEADS_GROUP

    sponsor.groups.add(Group.objects.get(name=PORTFOLIO_LEADS_GROUP))
    review = record(graduated, owner)
    with pytest.raises(NotAllowed) as refused:
        sign(review, sponsor, SignOffRole.LEAD)
    assert "neither this pilot's sponsor nor its business owner" in str(refused.value)
    from pilots.permissions import pilot_roles

    assert operation.signoff_role_for(pilot_roles(sponsor, graduated)) == SignOffRole.SPONSOR


def test_signing_twice_is_refused(graduated, owner, sponsor):
    review = record(graduated, owner)
    sign(review, sponsor, SignOffRole.SPONSOR)
    with pytest.raises(TransitionRefused) as refused:
        sign(review, sponsor, SignOffRole.SPONSOR)
    assert codes(refused) == ["already_signed"]


def test_a_refusal_needs_a_reason_and_sends_the_review_back_to_the_owner(
    graduated, owner, sponsor, lead
):
    review = record(graduated, owner)
    with pytest.raises(ValidationError) as invalid:
        sign(review, lead, SignOffRole.LEAD, SignOffDecision.REFUSE, reason="  ")
    assert set(invalid.value.message_dict) == {"reason"}
    assert not ValueReviewSignOff.objects.exists()

    sign(review, lead, SignOffRole.LEAD, SignOffDecision.REFUSE, reason="No usage figures.")
    assert Reminder.objects.get(kind=ReminderKind.VALUE_REVIEW_REFUSED).recipient == owner
    # The refused review is closed: nobody signs it; the owner records it again.
    with pytest.raises(TransitionRefused) as refused:
        sign(review, sponsor, SignOffRole.SPONSOR)
    assert codes(refused) == ["not_waiting"]
    again = record(graduated, owner, narrative="Used by 40 agents a day (usage log attached).")
    assert again.due_day == 90
    sign(again, sponsor, SignOffRole.SPONSOR)
    sign(again, lead, SignOffRole.LEAD)
    assert operation.owed_review(graduated, today=DAY_90) is None


def test_retire_signed_off_by_both_ends_the_operation_with_the_lessons(
    graduated, owner, sponsor, lead
):
    review = record(
        graduated,
        owner,
        ValueReviewProposal.RETIRE,
        still_used=False,
        worth_cost=False,
        lessons_learned="The process changed under it; nobody owned the retraining.",
    )
    sign(review, lead, SignOffRole.LEAD)
    assert Pilot.objects.get(pk=graduated.pk).operation_ended_on is None  # one of two
    sign(review, sponsor, SignOffRole.SPONSOR, today=DAY_90 + timedelta(days=2))

    pilot = Pilot.objects.get(pk=graduated.pk)
    assert pilot.operation_ended_on == DAY_90 + timedelta(days=2)
    assert pilot.stage == Stage.GRADUATED
    assert pilot.operation_end_reason.startswith("Retired at the 90-day value review: ")
    event = PilotEvent.objects.get(action=PilotEvent.Action.OPERATION_ENDED)
    assert event.reason == (
        "Lessons learned: The process changed under it; nobody owned the retraining."
    )
    assert event.changes == {"operation_ended_on": [None, "2026-10-06"]}
    # Retired: no review owed, none recorded.
    assert operation.owed_review(pilot, today=GRADUATED_ON + timedelta(200)) is None
    with pytest.raises(TransitionRefused) as refused:
        record(pilot, owner, today=GRADUATED_ON + timedelta(200))
    assert codes(refused) == ["operation_ended"]


def test_sustain_signed_off_does_not_end_the_operation(graduated, owner, sponsor, lead):
    review = record(graduated, owner)
    sign(review, sponsor, SignOffRole.SPONSOR)
    sign(review, lead, SignOffRole.LEAD)
    assert Pilot.objects.get(pk=graduated.pk).operation_ended_on is None


# --- The scorecard and the reminders ask the same rule ---------------------------------------


def reasons_on(pilot, today):
    from scorecards.models import Scorecard
    from scorecards.services import scorecards_recompute

    scorecards_recompute(today=today)
    return {r["code"]: r["risk"] for r in Scorecard.objects.get(pilot=pilot).reasons}


def test_the_scorecard_says_value_review_due_until_both_sign_off(graduated, owner, sponsor, lead):
    assert "VALUE_REVIEW_DUE" not in reasons_on(graduated, DAY_90 - timedelta(days=1))
    assert reasons_on(graduated, DAY_90)["VALUE_REVIEW_DUE"] == Risk.WATCH
    assert reasons_on(graduated, DAY_90 + timedelta(days=14))["VALUE_REVIEW_DUE"] == Risk.AT_RISK
    review = record(graduated, owner)
    sign(review, sponsor, SignOffRole.SPONSOR)
    assert "VALUE_REVIEW_DUE" in reasons_on(graduated, DAY_90 + timedelta(days=14))
    sign(review, lead, SignOffRole.LEAD)
    assert "VALUE_REVIEW_DUE" not in reasons_on(graduated, DAY_90 + timedelta(days=14))


def due_kinds(day, kinds):
    from pilots.reminders.rules import reminders_due

    return sorted(
        (item.kind, item.recipient_id) for item in reminders_due(day) if item.kind in kinds
    )


def test_the_owner_is_reminded_of_an_owed_review_until_it_is_recorded(graduated, owner, sponsor):
    kinds = {ReminderKind.VALUE_REVIEW_DUE}
    assert due_kinds(DAY_90 - timedelta(days=1), kinds) == []
    assert due_kinds(DAY_90, kinds) == [(ReminderKind.VALUE_REVIEW_DUE, owner.pk)]
    from pilots.reminders.rules import reminders_due

    (item,) = [i for i in reminders_due(DAY_90 + timedelta(days=20)) if i.kind in kinds]
    assert item.reason == (
        f"The 90-day value review of {graduated.reference} was due on 4 Oct 2026 and is "
        "overdue since 18 Oct 2026."
    )
    assert item.link.endswith("#operation")
    record(graduated, owner)
    assert due_kinds(DAY_90 + timedelta(days=20), kinds) == []


def test_a_review_waiting_for_sign_off_reminds_the_signers_who_have_not_answered(
    graduated, owner, sponsor, lead, lead2, time_machine
):
    kinds = {ReminderKind.VALUE_REVIEW_SIGNOFF}
    time_machine.move_to(datetime(2026, 10, 4, 9, tzinfo=UTC), tick=False)
    review = record(graduated, owner)
    assert due_kinds(DAY_90 + timedelta(days=14), kinds) == []  # within the grace days
    later = DAY_90 + timedelta(days=15)
    signoff = ReminderKind.VALUE_REVIEW_SIGNOFF
    assert due_kinds(later, kinds) == sorted(
        [(signoff, sponsor.pk), (signoff, lead.pk), (signoff, lead2.pk)]
    )
    sign(review, lead, SignOffRole.LEAD)
    assert due_kinds(later, kinds) == [(signoff, sponsor.pk)]
    sign(review, sponsor, SignOffRole.SPONSOR)
    assert due_kinds(later, kinds) == []


def test_a_refused_review_reminds_the_owner_again_not_the_signers(graduated, owner, sponsor, lead):
    review = record(graduated, owner)
    sign(review, sponsor, SignOffRole.SPONSOR, SignOffDecision.REFUSE, reason="No figures.")
    later = DAY_90 + timedelta(days=20)
    assert due_kinds(later, {ReminderKind.VALUE_REVIEW_SIGNOFF}) == []
    assert due_kinds(later, {ReminderKind.VALUE_REVIEW_DUE}) == [
        (ReminderKind.VALUE_REVIEW_DUE, owner.pk)
    ]
