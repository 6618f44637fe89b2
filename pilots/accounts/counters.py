"""Fixed-window counters in the shared cache (CACHES["default"]): every process counts together.

Used where no DRF throttle can run: failed token authentications (answered
before any throttle) and password reset requests (a Django view).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(name: str, ident: str, seconds: int) -> tuple[str, int]:
    window = int(time.time() // seconds)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # emails, addresses: any length
    return f"counter:{name}:{seconds}:{window}:{digest}", seconds - int(time.time() % seconds)


def counter_hit(*, name: str, ident: str, rate: tuple[int, int]) -> int:
    """Count one event for ``ident`` in the current window; the count so far."""
    key, left = _key(name, ident, rate[1])
    cache.add(key, 0, timeout=left + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=left + 1)
        return 1


def counter_wait(*, name: str, ident: str, rate: tuple[int, int]) -> int | None:
    """Seconds until ``ident`` may try again if it reached the rate in this window, else None."""
    key, left = _key(name, ident, rate[1])
    count = cache.get(key, 0)
    return left if count >= rate[0] else None
