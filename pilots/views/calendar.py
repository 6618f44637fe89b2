"""The calendar feed (``/calendar/<secret>.ics``, no session: the secret is the key)
and its reset from the profile page."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from icalendar import TRANSP, Calendar, Event, vDuration

from pilots.accounts.calendar import calendar_feed_owner, calendar_feed_reset
from pilots.selectors.calendar import CalendarItem, calendar_items
from pilots.views.common import SignedInRequest, post_only

# How often calendar apps are asked to fetch the feed again (most poll on their own terms).
REFRESH = timedelta(hours=1)


@login_not_required  # calendar apps cannot sign in: the secret in the address is the key
@require_safe
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The user's dates as iCalendar (RFC 5545); 404 for a secret reset, unknown or
    of a deactivated account."""
    user = calendar_feed_owner(secret)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        ical(user, calendar_items(user)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="pilotgate.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"  # a secret address: never in an index
    return response


def ical(user: User, items: list[CalendarItem]) -> bytes:
    """The items as a calendar of all-day events, each UID stable across fetches."""
    host = urlsplit(settings.SITE_URL).hostname or "pilotgate"
    name = f"Pilotgate: {user.get_full_name() or user.get_username()}"
    calendar = Calendar.new(
        prodid="-//Pilotgate//Calendar feed//EN",
        name=name,
        description="Handover windows, knowledge-transfer tasks, gate decisions and pilot ends.",
        refresh_interval=REFRESH,
        calscale="GREGORIAN",
        method="PUBLISH",
        uid=f"calendar-user-{user.pk}@{host}",  # the same calendar at every fetch
    )
    # Outlook and Apple read this older name for RFC 7986's REFRESH-INTERVAL (the library
    # adds X-WR-CALNAME and X-WR-CALDESC beside NAME and DESCRIPTION itself).
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))  # PT1H (an X- name is text otherwise)
    stamp = timezone.now()
    for item in items:
        url = settings.SITE_URL + item.link
        calendar.add_component(
            Event.new(
                uid=f"{item.key}-user-{user.pk}@{host}",
                start=item.first_day,
                end=item.last_day + timedelta(days=1),  # DTEND of a day is exclusive
                summary=item.summary,
                description=f"{item.description}\n\n{url}",
                url=url,
                stamp=stamp,
                transparency=TRANSP.TRANSPARENT,  # a date to keep, not a busy time
            )
        )
    return calendar.to_ical()


def the_profile(**_: object) -> str:
    return reverse("pilots:profile") + "#calendar"


@post_only(the_profile)
def calendar_reset(request: SignedInRequest) -> HttpResponse:
    calendar_feed_reset(user=request.user)
    messages.success(
        request,
        "Your calendar link was reset: the old address no longer works. "
        "Subscribe your calendar app to the new one below.",
    )
    return redirect(the_profile())
