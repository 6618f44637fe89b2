"""Sign-in backends: passwords (local accounts, switchable off) and OpenID Connect.

The OpenID Connect backend is mozilla-django-oidc's, with Pilotgate's rules:
the user is found by username (``PILOTGATE_OIDC_USERNAME_CLAIM``, by default
``preferred_username``, else ``sub``), created
or updated from the claims, and on every sign-in its role groups follow the
group claim (``PILOTGATE_OIDC_GROUPS_CLAIM``): a mapped group the claim names
is added, a mapped group it no longer names is removed; other groups and the
staff and superuser flags are never touched. A user whose claim maps to no role
still signs in, with no role, like any account without a group: business
owners, team members and operations owners get their rights from the pilots
they are named on, not from a group.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, User
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from pilots.enums import PORTFOLIO_LEADS_GROUP, SPONSORS_GROUP

logger = logging.getLogger(__name__)

# mozilla-django-oidc's endpoint settings and their names in a discovery document.
DISCOVERY_KEYS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
# django.contrib.auth's User columns the claims fill.
USERNAME_MAX_LENGTH = 150
FIELD_MAX_LENGTH = {"email": 254, "first_name": 150, "last_name": 150}
_discovered: dict[str, dict[str, Any]] = {}
_discovery_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The OpenID provider could not be reached or answered nonsense."""


def discovery_document(issuer: str) -> dict[str, Any]:
    """The issuer's ``/.well-known/openid-configuration``, fetched once per process.

    Only at a sign-in, never at start-up; a failure is not remembered, so the
    next sign-in tries again.
    """
    with _discovery_lock:
        if issuer not in _discovered:
            url = f"{issuer}/.well-known/openid-configuration"
            try:
                response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
                response.raise_for_status()
                document = response.json()
            except (requests.RequestException, ValueError) as exc:
                raise ProviderUnavailable(f"discovery at {url} failed: {exc}") from exc
            if not isinstance(document, dict) or document.get("issuer") != issuer:
                raise ProviderUnavailable(f"{url} names another issuer")
            _discovered[issuer] = document
        return _discovered[issuer]


def oidc_setting(attr: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting; an endpoint left unset comes from discovery."""
    if attr in DISCOVERY_KEYS and not getattr(settings, attr, ""):
        issuer = settings.PILOTGATE_OIDC_ISSUER
        if not issuer:
            raise ImproperlyConfigured(f"{attr} is not set and there is no issuer to discover it")
        value = discovery_document(issuer).get(DISCOVERY_KEYS[attr])
        if not value:
            raise ProviderUnavailable(f"the discovery document has no {DISCOVERY_KEYS[attr]}")
        return value
    return import_from_settings(attr, *default)


def role_groups_for(claim: object) -> set[str]:
    """The role groups a group claim maps to (a list of names, or one name)."""
    items = [claim] if isinstance(claim, str) else claim if isinstance(claim, list) else []
    values = {value for value in items if isinstance(value, str)}
    groups = set()
    if values & set(settings.PILOTGATE_OIDC_LEAD_GROUPS):
        groups.add(PORTFOLIO_LEADS_GROUP)
    if values & set(settings.PILOTGATE_OIDC_SPONSOR_GROUPS):
        groups.add(SPONSORS_GROUP)
    return groups


def sync_role_groups(user: User, claims: dict[str, Any]) -> None:
    """Make the user's role groups what the group claim says; leave every other group."""
    wanted = role_groups_for(claims.get(settings.PILOTGATE_OIDC_GROUPS_CLAIM))
    mapped = {PORTFOLIO_LEADS_GROUP, SPONSORS_GROUP}
    held = set(user.groups.filter(name__in=mapped).values_list("name", flat=True))
    added, removed = sorted(wanted - held), sorted(held - wanted)
    for name in added:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    for name in removed:
        user.groups.remove(Group.objects.get(name=name))
    if added or removed:
        # Recorded where the admin's own changes to a user's groups are: the
        # user's history in the admin.
        message = "; ".join(
            [f"Single sign-on added {name}" for name in added]
            + [f"Single sign-on removed {name}" for name in removed]
        )
        LogEntry.objects.log_actions(
            user_id=user.pk, queryset=[user], action_flag=CHANGE, change_message=message
        )
        logger.info("single sign-on: %s: %s", user.username, message)
    # permissions.py memoises a user's groups on the instance.
    vars(user).pop("_pilotgate_groups", None)


class PasswordBackend(ModelBackend):
    """Django's password check, unless local accounts are off: then superusers only
    (the admin's sign-in, when the provider is down); the web sign-in page refuses
    every password itself."""

    def user_can_authenticate(self, user: Any) -> bool:
        if not settings.PILOTGATE_LOCAL_ACCOUNTS and not getattr(user, "is_superuser", False):
            return False
        return super().user_can_authenticate(user)


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with lazy endpoints, Pilotgate's users and roles."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The parent reads every endpoint here; this backend is built for each
        # request of a signed-in user, so endpoints are read (and discovered)
        # only when a sign-in needs them.
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        self.OIDC_RP_CLIENT_SECRET = self.get_settings("OIDC_RP_CLIENT_SECRET")
        self.OIDC_RP_SIGN_ALGO = self.get_settings("OIDC_RP_SIGN_ALGO", "RS256")
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User

    def get_settings(self, attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    # The parent's attribute names, read at the moment of use.
    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return str(self.get_settings("OIDC_OP_TOKEN_ENDPOINT"))

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return str(self.get_settings("OIDC_OP_USER_ENDPOINT"))

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return str(self.get_settings("OIDC_OP_JWKS_ENDPOINT"))

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or not settings.PILOTGATE_OIDC_ENABLED:
            return None
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except (requests.RequestException, ProviderUnavailable) as exc:
            logger.warning("single sign-on refused: the provider failed: %s", exc)
            return None
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token (not a signed userinfo answer)
            audience = payload.get("aud")
            audiences = [audience] if isinstance(audience, str) else list(audience or [])
            if self.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("The ID token was issued to another client.")
            issuer = settings.PILOTGATE_OIDC_ISSUER
            if issuer and payload.get("iss") != issuer:
                raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def get_userinfo(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """The userinfo answer over the ID token's claims: some providers (Entra ID)
        put the group claim only in the ID token. Both must name the same subject."""
        userinfo: dict[str, Any] = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about another subject.")
        return {**payload, **userinfo}

    @staticmethod
    def username_from(claims: dict[str, Any]) -> str:
        username = claims.get(settings.PILOTGATE_OIDC_USERNAME_CLAIM) or claims.get("sub") or ""
        return str(username).strip()

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        username = self.username_from(claims)
        return bool(username) and len(username) <= USERNAME_MAX_LENGTH

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return User.objects.filter(username=self.username_from(claims))

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return f"username {self.username_from(claims)}"

    def create_user(self, claims: dict[str, Any]) -> User:
        with transaction.atomic():
            user = User.objects.create_user(self.username_from(claims))
            return self.update_user(user, claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        """The claims' email and names, then the role groups; nothing else of the user."""
        with transaction.atomic():
            fields = {
                "email": claims.get("email"),
                "first_name": claims.get("given_name"),
                "last_name": claims.get("family_name"),
            }
            changed = []
            for field, value in fields.items():
                if isinstance(value, str) and value != getattr(user, field):
                    setattr(user, field, value[: FIELD_MAX_LENGTH[field]])
                    changed.append(field)
            if changed:
                user.save(update_fields=changed)
            sync_role_groups(user, claims)
        return user
