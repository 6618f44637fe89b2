"""Recording lessons learned: the one write of the lessons library.

``record_lesson`` is called by the decisions that ask for a lesson (stop and
graduation in ``pilots.services.gates``, the checkpoint's stop through
``pilot_stop``; a value review's decision after the merge), inside their
transaction: the decision and its lesson commit or roll back together. It checks
what was written, not who writes: the calling decision checked that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilots.enums import FailureMode, LessonOccasion
from pilots.models import Lesson, Pilot, PilotEvent
from pilots.models.lessons import TAG_MAX_LENGTH, TAGS_MAX, TEXT_MAX
from pilots.services.audit import event_record, plain

_TAG_SEPARATORS = re.compile(r"[,;\n]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class LessonWords:
    """What a person wrote for a lesson (a form's, the admin's or the API's input).

    ``tags``: a list, or one text separated by commas (normalised by ``tags_normalise``).
    """

    what_worked: str = ""
    what_failed: str = ""
    failure_modes: tuple[str, ...] = ()
    tags: tuple[str, ...] | str = field(default=())

    @property
    def is_blank(self) -> bool:
        """Nothing written: no lesson to record."""
        return not (self.what_worked.strip() or self.what_failed.strip())

    def as_text(self) -> str:
        """The lesson in one text, as a gate decision's ``lessons_learned`` keeps it."""
        parts = []
        if self.what_worked.strip():
            parts.append(f"What worked: {self.what_worked.strip()}")
        if self.what_failed.strip():
            parts.append(f"What failed: {self.what_failed.strip()}")
        return "\n\n".join(parts)


def tags_normalise(tags: Iterable[str] | str) -> list[str]:
    """Lower-case tags without blanks, duplicates or a leading "#", in the order given.

    ``"Data quality, #vendor,  data QUALITY"`` → ``["data quality", "vendor"]``.
    """
    raw = _TAG_SEPARATORS.split(tags) if isinstance(tags, str) else list(tags)
    normalised: list[str] = []
    for tag in raw:
        clean = _SPACES.sub(" ", str(tag)).strip().lstrip("#").strip().lower()
        if clean and clean not in normalised:
            normalised.append(clean)
    return normalised


def search_text(*, what_worked: str, what_failed: str, tags: list[str]) -> str:
    """What the library's search reads for one lesson (``Lesson.search_text``)."""
    return "\n".join(part for part in (what_worked, what_failed, " ".join(tags)) if part)


def _clean(words: LessonWords) -> tuple[str, str, set[str], list[str]]:
    """The validated values, or one ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    worked, failed = words.what_worked.strip(), words.what_failed.strip()
    if not (worked or failed):
        errors["what_failed"] = "Write what worked or what failed (or both)."
    for name, text in (("what_worked", worked), ("what_failed", failed)):
        if len(text) > TEXT_MAX:
            errors[name] = f"At most {TEXT_MAX} characters (this has {len(text)})."
    modes = set(words.failure_modes)
    unknown = sorted(modes - set(FailureMode.values))
    if unknown:
        errors["failure_modes"] = (
            f"Unknown failure mode: {', '.join(unknown)}. Choose among "
            f"{', '.join(FailureMode.values)}."
        )
    tags = tags_normalise(words.tags)
    too_long = [tag for tag in tags if len(tag) > TAG_MAX_LENGTH]
    if too_long:
        errors["tags"] = f"A tag has at most {TAG_MAX_LENGTH} characters: “{too_long[0]}”."
    elif len(tags) > TAGS_MAX:
        errors["tags"] = f"At most {TAGS_MAX} tags (a handful); this has {len(tags)}."
    if errors:
        raise ValidationError(errors)
    return worked, failed, modes, tags


@transaction.atomic
def record_lesson(
    *,
    pilot: Pilot,
    by: User,
    occasion: LessonOccasion | str,
    words: LessonWords,
) -> Lesson:
    """Record one lesson on ``pilot`` with its audit event (the values it wrote).

    ``ValidationError`` (field errors: ``what_worked``, ``what_failed``,
    ``failure_modes``, ``tags``) when nothing is written, a text is too long, a
    failure mode is unknown (``FailureMode`` values) or there are more than
    ``TAGS_MAX`` tags; nothing is written then.
    """
    if occasion not in LessonOccasion.values:
        raise ValidationError({"occasion": f"Unknown occasion: {occasion}."})
    worked, failed, modes, tags = _clean(words)
    lesson = Lesson(
        pilot=pilot,
        occasion=LessonOccasion(occasion),
        what_worked=worked,
        what_failed=failed,
        tags=tags,
        search_text=search_text(what_worked=worked, what_failed=failed, tags=tags),
        recorded_by=by,
        recorded_at=timezone.now(),
        **{mode: mode in modes for mode in FailureMode.values},
    )
    lesson.full_clean()
    lesson.save()
    changes: dict[str, list[object]] = {"occasion": [None, lesson.occasion]}
    for name in ("what_worked", "what_failed"):
        if getattr(lesson, name):
            changes[name] = [None, plain(getattr(lesson, name))]
    if lesson.failure_modes:
        changes["failure_modes"] = [None, [mode.value for mode in lesson.failure_modes]]
    if tags:
        changes["tags"] = [None, tags]
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.LESSON_RECORDED,
        subject=f"Lesson at {LessonOccasion(occasion).label.lower()}",
        changes=changes,
    )
    return lesson
