"""Reminders on the web: the user's inbox, their muting choices, and the leads' log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from pilots.accounts.calendar import calendar_feed_of, calendar_feed_url
from pilots.enums import ReminderKind
from pilots.forms.reminders import DigestChoiceForm, ReminderLogFilter, ReminderMuteForm
from pilots.frame.formats import plural_suffix
from pilots.permissions import is_portfolio_lead
from pilots.reminders.digests import digest_choices_of, digest_choices_set
from pilots.reminders.inbox import (
    inbox_of,
    reminder_log,
    reminder_mark_read,
    reminder_mutes_of,
    reminder_mutes_set,
    reminders_mark_all_read,
)
from pilots.views.common import SignedInRequest, call_service, post_only, require

INBOX_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


def inbox(request: SignedInRequest) -> HttpResponse:
    """The user's reminders, newest first; ``?show=unread`` for the unread ones only."""
    unread_only = request.GET.get("show") == "unread"
    items = inbox_of(request.user, unread_only=unread_only)
    page = Paginator(items, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pilots/inbox.html",
        {"page": page, "unread_only": unread_only, "query": "show=unread" if unread_only else ""},
    )


def _back_to_inbox(request: SignedInRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("pilots:inbox")


def the_inbox(**_: object) -> str:
    return reverse("pilots:inbox")


@post_only(the_inbox)
def inbox_read(request: SignedInRequest, reminder_id: int) -> HttpResponse:
    """Mark one reminder read (only the user's own: anyone else's id changes nothing)."""
    reminder_mark_read(user=request.user, reminder_id=reminder_id)
    return _back_to_inbox(request)


@post_only(the_inbox)
def inbox_read_all(request: SignedInRequest) -> HttpResponse:
    if count := reminders_mark_all_read(user=request.user):
        messages.success(request, f"Marked {count} reminder{plural_suffix(count)} as read.")
    else:
        messages.info(request, "Nothing unread.")
    return _back_to_inbox(request)


@require_http_methods(["GET", "POST"])
def profile(request: SignedInRequest) -> HttpResponse:
    """The user's profile: who they are, which non-critical reminders they mute, which
    kinds they get in a digest, and the address of their calendar feed."""
    posted = request.POST if request.method == "POST" else None
    digests_posted = posted is not None and posted.get("save") == "digests"
    form = ReminderMuteForm(
        None if digests_posted else posted,  # no box ticked: an empty POST
        initial={"muted": sorted(reminder_mutes_of(request.user))},
    )
    digest_form = DigestChoiceForm(
        posted if digests_posted else None, initial=digest_choices_of(request.user)
    )
    if digests_posted and digest_form.is_valid():
        choices = digest_form.choices()
        chosen = call_service(
            digest_form, lambda: digest_choices_set(user=request.user, choices=choices)
        )
        if chosen is not None:
            messages.success(
                request,
                f"Saved: {len(chosen)} kind{plural_suffix(len(chosen))} in a digest."
                if chosen
                else "Saved: everything is emailed at once.",
            )
            return redirect(reverse("pilots:profile") + "#digests")
    if posted is not None and not digests_posted and form.is_valid():
        kinds = form.cleaned_data["muted"]
        muted = call_service(form, lambda: reminder_mutes_set(user=request.user, kinds=kinds))
        if muted is not None:
            messages.success(
                request,
                f"Saved: {len(muted)} kind{plural_suffix(len(muted))} of reminder muted."
                if muted
                else "Saved: you receive every reminder.",
            )
            return redirect("pilots:profile")
    always_sent = [kind.label for kind in ReminderKind if kind not in ReminderKind.MUTABLE]
    feed = calendar_feed_of(request.user)  # made on the first visit
    calendar_url = calendar_feed_url(feed)
    return render(
        request,
        "pilots/profile.html",
        {
            "form": form,
            "digest_form": digest_form,
            "digest_groups": [
                ("Reminders", digest_form.reminder_fields()),
                ("Notifications", digest_form.notification_fields()),
            ],
            "digest_hour": settings.PILOTGATE_DIGEST_HOUR,
            "always_sent": always_sent,
            "calendar": feed,
            "calendar_url": calendar_url,
            # Opens the device's calendar app, subscribed (Apple Calendar, Outlook).
            "calendar_webcal": "webcal://" + calendar_url.split("://", 1)[1],
        },
    )


def reminder_log_view(request: SignedInRequest) -> HttpResponse:
    """Portfolio leads: every reminder recorded, to whom, when and whether it was emailed."""
    require(is_portfolio_lead(request.user), "Only portfolio leads see the reminders sent.")
    form = ReminderLogFilter(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()  # as the pilot list: a field with a bad value shows its error, unused
        filters = form.cleaned_data
    items = reminder_log(**filters)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(items, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pilots/reminder_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
