"""``python -m tests.bench ingest|reminders|dashboard [options]``: run one benchmark.

Sets Django up as ``manage.py`` does (``DJANGO_SETTINGS_MODULE`` defaults to
``config.settings.local``), then runs the benchmark's command with the options
given (``--help`` lists them).
"""

from __future__ import annotations

import os
import sys

BENCHMARKS = ("ingest", "reminders", "dashboard")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in BENCHMARKS:
        sys.stderr.write(f"usage: python -m tests.bench {{{','.join(BENCHMARKS)}}} [options]\n")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from importlib import import_module

    command = import_module(f"tests.bench.{argv[1]}").Command()
    command.run_from_argv(["python -m tests.bench", *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
