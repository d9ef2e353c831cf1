"""`{{ text|highlight:q }}`: the words of a search marked in a text, accents ignored.

The text is escaped piece by piece; only the <mark> tags are ours, so user text never
reaches the page unescaped."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from conversations.selectors.search import SEARCH_MIN_CHARS, phone_digits, search_normalise

register = template.Library()


def _folded(text: str) -> tuple[str, list[int]]:
    """`text` folded like the search (lower case, no accents), and for each folded character
    the index of the character of `text` it comes from."""
    folded, origin = [], []
    for index, char in enumerate(text):
        for piece in search_normalise(char) or (" " if char.isspace() else ""):
            folded.append(piece)
            origin.append(index)
    return "".join(folded), origin


def match_spans(text: str, q: str) -> list[tuple[int, int]]:
    """Merged (start, end) ranges of `text` holding a word of `q`."""
    words = [w for w in search_normalise(q).split() if len(w) >= SEARCH_MIN_CHARS]
    if not text or not words:
        return []
    folded, origin = _folded(text)
    spans = []
    for word in words:
        start = folded.find(word)
        while start != -1:
            end = start + len(word)
            spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(word, end)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@register.filter
def highlight(text, q) -> str:
    text = str(text or "")
    q = str(q or "")
    if phone_digits(q):
        return escape(text)
    spans = match_spans(text, q)
    if not spans:
        return escape(text)
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


@register.simple_tag(takes_context=True)
def highlighted(context, text) -> str:
    """`highlight` with the list's search, if there is one (live pushes render rows without
    any filters: then the text comes back escaped, unmarked)."""
    filters = context.get("filters")
    return highlight(text, getattr(filters, "q", ""))
