"""Tasks of the accounts: the password reset email, sent after the request's answer."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from pilots.accounts import passwords


@shared_task(
    name=passwords.RESET_TASK,
    time_limit=60,
    soft_time_limit=45,
    # A mail server that refused or timed out: try again a few times (a second
    # link is harmless, the newest and the oldest both work until one is used).
    autoretry_for=(OSError, SMTPException),
    retry_backoff=30,
    retry_backoff_max=5 * 60,
    max_retries=4,
)
def password_reset_send(*, email: str) -> None:
    """Email the reset link, if an active account has this address."""
    passwords.password_reset_email_send(email=email)
