"""Replace the database with a backup: ``make restore BACKUP_FILE=…``.

    python manage.py restore var/backups/pilotgate-20261201T031500Z.dump
    python manage.py restore FILE --yes     # no question (scripts; make: RESTORE_YES=1)

Everything in the database is replaced by the backup's contents. It asks
first unless ``--yes``; without a terminal to ask, it refuses. Stop the web
and worker processes first, and run ``manage.py migrate`` afterwards if the
backup is older than the code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from pilots.management import backups


class Command(BaseCommand):
    help = "Replace the database with the contents of a backup file (asks first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file (from manage.py backup).")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--database", default="default", help="The database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        alias, path = options["database"], options["file"]
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        target = connections[alias].settings_dict["NAME"]
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("Refusing to restore without confirmation: pass --yes.")
            answer = input(f"Replace everything in the database {target} with {path}? [yes/no] ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled: nothing changed.")
        backups.restore(path, alias)
        self.stdout.write(f"Restored {path} into {target}.")
