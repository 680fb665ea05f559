"""Chinese IP numbers: normalise, validate and compute check digits. Pure, no ORM.

Patent application numbers (since October 2003) are 12 digits plus a check
digit: year (4), type (1), serial (7). The check digit is the sum of the
digits weighted 2,3,4,5,6,7,8,9,2,3,4,5, modulo 11, with 10 written X.
Numbers of the older 8-digit scheme are refused: every right filed under it
has expired.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

INVENTION, UTILITY_MODEL, DESIGN = "invention", "utility_model", "design"

# The 5th digit: the kind of right, and whether it entered via the PCT national phase.
PATENT_TYPE_DIGITS = {
    "1": (INVENTION, False),
    "2": (UTILITY_MODEL, False),
    "3": (DESIGN, False),
    "8": (INVENTION, True),
    "9": (UTILITY_MODEL, True),
}

NICE_CLASSES = range(1, 46)

# re.ASCII: \d is 0–9 only; other scripts' digits are refused before these are tried.
_PATENT_RE = re.compile(r"^(?:ZL|CN)?(\d{12})\.?([0-9X])?$", re.ASCII)
# Before October 2003: 8 digits (year 2, type 1, serial 5) and a check digit, e.g. 02123456.7.
_OLD_PATENT_RE = re.compile(r"^(?:ZL|CN)?(\d{8})\.?([0-9X])?$", re.ASCII)
_SOFTWARE_RE = re.compile(r"^(\d{4})SR(\d{5,7})$", re.ASCII)
_TRADEMARK_RE = re.compile(r"^\d{1,10}$", re.ASCII)
# Full-width forms (ＣＮ２００９…．２, typed with a Chinese input method) are their ASCII twins.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# The 12-digit patent scheme began in October 2003; China's software register in 1992.
FIRST_PATENT_YEAR = 2003
FIRST_SOFTWARE_YEAR = 1992
_NICE_SPLIT_RE = re.compile(r"[\s,;，；、]+")


class NumberError(ValueError):
    """A number that cannot be used; `message` is translated and says what to fix."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PatentNumber:
    digits: str
    check: str
    patent_type: str
    pct: bool

    @property
    def year(self):
        return int(self.digits[:4])

    def __str__(self):
        return f"{self.digits}.{self.check}"


def _latest_year():
    # A number can carry next year's date an hour before UTC catches up with Beijing.
    return datetime.datetime.now(datetime.UTC).year + 1


def _compact(raw):
    """Spaces out, full-width forms as ASCII, upper case; NumberError for other digits."""
    text = re.sub(r"[\s\u3000]+", "", str(raw or "")).translate(_FULL_WIDTH).upper()
    foreign = next((c for c in text if c.isdigit() and not c.isascii()), None)
    if foreign is not None:
        raise NumberError(
            _("Write numbers with the digits 0–9; %(character)s is not one of them.")
            % {"character": foreign}
        )
    return text


def _check_year(year, first, message):
    if not first <= year <= _latest_year():
        raise NumberError(message % {"year": year, "first": first, "last": _latest_year()})


def patent_check_digit(digits):
    """The check digit of a 12-digit application number, as a string ('0'–'9' or 'X')."""
    if len(digits) != 12 or not (digits.isascii() and digits.isdigit()):
        raise ValueError("a patent application number has 12 digits")
    remainder = sum(int(digit) * weight for digit, weight in zip(digits, WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def parse_patent_number(raw):
    """Normalise e.g. "ZL 2009 1 0005164.2" to a PatentNumber, or raise NumberError."""
    compact = _compact(raw)
    if not compact:
        raise NumberError(_("Enter the patent application number."))
    match = _PATENT_RE.match(compact)
    if match is None and _OLD_PATENT_RE.match(compact):
        raise NumberError(
            _(
                "%(number)s is an application number of the scheme used before October 2003 "
                "(8 digits and a check digit); every right filed under it has ended (an "
                "invention lasts 20 years), so it cannot be kept in custody."
            )
            % {"number": compact}
        )
    if match is None:
        raise NumberError(
            _(
                "A patent application number has 12 digits and a check digit, "
                "e.g. 200910005164.2 (a CN or ZL prefix is allowed)."
            )
        )
    digits, given = match.groups()
    expected = patent_check_digit(digits)
    if given is None:
        raise NumberError(
            _("The check digit is missing: the check digit should be %(digit)s.")
            % {"digit": expected}
        )
    if given != expected:
        raise NumberError(
            _("The check digit %(given)s is wrong: the check digit should be %(digit)s.")
            % {"given": given, "digit": expected}
        )
    _check_year(
        int(digits[:4]),
        FIRST_PATENT_YEAR,
        _(
            "The number starts with the year %(year)s; a 12-digit application number is "
            "from %(first)s to %(last)s."
        ),
    )
    kind = PATENT_TYPE_DIGITS.get(digits[4])
    if kind is None:
        raise NumberError(
            _(
                "The 5th digit %(digit)s names no kind of patent "
                "(1 invention, 2 utility model, 3 design, 8 or 9 PCT national phase)."
            )
            % {"digit": digits[4]}
        )
    return PatentNumber(digits=digits, check=given, patent_type=kind[0], pct=kind[1])


def normalise_trademark_number(raw):
    compact = _compact(raw)
    if not _TRADEMARK_RE.match(compact):
        raise NumberError(_("A trademark registration number has 1 to 10 digits."))
    number = compact.lstrip("0")
    if not number:
        raise NumberError(_("A trademark registration number is never 0."))
    return number


def normalise_software_number(raw):
    compact = _compact(raw)
    match = _SOFTWARE_RE.match(compact)
    if not match:
        raise NumberError(_("A software copyright registration number looks like 2023SR0123456."))
    _check_year(
        int(match.group(1)),
        FIRST_SOFTWARE_YEAR,
        _(
            "The number starts with the year %(year)s; software copyrights are registered "
            "from %(first)s to %(last)s."
        ),
    )
    return compact


def parse_nice_classes(raw):
    """Nice classes from a list or a text like "9, 35; 42": sorted, unique, each 1–45."""
    if isinstance(raw, list | tuple | set):
        parts = [_compact(part) for part in raw]
    else:
        parts = [_compact(part) for part in _NICE_SPLIT_RE.split(str(raw or "").strip())]
    parts = [part for part in parts if part]
    if not parts:
        raise NumberError(_("Name at least one Nice class (1–45)."))
    classes = set()
    for part in parts:
        if not (part.isascii() and part.isdigit()) or int(part) not in NICE_CLASSES:
            raise NumberError(
                _("%(value)s is not a Nice class; classes run from 1 to 45.") % {"value": part}
            )
        classes.add(int(part))
    return sorted(classes)
