"""Vietnamese alphabetical order for names people pick from (labels, fanpages): "Đã chốt"
after "Dọn kho" and before "Xuất hóa đơn", not after "Z" as code points put it. The embedded
PostgreSQL is built without ICU, so the order is a collation key computed here; lists sorted
this way are short (a workspace's labels), so sorting in Python costs nothing."""

import unicodedata

# Base letters in Vietnamese order; ă â đ ê ô ơ ư are letters of their own.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
RANK = {letter: n for n, letter in enumerate(ALPHABET)}
# Marks that make a letter of its own, by the letter they make.
LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
                ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}  # fmt: skip
# Tones, in dictionary order: level, grave, hook, tilde, acute, dot below.
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(text: str):
    """(letter, tone) pairs of a case-folded text; non-letters pass through with tone 0."""
    decomposed = unicodedata.normalize("NFD", text.casefold())  # "đ" does not decompose
    letters: list[list] = []
    for char in decomposed:
        if unicodedata.combining(char) and letters:
            base, tone = letters[-1]
            if (base, char) in LETTER_MARKS:
                letters[-1][0] = LETTER_MARKS[(base, char)]
            elif char in TONES:
                letters[-1][1] = TONES[char]
            continue
        letters.append([char, 0])
    return letters


def vietnamese_key(text: str) -> tuple:
    """Sort key: letters first (digits before letters, other characters by code point), then
    tones, then the text itself so that different spellings never compare equal."""
    letters = _letters(str(text or "").strip())
    primary = tuple(
        (1, RANK[c]) if c in RANK else (0, ord(c)) if c.isdigit() else (2, ord(c))
        for c, _ in letters
    )
    return primary, tuple(tone for _, tone in letters), str(text or "")


def by_vietnamese_name(items, name=lambda item: item.name) -> list:
    return sorted(items, key=lambda item: vietnamese_key(name(item)))
