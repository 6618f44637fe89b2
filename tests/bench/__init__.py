"""The benchmarks of ``make bench``: not tests, not part of the application.

``python -m tests.bench ingest|reminders|dashboard [options]`` runs one against
the database of ``DATABASE_URL`` (PostgreSQL only; see the Makefile's bench
target). ``tests/bench/test_benchmarks.py`` runs each once at a tiny size in the
test suite, so they cannot rot. They live under ``tests/``, which the Docker
image leaves out (.dockerignore).
"""
