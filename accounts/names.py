"""
Provides the pattern a person's name must match as typed, before it is trimmed and NFKC-normalised,
written once for the API's validation and for its OpenAPI schema.

The rule (`accounts.validators.validate_name`) is about letters of any script, which JSON Schema can
say only with `\\p{L}`, a class that neither every validator nor Python's `re` understands. So the
pattern spells the classes out from the Unicode database, as `\\uXXXX` ranges that ECMA-262 (with or
without its `u` flag) and Python read alike. That is only possible in the Basic Multilingual Plane:
characters beyond it would be surrogate pairs to one reader and single characters to the other, so
a name is made of characters of that plane (which holds the letters of every script in current use;
rare historic ideographs beyond it are refused).

A character counts by what NFKC makes of it, so that full-width letters (`Ａｄａ`), a no-break space
or a full-width apostrophe are accepted and normalised as before. Only characters that NFKC maps to
one character are admitted, so a name never grows when normalised and at most 100 characters typed
are at most 100 stored; the few that become a mark or a space (e.g. U+0E33) are left out, so that a
name that matches always passes `validate_name` (accounts/tests/test_names.py checks both ways).
"""

import re
import unicodedata
from functools import cache

from bankapi.schema import char_class

NAME_INPUT_MAX_LENGTH = 100

_BMP_END = 0xFFFF
_SURROGATES = range(0xD800, 0xE000)


@cache
def name_input_pattern() -> str:
    """
    A name as typed: surrounding whitespace (trimmed), then letters, combining marks, spaces,
    apostrophes and hyphens, beginning with a letter or with apostrophes, hyphens or spaces before
    the first letter, never with a mark.
    """
    whitespace, letters, marks, spaces, punctuation = [], [], [], [], []
    for code_point in range(_BMP_END + 1):
        if code_point in _SURROGATES:
            continue
        char = chr(code_point)
        if char.isspace():  # what str.strip(), and so DRF's trimming, removes
            whitespace.append(code_point)
        normalised = unicodedata.normalize("NFKC", char)
        if normalised == " ":
            spaces.append(code_point)
        elif normalised in ("'", "-"):
            punctuation.append(code_point)
        elif len(normalised) == 1 and normalised.isalpha():
            letters.append(code_point)
        elif len(normalised) == 1 and unicodedata.category(normalised).startswith("M"):
            marks.append(code_point)
    ends = char_class(whitespace)
    before_letter = char_class(marks + spaces + punctuation)
    return (
        f"^{ends}*(?:{char_class(punctuation)}{before_letter}*)?{char_class(letters)}"
        f"{char_class(letters + marks + spaces + punctuation)}*{ends}*$"
    )


@cache
def name_input_regex() -> re.Pattern[str]:
    return re.compile(name_input_pattern())


def is_name_input(value: str) -> bool:
    """Whether `value` (as typed) matches the pattern, read as ECMA-262 reads it: no newline before `$`."""
    return len(value) <= NAME_INPUT_MAX_LENGTH and name_input_regex().fullmatch(value) is not None
