"""Paths to a pilot's pages: the one place that says where each section is fixed.

``PilotLinks`` resolves each URL pattern once and then fills in references, so
a sweep or a recompute building thousands of links does not call ``reverse()``
per row; a view builds one and uses it for the request.

A *section* (of a ``MissingItem`` or a scorecard reason) names where a thing is
done. The registration sections are the registration steps of the same name,
which only those who may edit the registration can open; the others are done
on the pilot page, which everyone on the pilot can open.
"""

from __future__ import annotations

from django.urls import reverse

REGISTRATION_SECTIONS = frozenset(
    {"basics", "metric", "owner", "operations", "infrastructure", "plan"}
)
# The part of the pilot page where each section is shown: where the sections done
# on the page are done (readings, the handover plan, operations' acceptance, the
# gate decision), and where a registration section can be seen by everyone.
PAGE_ANCHORS = {
    "basics": "timeline",
    "metric": "metrics",
    "owner": "people",
    "operations": "people",
    "infrastructure": "infrastructure",
    "plan": "plan",
    "metrics": "metrics",
    "handover": "handover",
    "acceptance": "people",
    "decision": "decision",
    "checkins": "checkins",
    "checkpoint": "checkpoint",
    "operation": "operation",
    "contract": "contract",
    "succession": "succession",
}
_REFERENCE = "PIL-0000"


class PilotLinks:
    def __init__(self) -> None:
        self._detail = reverse("pilots:detail", args=[_REFERENCE])
        self._task_new = reverse("pilots:task_new", args=[_REFERENCE])
        self._successions = reverse("pilots:successions")
        self._steps = {
            section: reverse("pilots:register", args=[_REFERENCE, section])
            for section in REGISTRATION_SECTIONS
        }

    def detail(self, reference: str, anchor: str = "") -> str:
        path = self._detail.replace(_REFERENCE, reference)
        return f"{path}#{anchor}" if anchor else path

    def successions(self) -> str:
        """The roles waiting for the signed-in user's answer (a successor sees no pilot yet)."""
        return self._successions

    def task_new(self, reference: str) -> str:
        return self._task_new.replace(_REFERENCE, reference)

    def step(self, reference: str, section: str) -> str:
        """The registration step of that name."""
        return self._steps[section].replace(_REFERENCE, reference)

    def shown(self, reference: str, section: str) -> str:
        """The part of the pilot page that shows the section (``metric-<id>``: that metric)."""
        if section.startswith("metric-"):
            return self.detail(reference, section)
        return self.detail(reference, PAGE_ANCHORS.get(section, ""))

    def fix(self, reference: str, section: str, *, may_edit: bool) -> str:
        """Where someone does what ``section`` names, or "" when they can do nothing there.

        A registration section is done on its step, which only opens to
        someone who may edit the registration now (``may_edit``: their role
        and the pilot's stage, as ``Abilities.edit``); a section of the pilot
        page is done there.
        """
        if section in REGISTRATION_SECTIONS:
            return self.step(reference, section) if may_edit else ""
        return self.shown(reference, section)
