"""Paths to a pilot's pages: the one place that says where each section is fixed.

``PilotLinks`` resolves each URL pattern once and then fills in references, so
a sweep or a recompute building thousands of links does not call ``reverse()``
per row; a view builds one and uses it for the request.
"""

from __future__ import annotations

from django.urls import reverse

# The sections a MissingItem (or a scorecard reason) names that are registration
# steps of the same name; the others (handover, decision, ...) are parts of the
# pilot page.
REGISTRATION_SECTIONS = frozenset(
    {"basics", "metric", "owner", "operations", "infrastructure", "plan"}
)
_REFERENCE = "PIL-0000"


class PilotLinks:
    def __init__(self) -> None:
        self._detail = reverse("pilots:detail", args=[_REFERENCE])
        self._task_new = reverse("pilots:task_new", args=[_REFERENCE])
        self._steps = {
            section: reverse("pilots:register", args=[_REFERENCE, section])
            for section in REGISTRATION_SECTIONS
        }

    def detail(self, reference: str, anchor: str = "") -> str:
        path = self._detail.replace(_REFERENCE, reference)
        return f"{path}#{anchor}" if anchor else path

    def task_new(self, reference: str) -> str:
        return self._task_new.replace(_REFERENCE, reference)

    def step(self, reference: str, section: str) -> str:
        """The registration step of that name, else that part of the pilot page."""
        if section in self._steps:
            return self._steps[section].replace(_REFERENCE, reference)
        return self.detail(reference, section)
