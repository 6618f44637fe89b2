"""Find anything fast: the header's search box and its results page (``/search/?q=``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from pilots.selectors.search import SEARCH_MAX_LENGTH, pilot_search
from pilots.views.common import SignedInRequest

PAGE_SIZE = 25
SUGGESTIONS = 8  # what the header shows as you type; the rest are a link away


@require_GET
@vary_on_headers("HX-Request")
def search(request: SignedInRequest) -> HttpResponse:
    """The pilots this user may see whose reference, title, sponsor, business owner or
    business unit holds every word typed. As you type (htmx) only the header's list of
    suggestions is sent; without JavaScript the form opens the whole page."""
    text = request.GET.get("q", "")[:SEARCH_MAX_LENGTH].strip()
    suggest = bool(request.htmx)
    page = Paginator(pilot_search(request.user, text=text), SUGGESTIONS if suggest else PAGE_SIZE)
    context = {
        "text": text,
        "page": page.get_page(1 if suggest else request.GET.get("page")),
        "query": urlencode({"q": text}) if text else "",
    }
    if suggest:
        return render(request, "pilots/_search_suggestions.html", context)
    return render(request, "pilots/search.html", context)
