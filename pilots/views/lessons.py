"""The lessons library (``/lessons/``) and the similar pilots beside the registration."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from pilots.forms.lessons import LessonFilterForm
from pilots.models import BusinessUnit, Pilot
from pilots.selectors.lessons import (
    LessonFilters,
    lesson_list,
    primary_metric_name,
    similar_pilots,
)
from pilots.selectors.pilots import pilots_visible_to
from pilots.views.common import SignedInRequest

PAGE_SIZE = 20


def lesson_filters(form: LessonFilterForm) -> LessonFilters:
    """The valid filters of ``form`` (an invalid value is ignored, never a 500)."""
    if not form.is_bound:
        return LessonFilters()
    form.is_valid()
    data = form.cleaned_data
    return LessonFilters(
        text=data.get("q") or "",
        failure_mode=data.get("failure_mode") or "",
        business_unit=data.get("business_unit"),
        outcome=data.get("outcome") or "",
    )


@require_GET
def lesson_library(request: SignedInRequest) -> HttpResponse:
    """The lessons of the pilots this user may see: search, filters, newest first."""
    units = list(BusinessUnit.objects.order_by("name").values_list("pk", "name"))
    form = LessonFilterForm(request.GET or None, units=units)
    filters = lesson_filters(form)
    page = Paginator(lesson_list(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = {
        name: value
        for name, value in (
            ("q", filters.text),
            ("failure_mode", filters.failure_mode),
            ("business_unit", filters.business_unit or ""),
            ("outcome", filters.outcome),
        )
        if value
    }
    return render(
        request,
        "pilots/lessons.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(query),
            "text": filters.text,
            "query": urlencode(query),
        },
    )


@require_GET
def similar(request: SignedInRequest) -> HttpResponse:
    """The similar pilots for what is typed in the basics step (htmx, as one types).

    ``?title=&problem_statement=`` and ``pilot=`` the draft's reference, which is
    left out (with its primary metric's name among the words compared).
    """
    draft: Pilot | None = None
    reference = request.GET.get("pilot", "")[:12].upper()
    if reference:
        draft = pilots_visible_to(request.user).filter(reference=reference).first()
    return render(
        request,
        "pilots/register/_similar.html",
        {
            "similar": similar_pilots(
                request.user,
                title=request.GET.get("title", "")[:200],
                problem=request.GET.get("problem_statement", "")[:2000],
                metric=primary_metric_name(draft),
                exclude=draft.pk if draft else None,
            ),
            "asked": True,
        },
    )
