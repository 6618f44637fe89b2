"""Fields and widgets every form shares."""

import re
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.urls import reverse

from pilots.selectors.pilots import active_users

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def person_label(user: Any) -> str:
    """``Ada Lovelace (ada)``: a name with the username that tells namesakes apart."""
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


# "Ada Lovelace (ada)": the username in the brackets at the end.
LABELLED_USERNAME = re.compile(r"\(([^()]+)\)\s*$")


class PersonInput(forms.TextInput):
    """A text box with suggestions: type part of a name, username or email.

    ``static/js/people.js`` fills the box's ``<datalist>`` from ``/people/?q=`` (the
    field's ``search_url``) as one types. Without JavaScript it is a plain text box
    that takes a username, an email address or a full name: the field finds the
    person on the server either way.
    """

    template_name = "forms/widgets/person.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.search_url = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["list"] = f"{widget_attrs.get('id', name)}-people"
        widget_attrs["data-people-url"] = self.search_url or reverse("pilots:people")
        return context


class UserChoiceField(forms.ModelChoiceField):
    """One of ``queryset`` (active people unless told), chosen by typing, not from a list.

    The box shows and takes ``person_label`` (what the suggestions offer), a
    username or an email address, or a full name that only one person has. Anyone
    else, an inactive account included, is a field error.
    """

    widget = PersonInput
    default_error_messages = {
        "invalid_choice": "Nobody active here matches “%(value)s”. Type part of their name, "
        "username or email and pick them from the suggestions.",
        "ambiguous": "Several people are called “%(value)s”: type their username or email.",
    }

    def __init__(
        self,
        queryset: QuerySet | None = None,
        *,
        search_url: str = "",
        empty_label: str | None = None,
        **kwargs: Any,
    ) -> None:
        if queryset is None:
            queryset = active_users()
        super().__init__(queryset=queryset, empty_label=None, **kwargs)
        cast(PersonInput, self.widget).search_url = search_url
        if empty_label:  # what an empty box means, as the <select> said it
            self.widget.attrs["placeholder"] = empty_label.strip("— ")

    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)

    def prepare_value(self, value: Any) -> Any:
        """The box's text: a person's label; typed text as it was typed."""
        if isinstance(value, models.Model):
            return person_label(value)
        if isinstance(value, int):  # an initial value: the stored person's id
            person = User._default_manager.filter(pk=value).first()
            return person_label(person) if person else ""
        return value

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip()
        if not text:
            return None
        labelled = LABELLED_USERNAME.search(text)
        username = labelled.group(1).strip() if labelled else text
        queryset = self.people()
        found = list(queryset.filter(username__iexact=username)[:2])
        if not found and not labelled:
            found = list(queryset.filter(email__iexact=text)[:2]) or self.named(text)
        if len(found) == 1:
            return found[0]
        code = "ambiguous" if found else "invalid_choice"
        raise ValidationError(self.error_messages[code], code=code, params={"value": text})

    def people(self) -> QuerySet:
        """Whom the field may name (set in ``__init__``, never None)."""
        return cast(QuerySet, self.queryset)

    def named(self, text: str) -> list[Any]:
        """Whoever has this full name ("Ada Lovelace"): at most two, to tell one from many."""
        first, _, last = text.partition(" ")
        if not last:
            return []
        return list(
            self.people().filter(first_name__iexact=first.strip(), last_name__iexact=last.strip())[
                :2
            ]
        )

    def has_changed(self, initial: Any, data: Any) -> bool:
        return str(self.prepare_value(initial) or "") != str(data or "").strip()


def plain_decimal(value: Decimal | None) -> str | None:
    """``12.0000`` as stored → ``12`` as a person would type it."""
    return None if value is None else format(value.normalize(), "f")


def short_text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})
