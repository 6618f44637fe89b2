"""Every link and form a page shows can be followed: a crawl of the demo data per role.

As each demo user, start at the home page and follow, breadth first, every
internal ``<a href>`` and every ``<form action>`` a page shows (a GET of it: a
form that only takes POST must still answer a GET with a page or a redirect,
never 405), following same-site redirects. A link shown to a user that answers
4xx or 5xx is a defect: either the page should not show it to this user, or
it points at the wrong place.

The Django test client, no browser: the crawl of every role takes seconds.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.test import client as test_client
from django.urls import Resolver404, resolve
from django.utils import timezone

from pilots.models import Pilot
from pilots.reminders.sweep import reminders_sweep
from scorecards.services import scorecards_recompute

DEMO_ROLES = ("sponsor", "sponsor2", "owner", "owner2", "owner3", "member", "ops", "lead", "admin")
# Fetched when shown, never crawled further: not our pages (Django's admin, the
# API's browsable docs and JSON).
NOT_CRAWLED = ("/admin/", "/api/")
SKIPPED = ("/static/", "/media/")
# The page that shows what differs from pilot to pilot (missing items, the forms and
# links a role may use) is crawled for every pilot; the dashboard shows every
# pilot's scorecard reasons. Of every other kind of page (a route, the stage of its
# pilot and its registration step) the first two reached stand for the rest: what a
# page offers depends on the role and the stage, which each kind fixes. It keeps the
# crawl of every role to seconds.
EVERY_ONE = frozenset({"pilots:detail"})
SAMPLES_PER_KIND = 2
MAX_URLS_PER_ROLE = 1000  # a runaway guard: the demo data needs a few hundred


class LinkParser(HTMLParser):
    """The ``<a href>`` and ``<form action>`` targets of one page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[tuple[str, str]] = []  # (what, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") is not None:
            self.targets.append(("link", values["href"] or ""))
        elif tag == "form":
            method = (values.get("method") or "get").lower()
            self.targets.append((f"form ({method})", values.get("action") or ""))


def internal_path(page_url: str, target: str) -> str | None:
    """The same-site path (with its query) ``target`` points at from ``page_url``, or None."""
    if target.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute = urljoin("http://testserver" + page_url, target)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIPPED):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def kind_of(path: str, stages: dict[str, str]) -> tuple[str, ...] | None:
    """What sort of page ``path`` is, for sampling; None for a page crawled every time."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None  # it answers 404: let the crawl report it
    if match.view_name in EVERY_ONE:
        return None
    reference = match.kwargs.get("reference", "")
    return (match.view_name, stages.get(reference, ""), match.kwargs.get("step", ""))


def crawl(client: Client, stages: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Every URL reached from the home page → its final status; the problems found."""
    statuses: dict[str, int] = {}
    problems: list[str] = []
    sampled: Counter[tuple[str, ...]] = Counter()
    queue: deque[tuple[str, str]] = deque([("/", "the start")])
    queued = {"/"}
    while queue and len(statuses) < MAX_URLS_PER_ROLE:
        url, source = queue.popleft()
        response = client.get(url)
        hops = 0
        while response.status_code in (301, 302, 303, 307, 308) and hops < 5:
            location = internal_path(url, response["Location"])
            if location is None:
                break  # off-site: not ours to check
            url, hops = location, hops + 1
            response = client.get(url)
        statuses[url] = response.status_code
        if response.status_code >= 400:
            problems.append(f"{url} answers {response.status_code} (shown on {source})")
            continue
        if url.startswith(NOT_CRAWLED) or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = LinkParser()
        parser.feed(response.content.decode())
        for what, target in parser.targets:
            path = internal_path(url, target)
            if path is None or path in queued:
                continue
            kind = kind_of(path, stages)
            if kind is not None:
                if sampled[kind] >= SAMPLES_PER_KIND:
                    continue
                sampled[kind] += 1
            queued.add(path)
            queue.append((path, f"{url} as a {what}"))
    return statuses, problems


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    scorecards_recompute()
    reminders_sweep(day=timezone.localdate(), deliver="inline")  # the inboxes link too


def test_every_link_and_form_shown_to_each_demo_role_answers(demo, capsys, monkeypatch):
    # The test client keeps a copy of every template context it renders (for
    # response.context), half the time of a page here: this test reads no context.
    monkeypatch.setattr(test_client, "store_rendered_templates", lambda *args, **kwargs: None)
    users = get_user_model().objects.in_bulk(DEMO_ROLES, field_name="username")
    stages = dict(Pilot.objects.values_list("reference", "stage"))
    report, problems = [], {}
    started, cpu = time.perf_counter(), time.process_time()
    for username in DEMO_ROLES:
        client = Client()
        client.force_login(users[username])
        role_started = time.perf_counter()
        statuses, found = crawl(client, stages)
        report.append(
            f"{username}: {len(statuses)} URLs in {time.perf_counter() - role_started:.1f} s"
        )
        assert len(statuses) < MAX_URLS_PER_ROLE, f"{username}: the crawl did not end"
        if found:
            problems[username] = found
    with capsys.disabled():
        print(
            f"\nlink crawl: {time.perf_counter() - started:.1f} s "
            f"({time.process_time() - cpu:.1f} s of CPU in this process); " + "; ".join(report)
        )
    assert problems == {}, "\n".join(
        f"{username}: {problem}" for username, found in problems.items() for problem in found
    )
