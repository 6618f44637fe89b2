"""The client's address: the TCP peer, or what a configured number of trusted proxies saw.

One function for the lock-out (django-axes calls it, ``AXES_CLIENT_IP_CALLABLE``),
the bad-token and password-reset counters; DRF's throttles compute the same with
``NUM_PROXIES`` (both read ``PILOTGATE_TRUSTED_PROXIES``). With no trusted proxy
``X-Forwarded-For`` is ignored: a client may write anything there.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address ``PILOTGATE_TRUSTED_PROXIES`` hops back in X-Forwarded-For.

    Each trusted proxy appends the address it received the request from; the
    N-th entry from the right is the one the outermost trusted proxy saw, so
    entries a client prepended are never read. Same rule as DRF's ``get_ident``.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.PILOTGATE_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not trusted or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-min(trusted, len(hops))]
