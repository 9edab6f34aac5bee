"""
The name pattern the schema declares (accounts.names) is the rule the API enforces: a name that
matches it is accepted and stored as `validate_name` wants it, one that does not is refused; and the
pattern reads the same to Python as to ECMA-262 (only `\\uXXXX` classes, no surrogates).
"""

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from accounts.names import NAME_INPUT_MAX_LENGTH, is_name_input, name_input_pattern
from accounts.serializers import PersonNameField
from accounts.validators import validate_name


def accept(value: str) -> str:
    field = PersonNameField()
    field.bind("first_name", None)
    return field.run_validation(value)


def refused(value: str) -> bool:
    try:
        accept(value)
    except serializers.ValidationError:
        return True
    return False


def test_the_pattern_is_spelled_in_escapes_of_the_basic_multilingual_plane():
    pattern = name_input_pattern()

    assert pattern.isascii()
    escapes = [int(code, 16) for code in re.findall(r"\\u([0-9A-F]{4})", pattern)]
    assert escapes
    assert not [code for code in escapes if 0xD800 <= code <= 0xDFFF]


@pytest.mark.parametrize(
    "name",
    [
        "Ada",
        "  Ada  ",
        "Ｌｏｖｅｌａｃｅ",
        "Zoe\u0308",
        "'t Hooft",
        "Jean-Luc",
        "प्रिया",
        "Ηλίας",
        "Ada\u00a0King",
        "A" * 100,
    ],
)
def test_names_people_have_match_and_are_accepted(name):
    assert is_name_input(name)
    validate_name(accept(name))


@pytest.mark.parametrize(
    "name",
    [
        "Ada2",
        "Ada\tKing",
        "\u0301Ada",
        "'-",
        "",
        "   ",
        "A" * 101,
        " " + "A" * 100,  # the limit counts what is sent, surrounding spaces included
        "\ufdfa",  # one character NFKC makes 18
        "\U00020bb7",  # beyond the Basic Multilingual Plane
        "Ada\n\nKing",
    ],
)
def test_names_that_do_not_match_are_refused(name):
    assert not is_name_input(name)
    assert refused(name)


def test_every_letter_the_pattern_admits_is_a_name_on_its_own():
    admitted = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF and is_name_input(chr(code))]

    assert len(admitted) > 40_000
    for char in admitted:
        assert unicodedata.normalize("NFKC", char).isalpha(), f"U+{ord(char):04X}"
        validate_name(accept(char))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.from_regex(name_input_pattern(), fullmatch=True).filter(lambda name: len(name) <= NAME_INPUT_MAX_LENGTH))
def test_whatever_matches_is_accepted(name):
    assert is_name_input(name)
    stored = accept(name)
    validate_name(stored)
    assert stored == unicodedata.normalize("NFKC", name.strip()).strip()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=NAME_INPUT_MAX_LENGTH + 5))
def test_whatever_does_not_match_is_refused(name):
    if not is_name_input(name):
        assert refused(name)
