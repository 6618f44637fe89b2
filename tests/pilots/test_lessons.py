"""The lessons library's write: record_lesson, and the decisions that record a lesson."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from pilots.enums import CheckpointChoice, FailureMode, LessonOccasion, Stage
from pilots.errors import TransitionRefused
from pilots.models import GateDecision, Lesson, Pilot, PilotEvent
from pilots.services import checkpoints, gates, handover, ownership
from pilots.services.lessons import LessonWords, record_lesson, tags_normalise
from tests import factories
from tests.pilots.test_checkpoints import IN_WINDOW


def stage_of(pilot: Pilot) -> str:
    return Pilot.objects.values_list("stage", flat=True).get(pk=pilot.pk)


# --- record_lesson ---------------------------------------------------------------------


def test_record_lesson_stores_the_lesson_and_its_event_with_the_values(running, lead):
    lesson = record_lesson(
        pilot=running,
        by=lead,
        occasion=LessonOccasion.STOP,
        words=LessonWords(
            what_worked="  Weekly owner check-ins. ",
            what_failed="The extract was curated by hand.",
            failure_modes=("metric_mirage", "lab_to_desk_gap"),
            tags="Data Quality, #vendor, data  quality",
        ),
    )

    stored = Lesson.objects.get()
    assert stored == lesson
    assert (stored.what_worked, stored.what_failed, stored.tags, stored.recorded_by) == (
        "Weekly owner check-ins.",
        "The extract was curated by hand.",
        ["data quality", "vendor"],
        lead,
    )
    assert stored.failure_modes == [FailureMode.LAB_TO_DESK_GAP, FailureMode.METRIC_MIRAGE]
    assert (stored.lab_to_desk_gap, stored.metric_mirage, stored.ownership_vacuum) == (
        True,
        True,
        False,
    )
    assert stored.search_text == (
        "Weekly owner check-ins.\nThe extract was curated by hand.\ndata quality vendor"
    )
    event = PilotEvent.objects.get(pilot=running, action=PilotEvent.Action.LESSON_RECORDED)
    assert event.actor == lead
    assert event.changes == {
        "occasion": [None, "stop"],
        "what_worked": [None, "Weekly owner check-ins."],
        "what_failed": [None, "The extract was curated by hand."],
        "failure_modes": [None, ["lab_to_desk_gap", "metric_mirage"]],
        "tags": [None, ["data quality", "vendor"]],
    }


def test_record_lesson_takes_no_failure_mode_and_no_tag(running, lead):
    lesson = record_lesson(
        pilot=running,
        by=lead,
        occasion=LessonOccasion.GRADUATION,
        words=LessonWords(what_worked="Production CI/CD from sprint one."),
    )
    assert (lesson.failure_modes, lesson.tags, lesson.what_failed) == ([], [], "")


@pytest.mark.parametrize(
    ("words", "errors"),
    [
        (LessonWords(what_worked=" ", what_failed=""), {"what_failed"}),
        (LessonWords(what_failed="x", failure_modes=("vendor_lockin",)), {"failure_modes"}),
        (LessonWords(what_failed="x", tags="a,b,c,d,e,f,g"), {"tags"}),
        (LessonWords(what_failed="x", tags=["t" * 31]), {"tags"}),
        (
            LessonWords(what_worked="x" * 4001, what_failed="y" * 4001),
            {"what_worked", "what_failed"},
        ),
        (
            LessonWords(failure_modes=("nope",), tags="a,b,c,d,e,f,g"),
            {"what_failed", "failure_modes", "tags"},
        ),
    ],
)
def test_record_lesson_refuses_bad_words_naming_each_field_and_writes_nothing(
    running, lead, words, errors
):
    with pytest.raises(ValidationError) as refused:
        record_lesson(pilot=running, by=lead, occasion=LessonOccasion.STOP, words=words)
    assert set(refused.value.message_dict) == errors
    assert not Lesson.objects.exists()
    assert not PilotEvent.objects.filter(action=PilotEvent.Action.LESSON_RECORDED).exists()


def test_record_lesson_refuses_an_unknown_occasion(running, lead):
    with pytest.raises(ValidationError) as refused:
        record_lesson(pilot=running, by=lead, occasion="retro", words=LessonWords(what_failed="x"))
    assert set(refused.value.message_dict) == {"occasion"}


def test_the_value_review_occasion_exists_for_the_reviews():
    assert LessonOccasion.VALUE_REVIEW.value == "value_review"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Data, vendor", ["data", "vendor"]),
        ("  #Data  Quality ;data quality\nOPS ", ["data quality", "ops"]),
        (["Vendor", "vendor", " ", "#x"], ["vendor", "x"]),
        ("", []),
    ],
)
def test_tags_are_lower_case_without_blanks_or_duplicates(given, expected):
    assert tags_normalise(given) == expected


# --- The decisions that record a lesson ------------------------------------------------


def test_stop_records_the_structured_lesson_with_the_decision(running, lead):
    decision = gates.pilot_stop(
        pilot=running,
        by=lead,
        rationale="No uplift.",
        lesson=LessonWords(
            what_worked="The owner's check-ins.",
            what_failed="Nobody owned the data feed.",
            failure_modes=("ownership_vacuum",),
            tags="data",
        ),
    )

    assert stage_of(running) == Stage.STOPPED
    assert decision.lessons_learned == (
        "What worked: The owner's check-ins.\n\nWhat failed: Nobody owned the data feed."
    )
    lesson = Lesson.objects.get(pilot=running)
    assert (lesson.occasion, lesson.failure_modes, lesson.tags, lesson.recorded_by) == (
        LessonOccasion.STOP,
        [FailureMode.OWNERSHIP_VACUUM],
        ["data"],
        lead,
    )


def test_stop_with_the_plain_text_records_it_as_what_failed(running, lead):
    """The API's and the admin's ``lessons_learned``: kept on the decision, and a lesson."""
    decision = gates.pilot_stop(
        pilot=running, by=lead, rationale="No uplift.", lessons_learned="Fund data first."
    )
    assert decision.lessons_learned == "Fund data first."
    assert list(Lesson.objects.values_list("occasion", "what_worked", "what_failed")) == [
        ("stop", "", "Fund data first.")
    ]


def test_stop_without_any_lesson_is_refused_and_writes_nothing(running, lead):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_stop(pilot=running, by=lead, rationale="No.", lesson=LessonWords(tags="x"))
    assert [item.code for item in refused.value.missing] == ["lessons_learned"]
    assert stage_of(running) == Stage.RUNNING
    assert not Lesson.objects.exists()


def test_a_bad_lesson_rolls_the_stop_back(running, lead):
    """The decision and its lesson are one transaction: a refused lesson leaves no stop."""
    with pytest.raises(ValidationError):
        gates.pilot_stop(
            pilot=running,
            by=lead,
            rationale="No uplift.",
            lesson=LessonWords(what_failed="x", failure_modes=("nope",)),
        )
    assert stage_of(running) == Stage.RUNNING
    assert not GateDecision.objects.filter(pilot=running, to_stage=Stage.STOPPED).exists()
    assert not PilotEvent.objects.filter(
        pilot=running, action=PilotEvent.Action.STAGE_CHANGED, changes__stage__1="stopped"
    ).exists()
    assert not Lesson.objects.exists()


@pytest.fixture
def graduable(running, member, ops):
    task = factories.TaskFactory(pilot=running, assignee=member)
    handover.task_complete(task=task, by=member, evidence_url="https://wiki.example.com/rb")
    handover.task_confirm(task=task, by=ops)
    ownership.operations_accept(pilot=running, by=ops)
    return running


def test_graduation_records_its_lesson_when_one_is_written(graduable, lead):
    decision = gates.pilot_graduate(
        pilot=graduable,
        by=lead,
        rationale="Target held.",
        lesson=LessonWords(what_worked="Ops shadowed the team for a month.", tags="handover"),
    )
    assert decision.lessons_learned == "What worked: Ops shadowed the team for a month."
    lesson = Lesson.objects.get(pilot=graduable)
    assert (lesson.occasion, lesson.what_worked, lesson.tags) == (
        LessonOccasion.GRADUATION,
        "Ops shadowed the team for a month.",
        ["handover"],
    )


def test_graduation_without_a_lesson_graduates_and_records_none(graduable, lead):
    gates.pilot_graduate(pilot=graduable, by=lead, rationale="Target held.", lesson=LessonWords())
    assert stage_of(graduable) == Stage.GRADUATED
    assert not Lesson.objects.exists()


def test_a_bad_graduation_lesson_rolls_the_graduation_back(graduable, lead):
    with pytest.raises(ValidationError):
        gates.pilot_graduate(
            pilot=graduable,
            by=lead,
            rationale="Target held.",
            lesson=LessonWords(what_worked="x", tags="a,b,c,d,e,f,g"),
        )
    assert stage_of(graduable) == Stage.RUNNING
    assert not Lesson.objects.exists()


def test_the_checkpoint_stop_records_its_lesson(running, lead):
    checkpoints.checkpoint_record(
        pilot=running,
        by=lead,
        decision=CheckpointChoice.STOP,
        rationale="No receiving team will take it.",
        lesson=LessonWords(
            what_failed="Name the receiving team before approval.",
            failure_modes=("ownership_vacuum",),
        ),
        today=IN_WINDOW,
    )
    assert stage_of(running) == Stage.STOPPED
    lesson = Lesson.objects.get(pilot=running)
    assert (lesson.occasion, lesson.what_failed, lesson.failure_modes) == (
        LessonOccasion.STOP,
        "Name the receiving team before approval.",
        [FailureMode.OWNERSHIP_VACUUM],
    )


def test_the_checkpoint_stop_without_a_lesson_names_the_field(running, lead):
    with pytest.raises(ValidationError) as refused:
        checkpoints.checkpoint_record(
            pilot=running,
            by=lead,
            decision=CheckpointChoice.STOP,
            rationale="No.",
            lesson=LessonWords(),
            today=IN_WINDOW,
        )
    assert set(refused.value.message_dict) == {"what_failed"}
    assert stage_of(running) == Stage.RUNNING


# --- The data migration ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_each_stop_decisions_lessons_into_the_library():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("pilots", "0018_digests")], [("pilots", "0019_lessons")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(username="lead")
    Pilot_ = old.get_model("pilots", "Pilot")
    Decision = old.get_model("pilots", "GateDecision")
    stopped = Pilot_.objects.create(reference="PIL-0001", title="Stopped", sponsor=user)
    running = Pilot_.objects.create(reference="PIL-0002", title="Running", sponsor=user)
    at = datetime(2026, 2, 1, 10, tzinfo=UTC)
    Decision.objects.create(
        pilot=stopped,
        decided_by=user,
        decided_at=at,
        from_stage="running",
        to_stage="stopped",
        rationale="No uplift.",
        lessons_learned=" Agree the data source first. ",
    )
    Decision.objects.create(
        pilot=running, decided_by=user, from_stage="approved", to_stage="running", rationale="Go"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("pilots", "Lesson")
    assert list(
        new.objects.values_list(
            "pilot__reference", "occasion", "what_worked", "what_failed", "search_text"
        )
    ) == [("PIL-0001", "stop", "", "Agree the data source first.", "Agree the data source first.")]
    assert new.objects.values_list("recorded_by__username", "recorded_at").get() == ("lead", at)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
