"""
Confirmation of payee's name comparison: tolerant of how people type a name, strict about whose it is.

Both names are normalised the same way: Unicode compatibility decomposition (NFKD) with the
combining marks dropped (`Zoë` is `zoe`), case folded, hyphens and full stops read as spaces
(`Jean-Luc`, `J.`), apostrophes dropped (`O'Brien` is `obrien`), and runs of spaces collapsed. Then:

- `match`: the same words in the same order;
- `close_match`: the same first and last word, and the words between them left out on one side
  (`Ada Lovelace` for `Ada Mary Lovelace`) or written as initials (`Ada M Lovelace`);
- `no_match`: anything else.
"""

import re
import unicodedata
from enum import StrEnum


class NameMatch(StrEnum):
    MATCH = "match"
    CLOSE_MATCH = "close_match"
    NO_MATCH = "no_match"


_SEPARATORS = re.compile(r"[-\u2010\u2011\u2012\u2013\u2014.]")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")


def name_words(name: str) -> list[str]:
    """The words of `name` as they are compared: no accents, no case, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    bare = _APOSTROPHES.sub("", _SEPARATORS.sub(" ", bare.casefold()))
    return bare.split()


def compare_names(given: str, on_record: str) -> NameMatch:
    """How well the name a payer typed (`given`) fits the name on the account."""
    typed, kept = name_words(given), name_words(on_record)
    if not typed or not kept:
        return NameMatch.NO_MATCH
    if typed == kept:
        return NameMatch.MATCH
    if len(typed) < 2 or len(kept) < 2 or typed[0] != kept[0] or typed[-1] != kept[-1]:
        return NameMatch.NO_MATCH
    typed_middle, kept_middle = typed[1:-1], kept[1:-1]
    if not typed_middle or not kept_middle:
        return NameMatch.CLOSE_MATCH
    if len(typed_middle) == len(kept_middle) and all(map(_same_or_initial, typed_middle, kept_middle)):
        return NameMatch.CLOSE_MATCH
    return NameMatch.NO_MATCH


def _same_or_initial(one: str, other: str) -> bool:
    return one == other or (len(one) == 1 and other.startswith(one)) or (len(other) == 1 and one.startswith(other))
