"""Passwords: asking for a reset link, sending it, and what a new password revokes.

A reset request answers the same, in the same time, for every address: the
view validates the form, counts the request and records ``password_reset_send``
in the outbox (relayed to the broker at once, or when it returns); the worker
looks the address up and emails the link. Django's own PasswordResetForm renders and sends it there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.db import transaction

from pilots.accounts.counters import counter_hit, counter_wait
from pilots.accounts.tokens import tokens_revoke_all
from pilots.services.outbox import outbox_record

RESET_BY_ADDRESS = "reset_address"
RESET_BY_EMAIL = "reset_email"
RESET_TASK = "pilots.password_reset_send"  # the Celery task emailing the link


def password_reset_wait(*, address: str) -> int | None:
    """Seconds this address must wait before asking again, or None: it may ask."""
    return counter_wait(
        name=RESET_BY_ADDRESS, ident=address, rate=settings.PILOTGATE_PASSWORD_RESET_ADDRESS_RATE
    )


def password_reset_request(*, email: str, address: str) -> None:
    """Count the request and queue the email, unless this email address has had its share.

    The per-email limit answers nothing different: the caller shows the same page
    either way, so the limit neither floods a mailbox nor tells who has an account.
    """
    counter_hit(
        name=RESET_BY_ADDRESS, ident=address, rate=settings.PILOTGATE_PASSWORD_RESET_ADDRESS_RATE
    )
    count = counter_hit(
        name=RESET_BY_EMAIL,
        ident=email.strip().lower(),
        rate=settings.PILOTGATE_PASSWORD_RESET_EMAIL_RATE,
    )
    if count > settings.PILOTGATE_PASSWORD_RESET_EMAIL_RATE[0]:
        return
    # Through the outbox, like every task a request queues: a broker that is
    # down loses no email, and the relay sends it when the broker returns.
    outbox_record(RESET_TASK, [{"email": email}])


def password_reset_email_send(*, email: str) -> None:
    """Email a reset link to every active account with this address (none: nothing)."""
    site = urlsplit(settings.SITE_URL)
    form = PasswordResetForm(data={"email": email})
    if form.is_valid():
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.html",
        )


@transaction.atomic
def password_changed(*, user: User, keep_api_tokens: bool = False) -> int:
    """After a password change: revoke the user's API tokens unless they keep them on purpose.

    A changed password usually means the old one may be known to someone else,
    and so may keys created with it. Returns how many tokens were revoked.
    """
    if keep_api_tokens:
        return 0
    return tokens_revoke_all(user=user)
