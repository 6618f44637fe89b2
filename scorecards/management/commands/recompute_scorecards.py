"""Recompute every scorecard now, as the nightly job does (after a rule change, say).

    python manage.py recompute_scorecards                  # today, and this week's snapshot
    python manage.py recompute_scorecards --date 2026-11-25
    python manage.py recompute_scorecards --history 8      # also the 8 past weeks' snapshots

``--history`` evaluates each past Monday on today's data: an approximation
for a new installation (or the demo) that has no snapshots yet; weeks that
already have a snapshot keep it. Such a rebuild notifies no one of a worsened risk.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from scorecards.services import scorecards_recompute, scorecards_snapshot, week_of


def iso_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a day like 2026-11-25, got {value!r}") from None


class Command(BaseCommand):
    help = "Recompute every scorecard and keep this week's snapshot (what runs nightly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=str, help="Evaluate for this day, YYYY-MM-DD.")
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            metavar="WEEKS",
            help="Also snapshot this many past weeks (evaluated on today's data).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = iso_day(options["date"]) if options["date"] else timezone.localdate()
        weeks = options["history"]
        if not 0 <= weeks <= 104:
            raise CommandError("--history must be between 0 and 104 weeks.")
        for weeks_ago in range(weeks, 0, -1):
            monday = week_of(today) - timedelta(weeks=weeks_ago)
            scorecards_recompute(today=monday, notify=False)
            scorecards_snapshot(today=monday)
        # After a rebuild of past weeks, today's risk is compared with a made-up past.
        count = scorecards_recompute(today=today, notify=not weeks)
        new = scorecards_snapshot(today=today)
        self.stdout.write(
            f"{count} scorecards recomputed for {today}; {new} new snapshots this week"
            + (f", after {weeks} past weeks." if weeks else ".")
        )
