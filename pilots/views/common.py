"""What every web view shares: fetching what the user may see, and turning the
services' errors into form errors and messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from pilots.abilities import Abilities, pilot_abilities
from pilots.errors import MissingItem, NotAllowed, TransitionRefused
from pilots.links import PilotLinks
from pilots.models import Pilot
from pilots.selectors.pilots import pilot_get_for_user

T = TypeVar("T")

# Pilot.reference is NULL only inside the transaction that creates the pilot.
SAVED_PILOTS_HAVE_A_REFERENCE = "a saved pilot has a reference"


View = Callable[..., HttpResponse]


class SignedInRequest(HttpRequest):
    """The request a page view is given, as the middleware leaves it.

    ``LoginRequiredMiddleware`` turns away anyone not signed in (the few views
    marked ``login_not_required`` take a plain ``HttpRequest``), so ``user`` is
    a ``User``; ``HtmxMiddleware`` adds ``htmx``. A type only: Django still
    passes its own request object.
    """

    user: User
    htmx: HtmxDetails


def post_only(form_is_at: Callable[..., str]) -> Callable[[View], View]:
    """An action a form POSTs to, whose address still answers a GET.

    A page re-rendered after a refused POST (a gate decision with items
    missing, an invalid reading) leaves the action's address in the address
    bar; reloading, bookmarking or sharing it makes a GET. That GET is sent to
    where the form lives, ``form_is_at(**url_kwargs)``, which decides access
    itself: never a 405 and an empty page. The GET changes nothing.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def action(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return redirect(form_is_at(*args, **kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
            return view(request, *args, **kwargs)

        return action

    return decorate


def visible_pilot(request: HttpRequest, reference: str) -> Pilot:
    """The pilot if this user may see it; 404 whether it is hidden or absent."""
    return pilot_get_for_user(request.user, reference=reference)


def require(allowed: bool, message: str) -> None:
    """403 for a user who may see the pilot but not do this."""
    if not allowed:
        raise NotAllowed(message)


def abilities(request: HttpRequest, pilot: Pilot) -> Abilities:
    return pilot_abilities(request.user, pilot)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields and not form.fields[field].disabled else None
            for message in ValidationError(errors).messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def call_service(form: forms.BaseForm, service: Callable[[], T]) -> T | None:
    """Run ``service``; on a ValidationError put it on ``form`` and return None.

    NotAllowed (403) and TransitionRefused (shown as a list) propagate.
    """
    try:
        return service()
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def pilot_url(pilot: Pilot, anchor: str = "") -> str:
    assert pilot.reference is not None, SAVED_PILOTS_HAVE_A_REFERENCE
    return PilotLinks().detail(pilot.reference, anchor)


def step_url(pilot: Pilot, section: str) -> str:
    """The registration step of that name."""
    assert pilot.reference is not None, SAVED_PILOTS_HAVE_A_REFERENCE
    return PilotLinks().step(pilot.reference, section)


def missing_with_links(
    pilot: Pilot, missing: Iterable[MissingItem], *, may_edit: bool
) -> list[dict[str, str]]:
    """Each missing item with a link to where this user fixes it ("" if they cannot).

    ``may_edit``: the user may edit the registration now (``Abilities.edit``).
    """
    links = PilotLinks()
    reference = pilot.reference
    assert reference is not None, SAVED_PILOTS_HAVE_A_REFERENCE
    return [
        {**item.as_dict(), "url": links.fix(reference, item.section, may_edit=may_edit)}
        for item in missing
    ]


def run_or_report(request: HttpRequest, service: Callable[[], object]) -> bool:
    """For buttons without a form: run ``service``; report a refusal as an error message."""
    try:
        service()
    except TransitionRefused as refused:
        messages.error(request, " ".join(item.message for item in refused.missing))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        return True
    return False
