"""The strict input fields accept exactly what the patterns they publish describe.

Property tests (hypothesis, which schemathesis also uses to generate requests):
whatever the schema calls valid, the field takes; whatever it calls invalid, the
field refuses.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.validators import URLValidator
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from pilots.frame.api.fields import (
    LINK,
    LINK_MAX_LENGTH,
    NOT_BLANK_PATTERN,
    TEXT_PATTERN,
    BlankableURLField,
    DecimalValue,
    StrictCharField,
)

FEW = settings(max_examples=300, deadline=None, database=None)


def accepts(field, value) -> bool:
    try:
        field.run_validation(value)
    except ValidationError:
        return False
    return True


@FEW
@given(st.from_regex(LINK, fullmatch=True).filter(lambda link: len(link) <= LINK_MAX_LENGTH))
def test_every_link_the_pattern_allows_is_a_url_the_model_takes(link):
    """The published pattern is a subset of Django's URLValidator, which the model's
    URLField runs in the services: a link valid by the schema is never refused later."""
    URLValidator()(link)
    assert accepts(BlankableURLField(), link)


@FEW
@given(st.text())
def test_a_link_is_taken_exactly_when_the_pattern_matches(text):
    field = BlankableURLField()
    in_schema = re.search(field.pattern, text) is not None and len(text) <= LINK_MAX_LENGTH
    assert accepts(field, text) is in_schema


@FEW
@given(st.text(alphabet=st.sampled_from(["a", " ", "\x00", "\u3000", "\n", "\t", "é"])))
@pytest.mark.parametrize("allow_blank", [True, False])
def test_text_is_taken_exactly_when_the_pattern_matches(allow_blank, text):
    field = StrictCharField(allow_blank=allow_blank, max_length=5)
    pattern = TEXT_PATTERN if allow_blank else NOT_BLANK_PATTERN
    assert field.pattern == pattern
    in_schema = re.search(pattern, text) is not None and len(text) <= 5
    assert accepts(field, text) is in_schema


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("12.5", "12.5000"),
        (0.1 + 0.2, "0.3000"),  # the nearest 4-place decimal to a binary float
        (1.23455, "1.2346"),  # rounded, half to even on the exact decimal sent
        (-1e-300, "0.0000"),  # no negative zero
        (999999999999.9999, "999999999999.9999"),
    ],
)
def test_a_decimal_is_taken_exactly_from_a_string_and_rounded_from_a_number(sent, kept):
    assert f"{DecimalValue().run_validation(sent):f}" == kept


@pytest.mark.parametrize("sent", [1e12, -1e12, "12.34567", "1e3", " 12.5", True])
def test_a_decimal_out_of_range_or_form_is_refused(sent):
    assert not accepts(DecimalValue(), sent)


def test_a_minimum_is_checked_before_rounding():
    """-0.001 rounds to 0.00, but the schema's minimum (0) calls it invalid."""
    field = DecimalValue(max_digits=12, decimal_places=2, min_value=0)
    assert field.schema()["oneOf"][1]["minimum"] == 0
    assert not accepts(field, -0.001)
    assert field.run_validation(0.004) == Decimal("0.00")
