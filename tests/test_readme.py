"""The README's tables and layout are checked against the code, so they cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from pilots.enums import ReminderKind
from pilots.reminders.rules import KINDS
from scorecards.scoring import REASONS, Practice

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

# How the README names each practice.
PRACTICE_WORDS = {
    Practice.OWNERSHIP: "ownership",
    Practice.METRIC: "business metric",
    Practice.INFRASTRUCTURE: "infrastructure",
    Practice.HANDOVER: "handover",
}


def table_after(heading: str, first_column: str) -> list[list[str]]:
    """The rows (cells, stripped) of the first table under ``heading`` whose header starts
    with ``first_column``."""
    section = README[README.index(heading) :]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_column} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_reminder_table_lists_every_registered_kind_in_order():
    rows = table_after("## Reminders", "reminder")
    assert [row[0] for row in rows] == [kind.replace("_", " ") for kind in KINDS]


def test_the_reminder_table_says_which_kinds_may_be_muted_and_which_go_to_the_leads():
    for name, _due, to, muted in table_after("## Reminders", "reminder"):
        kind = KINDS[name.replace(" ", "_")]
        assert muted == ("yes" if kind.mutable else "no"), name
        assert ("portfolio leads" in to) == kind.to_leads, name


def test_the_notification_table_lists_every_event_kind_in_order_and_which_may_be_muted():
    rows = table_after("### Notifications, at once", "notification")
    events = [kind for kind in ReminderKind if kind in ReminderKind.EVENTS]
    assert [row[0] for row in rows] == [kind.value.replace("_", " ") for kind in events]
    for name, _when, _to, muted in rows:
        kind = name.replace(" ", "_")
        assert muted == ("yes" if kind in ReminderKind.MUTABLE else "no"), name


def test_the_reason_table_lists_every_registered_code_in_order_with_its_practice():
    rows = table_after("## Scorecards", "code")
    assert [row[0].strip("`") for row in rows] == list(REASONS)
    for code, practice, *_ in rows:
        assert practice == PRACTICE_WORDS[REASONS[code.strip("`")].practice], code


def test_the_layout_names_every_module_and_package_of_both_apps():
    layout = README[README.index("## How it is built") : README.index("### The rules, in brief")]
    for app in ("pilots", "scorecards"):
        for path in sorted((ROOT / app).iterdir()):
            if path.name.startswith("_") or path.name in {"migrations", "apps.py", "templatetags"}:
                continue
            if path.suffix not in {".py", ""} or (
                path.is_dir() and not (path / "__init__.py").exists()
            ):
                continue
            name = re.escape(path.stem)  # models.py, models/ or management/commands/
            assert re.search(rf"(^|\s){name}(\.py|/\S*)(\s|$)", layout, re.M), (
                f"{app}/{path.name} is missing from the README's layout"
            )
