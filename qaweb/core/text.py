r"""Text cleaning: once where text enters (form fields), and again in every writer.

People paste from Word and Outlook: vertical tabs (Word's manual line break), form feeds
(page breaks), NULs, zero-width spaces and direction marks come with the text. XML 1.0
(so .docx and .xlsx) cannot hold most control characters, PostgreSQL refuses NUL, and an
invisible character in an email address or case reference makes two identical-looking
values differ. So:

- ``clean_text`` is applied by every text field: line breaks become ``\n``, other control
  characters go, except tab.
- ``clean_identifier`` is applied to identifiers (email addresses, references, case
  numbers): as ``clean_text``, and zero-width and direction-control characters go too.
- ``printable`` is applied by writers (Word, Excel, calendar, pages) to text already stored,
  whatever it holds: nothing they write can then be refused.
"""

import re

# Line breaks as browsers and Word send them (CRLF, CR, NEL, line and paragraph separators).
_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")
# C0 and C1 control characters except tab and line feed; surrogates and the two
# non-characters XML 1.0 excludes (U+FFFE, U+FFFF).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Invisible characters that change how a value compares or reads: soft hyphen, zero-width
# space/non-joiner/joiner, direction marks and embeddings/overrides/isolates, word joiner
# and invisible operators, byte-order mark.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_text(value: str) -> str:
    r"""``value`` with line breaks as ``\n`` and no control characters but tab and ``\n``.

    A vertical tab or form feed (Word's line and page breaks) becomes a line break, as the
    writer meant; anything else invisible is removed.
    """
    if value.isprintable():  # the usual: no line break or control character, nothing to do
        return value
    value = _LINE_BREAKS.sub("\n", value)
    value = value.replace("\x0b", "\n").replace("\x0c", "\n")
    return _CONTROL.sub("", value)


def clean_identifier(value: str) -> str:
    """An email address, reference or case number as typed, without the invisible characters
    that copying adds (zero-width, direction marks), control characters or surrounding
    spaces."""
    return _INVISIBLE.sub("", clean_text(value)).strip()


def printable(value):
    r"""Stored text made safe for any writer (.docx, .xlsx, .ics, HTML): line breaks as
    ``\n``, no control characters but tab. Values that are not text pass through."""
    if not isinstance(value, str):
        return value
    return clean_text(value)


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """A count and its noun as a sentence says it: "1 case", "2 cases", "12,345 rows".

    ``n`` is a whole number, written as the ``number`` filter writes it (commas in numbers
    over 999, as GOV.UK style does); ``singular`` is the noun for one; ``plural`` for any
    other count (0 too: "0 cases"), the singular with an "s" unless given ("person",
    "people"). Used by flash messages and, as the ``counted`` Jinja filter, by templates.
    """
    noun = singular if n == 1 else (plural if plural is not None else singular + "s")
    shown = f"{n:,}" if isinstance(n, int) and not isinstance(n, bool) else n
    return f"{shown} {noun}"
