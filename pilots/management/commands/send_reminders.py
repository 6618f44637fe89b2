"""Send the reminders due on a day: the same sweep beat runs, for operators and tests.

    python manage.py send_reminders                      # today (local time)
    python manage.py send_reminders --date 2026-11-25    # catch up a missed day
    python manage.py send_reminders --dry-run            # list, write and send nothing
    python manage.py send_reminders --queue              # let the Celery workers email

With ``--queue`` it reports what the broker actually accepted, and fails (exit 1)
when the broker is down: the emails are then kept in the outbox and queued by
its relay once the broker is back.

Running it twice for the same week sends nothing new the second time: each
reminder is recorded once per pilot, kind, recipient and ISO week. It does
email, though, what earlier runs this week recorded but could not send (the
mail server was down): the catch-up after an outage.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pilots.enums import ReminderKind
from pilots.models import Pilot
from pilots.reminders.sweep import reminders_sweep
from pilots.services.outbox import OutboxRelay


def iso_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a day like 2026-11-25, got {value!r}") from None


class Command(BaseCommand):
    help = "Record and send the reminders due on a day (default: today in TIME_ZONE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=str, help="The day to sweep, YYYY-MM-DD.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the reminders that would be sent; write and send nothing.",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Hand the emails to the Celery workers instead of sending them here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = iso_day(options["date"]) if options["date"] else None
        result = reminders_sweep(
            day=day,
            dry_run=bool(options["dry_run"]),
            deliver="queue" if options["queue"] else "inline",
        )
        references = dict(
            Pilot.objects.filter(pk__in={item.pilot_id for item in result.new}).values_list(
                "pk", "reference"
            )
        )
        usernames = dict(
            get_user_model()
            .objects.filter(pk__in={item.recipient_id for item in result.new})
            .values_list("pk", "username")
        )
        verb = "would send" if result.dry_run else "recorded"
        self.stdout.write(
            f"{result.day} ({result.period}): {result.due} reminders due, "
            f"{len(result.new)} new {verb}; "
            f"{result.due - len(result.new)} already sent this week."
        )
        for item in sorted(result.new, key=lambda i: (references[i.pilot_id], i.kind)):
            self.stdout.write(
                f"  {references[item.pilot_id]}  {ReminderKind(item.kind).label:<52} "
                f"→ {usernames[item.recipient_id]}"
            )
        if result.dry_run:
            self.stdout.write("Dry run: nothing written, nothing sent.")
        elif options["queue"]:
            self._report_queued(result.reminder_ids, result.relay)
        else:
            counts = Counter(result.outcomes)
            self.stdout.write(
                "Delivered: "
                + (", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none")
                + "."
            )
            unsent = counts.get("retry", 0) + counts.get("error", 0)
            if unsent:
                raise CommandError(
                    f"{unsent} reminders could not be emailed (see the log above); they stay "
                    "pending: run this command again once the mail server is back, or let the "
                    "Celery worker retry them."
                )

    def _report_queued(self, reminder_ids: list[int], relay: OutboxRelay | None) -> None:
        """Say what reached the broker, not what was meant to: the outbox relay's outcome."""
        recorded = len(reminder_ids)
        outcome = relay.outcome if relay else None
        if not recorded:
            self.stdout.write("Queued no emails: nothing new to send.")
            return
        if outcome is not None and not outcome.pending and outcome.relayed == recorded:
            self.stdout.write(f"Queued {recorded} emails for the Celery workers.")
            return
        if outcome is None:  # inside a caller's transaction: nothing can leave before it commits
            raise CommandError(
                f"Recorded {recorded} emails in the outbox; they are relayed to the broker when "
                "the surrounding transaction commits."
            )
        handed = outcome.relayed
        why = f" ({outcome.error})" if outcome.error else ""
        raise CommandError(
            f"Recorded {recorded} emails in the outbox but handed only {handed} to the broker: "
            f"the broker is unreachable{why}. They are kept, and the outbox relay queues them "
            "when the broker returns (or run this command without --queue to email them here)."
        )
