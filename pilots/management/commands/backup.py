"""Back up the database to a file: ``make backup`` (see pilots.management.backups).

    python manage.py backup                               # var/backups/pilotgate-<UTC>.dump
    python manage.py backup --output /srv/backups/x.dump  # a chosen file

PostgreSQL: pg_dump's custom format (restore with ``manage.py restore``, or
``pg_restore``); the embedded SQLite: a copy made with SQLite's online backup
API. Either is consistent while the site runs. Prints the file's path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pilots.management import backups


class Command(BaseCommand):
    help = "Back up the database to a file (default var/backups/pilotgate-<UTC time>.dump)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", type=Path, help="The backup file to write.")
        parser.add_argument("--database", default="default", help="The database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        path = options["output"] or backups.default_path(alias)
        backups.backup(path, alias)
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
