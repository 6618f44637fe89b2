"""The people picker's suggestions: ``/people/?q=`` (signed-in only, as every page)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from pilots.forms.widgets import person_label
from pilots.selectors.pilots import active_users, people_matching, pilot_people
from pilots.views.common import SignedInRequest, visible_pilot


@require_GET
def people_search(request: SignedInRequest) -> JsonResponse:
    """Active people whose name, username or email holds every word typed (at most 20).

    ``pilot=PIL-0042`` narrows them to the people on that pilot (a pilot the
    user may not see: 404), as the task's assignee field does. Each comes as
    ``{"value": label, "name": full name or username}``: the value is what the
    form field takes back. No email address is returned.
    """
    reference = request.GET.get("pilot", "")
    people = pilot_people(visible_pilot(request, reference)) if reference else active_users()
    found = people_matching(people, request.GET.get("q", "")[:100])
    return JsonResponse(
        {
            "results": [
                {"value": person_label(user), "name": user.get_full_name() or user.username}
                for user in found
            ]
        }
    )
