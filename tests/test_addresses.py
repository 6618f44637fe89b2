"""Every address of the site answers a GET: where a redirect or a form leaves a user.

A form re-rendered after a refused POST (a gate decision with items missing,
an invalid reading) leaves its action's address in the address bar; reloading,
bookmarking or sharing that address is a GET. So every URL pattern of the web
app (``pilots.urls``, ``scorecards.urls`` and the accounts pages), the ones
that only act on a POST included, must answer a GET by the user who uses it
with a page, or a redirect to a page, that answers 200: never a 405.

The table below names, for each pattern, who opens it and with what. A new
pattern fails ``test_every_address_is_in_the_table`` until it is added.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import urls as auth_urls
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pilots import urls as pilot_urls
from pilots.accounts import tokens
from pilots.accounts.calendar import calendar_feed_of
from pilots.enums import ReminderKind
from pilots.models import ApiToken, Reminder
from scorecards import urls as scorecard_urls
from scorecards.models import SavedView
from scorecards.saved_views import saved_view_save
from tests import factories

STEPS = ("basics", "metric", "owner", "operations", "infrastructure", "plan", "review")


def names(module, namespace: str = "") -> set[str]:
    prefix = f"{namespace}:" if namespace else ""
    return {f"{prefix}{p.name}" for p in module.urlpatterns if isinstance(p, URLPattern)}


ALL_ADDRESSES = names(pilot_urls, "pilots") | names(scorecard_urls, "scorecards") | names(auth_urls)


@pytest.fixture
def world(running, sponsor, owner, member, ops, lead):
    """A running pilot with one of everything an address can name, and who uses each."""
    metric = running.metrics.get()
    reading = factories.ReadingFactory(metric=metric, recorded_by=owner)
    task = factories.TaskFactory(pilot=running, assignee=member)
    membership = running.memberships.get(user=member)
    reminder = Reminder.objects.create(
        pilot=running,
        kind=ReminderKind.METRIC_STALE,
        recipient=member,
        period="2026-W01",
        day=running.started_on,
        reason="No reading.",
        action="Record one.",
        link=reverse("pilots:detail", args=[running.reference]),
        sweep=uuid.uuid4(),
    )
    token, _ = tokens.token_create(user=member, name="Script")
    feed = calendar_feed_of(member)
    view = saved_view_save(user=member, name="Mine", query="risk=watch")
    ref = running.reference
    return {
        # name: (who opens it, URL arguments)
        "scorecards:list": (member, []),
        "scorecards:list_export": (member, []),
        "pilots:people": (member, []),
        "pilots:search": (member, []),
        "pilots:new": (sponsor, []),
        "pilots:review": (lead, []),
        "pilots:reminders": (lead, []),
        "pilots:inbox": (member, []),
        "pilots:inbox_read_all": (member, []),
        "pilots:inbox_read": (member, [reminder.pk]),
        "pilots:profile": (member, []),
        "pilots:calendar_reset": (member, []),
        # Read by calendar apps, which cannot sign in: the secret is the key.
        "pilots:calendar_feed": (None, [feed.secret]),
        "pilots:tokens": (member, []),
        "pilots:token_revoke": (member, [token.pk]),
        "pilots:detail": (member, [ref]),
        "pilots:history": (member, [ref]),
        **{f"pilots:register/{step}": (sponsor, [ref, step]) for step in STEPS},
        "pilots:metric_new": (sponsor, [ref]),
        "pilots:metric": (member, [ref, metric.pk]),
        "pilots:metric_edit": (sponsor, [ref, metric.pk]),
        "pilots:reading_new": (owner, [ref, metric.pk]),
        "pilots:reading_import": (owner, [ref]),
        "pilots:reading_edit": (owner, [ref, reading.pk]),
        "pilots:reading_delete": (owner, [ref, reading.pk]),
        "pilots:member_remove": (sponsor, [ref, membership.pk]),
        "pilots:checkin_new": (owner, [ref]),
        "pilots:ownership": (owner, [ref]),
        "pilots:budget": (owner, [ref]),
        "pilots:decide": (sponsor, [ref]),
        "pilots:operations_accept": (ops, [ref]),
        "pilots:waiver_approve": (lead, [ref, "monitoring"]),
        "pilots:contract_acknowledge": (lead, [ref]),
        "pilots:checkpoint": (lead, [ref]),
        "pilots:task_new": (owner, [ref]),
        "pilots:task_edit": (owner, [ref, task.pk]),
        "pilots:task_complete": (member, [ref, task.pk]),
        "pilots:task_reopen": (owner, [ref, task.pk]),
        "pilots:task_confirm": (ops, [ref, task.pk]),
        "pilots:task_decline": (ops, [ref, task.pk]),
        "pilots:task_move": (owner, [ref, task.pk]),
        "pilots:lessons": (member, []),
        "pilots:similar": (sponsor, []),
        "pilots:succession": (sponsor, [ref]),
        "pilots:successions": (member, []),
        # POST-only answers: a GET goes to the page that lists them, before any lookup.
        "pilots:succession_accept": (member, [1]),
        "pilots:succession_decline": (member, [1]),
        "pilots:value_review_new": (owner, [ref]),
        "pilots:value_review_sign": (sponsor, [ref, 1]),
        "scorecards:dashboard": (member, []),
        "scorecards:export": (member, []),
        "scorecards:view_save": (member, []),
        "scorecards:view_delete": (member, [view.pk]),
        "scorecards:pilot": (member, [ref]),
        "login": (None, []),
        "logout": (member, []),
        "password_change": (member, []),
        "password_change_done": (member, []),
        "password_reset": (None, []),
        "password_reset_done": (None, []),
        "password_reset_confirm": (
            None,
            [
                urlsafe_base64_encode(force_bytes(member.pk)),
                default_token_generator.make_token(member),
            ],
        ),
        "password_reset_complete": (None, []),
    }


def test_every_address_is_in_the_table(world):
    assert {name.split("/")[0] for name in world} == ALL_ADDRESSES


def test_every_address_answers_a_get_with_a_page(client, world):
    problems = []
    for name, (user, args) in world.items():
        url = reverse(name.split("/")[0], args=args)
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url, follow=True)
        chain = [url] + [hop for hop, _ in response.redirect_chain]
        if response.status_code != 200:
            problems.append(f"{name}: GET {' → '.join(chain)} answers {response.status_code}")
    assert problems == []


def test_a_get_of_an_action_changes_nothing(client, world, running):
    """The GETs above redirected; none of them acted."""
    before = (running.events.count(), Reminder.objects.filter(read_at__isnull=False).count())
    for name, (user, args) in world.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        client.get(reverse(name.split("/")[0], args=args))
    after = (running.events.count(), Reminder.objects.filter(read_at__isnull=False).count())
    assert after == before
    assert running.memberships.count() == 1
    assert not any(token.revoked_at for token in ApiToken.objects.all())
    assert calendar_feed_of(world["pilots:inbox"][0]).secret == world["pilots:calendar_feed"][1][0]
    assert SavedView.objects.count() == 1
