"""Vietnamese phone numbers found in what customers write (pure: no database, no settings).

`phones_in(text)` returns the E.164 numbers a message contains, in the order they appear,
each once. What counts as a number:

- a national prefix: `0…`, `84…`, `+84…`, `0084…` (and the common slip `+84 0…`);
- digit groups separated by single spaces, dots, dashes or brackets: `0912.345.678`,
  `0912 345 678`, `091-234-5678`, `(028) 3823 4567`, `0 9 1 2 3 4 5 6 7 8`;
- mobile numbers in their 2018 form (10 digits) and in the 11-digit form they replaced
  (`0168 234 5678` is `038 234 5678` today; `OLD_MOBILE_PREFIXES`), and landlines with
  the area codes of 2017 (`024 …`, `028 …`, `0236 …`);
- only what phonenumbers says is a valid Vietnamese number, so prices (`1.250.000`), dates
  (`07-12-2026`), quantities and codes glued to letters or `#` (`DH0912345678`, `#0912…`)
  are left alone.

docs/automation.md lists the spellings the tests cover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

# 11-digit mobile prefixes (after the 0) and the 10-digit ones that replaced them in
# September 2018 (Viettel, MobiFone, VinaPhone, Vietnamobile, Gmobile).
OLD_MOBILE_PREFIXES = {
    "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38",
    "169": "39",
    "120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
    "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
    "186": "56", "188": "58",
    "199": "59",
}  # fmt: skip

# A run of digits with single separators between them, not glued to a letter, a digit or '#'.
# An optional '+' and opening bracket may start it; brackets may close a group.
_RUN = re.compile(r"(?<![\w#+\-./])(\+?\(?\+?\d(?:[ .\-()]{0,2}\d)+\)?)(?![\w#])")
_GROUP = re.compile(r"\d+")
# Words customers glue to their number ("sdt0912345678", "zalo:0912…"); a space is put
# between them so the number is not taken for a code glued to letters.
_GLUED_WORD = re.compile(r"(?i)(sđt|sdt|đt|dt|zalo|tel|phone|hotline|số)[:.]?(?=\+?\d)")
_MAX_DIGITS = 14  # 0084 + a 10-digit old mobile number


@dataclass(frozen=True)
class FoundPhone:
    e164: str
    kind: str  # "mobile" or "landline"
    typed: str  # as written in the text


def _national(digits: str, plus: bool) -> str | None:
    """The national significant number (no 0, no 84) of what was typed, or None."""
    if digits.startswith("0084"):
        national = digits[4:]
    elif digits.startswith("84") and (plus or len(digits) >= 11):
        national = digits[2:]
    elif digits.startswith("0") and not plus:
        national = digits[1:]
    else:
        return None
    if national.startswith("0"):  # "+84 0912…": the 0 kept after the country code
        national = national[1:]
    if len(national) == 10 and national[:3] in OLD_MOBILE_PREFIXES:
        national = OLD_MOBILE_PREFIXES[national[:3]] + national[3:]
    return national


def normalise(typed: str) -> FoundPhone | None:
    """One typed number as E.164, or None when it is not a valid Vietnamese number."""
    digits = "".join(_GROUP.findall(typed))
    if not digits or len(digits) > _MAX_DIGITS:
        return None
    national = _national(digits, typed.lstrip("(").startswith("+"))
    if not national or not 8 <= len(national) <= 10:
        return None
    try:
        number = phonenumbers.parse("+84" + national)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        label = "mobile"
    elif kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        label = "landline"
    else:
        return None  # toll-free, premium, VoIP…: not a customer's number
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return FoundPhone(e164=e164, kind=label, typed=typed.strip())


def _split(run: str) -> list[FoundPhone]:
    """A run may hold several numbers ("0912345678 0987654321"): from each group, take the
    longest sequence of groups that is a valid number, then go on after it."""
    spans = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    found: list[FoundPhone] = []
    i = 0
    while i < len(spans):
        best: tuple[int, FoundPhone] | None = None
        digits = 0
        for j in range(i, len(spans)):
            digits += spans[j][1] - spans[j][0]
            if digits > _MAX_DIGITS:
                break
            start = spans[i][0]
            if i == 0:
                start = 0  # keep the '+' or '(' that opens the run
            phone = normalise(run[start : spans[j][1]])
            if phone:
                best = (j, phone)
        if best:
            found.append(best[1])
            i = best[0] + 1
        else:
            i += 1
    return found


def phones_in(text: str) -> list[FoundPhone]:
    """Every Vietnamese number in `text`, once each, in order of appearance."""
    if not text or not any(ch.isdigit() for ch in text):
        return []
    seen: dict[str, FoundPhone] = {}
    text = _GLUED_WORD.sub(r"\1 ", text)
    for match in _RUN.finditer(text):
        for phone in _split(match.group(1)):
            seen.setdefault(phone.e164, phone)
    return list(seen.values())


def has_phone(text: str) -> bool:
    return bool(phones_in(text))
