"""The rule engine: which rules a fact satisfies, and the one answer to send (pure: no
database; the service builds `Facts` and `RuleSpec`s and acts on the result).

Keywords match whole words, without regard to Vietnamese accents or case (`fold`). Folding
makes some words one ("đặt" order / "đắt" dear, "kiểm tra hàng" holds "trả hàng"), so a
keyword written "!phrase" is an exclusion: the rule does not match a text containing it. The best
answer (AU1) among the matching rules that reply is the highest `score`:

1. the longest matched keyword, in folded characters (a phrase beats one of its words);
2. then the most words in that keyword;
3. then a trigger that names the customer (new / returning) over "a message";
4. then the rule's priority;
5. then the rule's place in the list (higher up wins).

Rules that only label are not competing: every matching one acts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, no accents, đ as d, words separated by one space: "Còn HÀNG không?" ->
    "con hang khong"."""
    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class Facts:
    trigger: str
    channel_account_id: int
    text: str = ""  # folded
    has_phone: bool = False
    label_ids: frozenset[int] = frozenset()
    inside_hours: bool = True
    returning: bool = False
    triggers: frozenset[str] = frozenset()  # every trigger this fact satisfies

    def __post_init__(self):
        if not self.triggers:
            object.__setattr__(self, "triggers", frozenset({self.trigger}))


@dataclass(frozen=True)
class RuleSpec:
    id: int
    trigger: str
    position: int = 0
    priority: int = 0
    channel_account_id: int | None = None
    keywords: tuple[str, ...] = ()  # folded
    excludes: tuple[str, ...] = ()  # folded phrases that stop the rule ("!kiểm tra hàng")
    needs_phone: bool | None = None
    needs_label_id: int | None = None
    hours: str = "any"
    customer: str = "any"
    replies: bool = False
    wait_minutes: int | None = None  # the timed triggers' silence
    payload: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Match:
    rule: RuleSpec
    keyword: str  # the matched keyword ("" for a rule without keywords)
    score: tuple


_CUSTOMER_TRIGGERS = frozenset({"new_customer", "returning_customer"})


def _keyword(rule: RuleSpec, padded_text: str) -> str | None:
    if not rule.keywords:
        return ""
    best = None
    for keyword in rule.keywords:
        if keyword and f" {keyword} " in padded_text and (best is None or len(keyword) > len(best)):
            best = keyword
    return best


def match(rule: RuleSpec, facts: Facts, *, padded_text: str | None = None) -> Match | None:
    if rule.trigger not in facts.triggers:
        return None
    if rule.channel_account_id is not None and rule.channel_account_id != facts.channel_account_id:
        return None
    if rule.needs_phone is not None and rule.needs_phone != facts.has_phone:
        return None
    if rule.needs_label_id is not None and rule.needs_label_id not in facts.label_ids:
        return None
    if rule.hours == "inside" and not facts.inside_hours:
        return None
    if rule.hours == "outside" and facts.inside_hours:
        return None
    if rule.customer == "new" and facts.returning:
        return None
    if rule.customer == "returning" and not facts.returning:
        return None
    padded = padded_text if padded_text is not None else f" {facts.text} "
    keyword = _keyword(rule, padded)
    if keyword is None:
        return None
    if any(f" {phrase} " in padded for phrase in rule.excludes):
        return None
    score = (len(keyword), keyword.count(" ") + 1 if keyword else 0,
             1 if rule.trigger in _CUSTOMER_TRIGGERS else 0, rule.priority, -rule.position,
             -rule.id)  # fmt: skip
    return Match(rule=rule, keyword=keyword, score=score)


@dataclass(frozen=True)
class Decision:
    answer: Match | None  # the one rule that replies
    others: tuple[Match, ...]  # matching rules that do not reply (labels …), in list order
    losers: tuple[Match, ...]  # matching rules that would have replied, best first


class RuleIndex(tuple):
    """Compiled rules (a tuple of `RuleSpec`s, in list order) with what `decide` and the
    service ask of every message precomputed: which rules a text can match at all (a rule
    with keywords only when the first word of one of them is in the text: 200 keyword rules
    cost a dictionary lookup per word, not 200 scans), and which facts any rule reads."""

    def __new__(cls, specs: Iterable[RuleSpec] = ()):
        self = super().__new__(cls, specs)
        self.by_word: dict[str, list[int]] = {}
        self.always: list[int] = []  # rules without keywords
        for index, spec in enumerate(self):
            if not spec.keywords:
                self.always.append(index)
            for first in dict.fromkeys(k.split(" ", 1)[0] for k in spec.keywords):
                self.by_word.setdefault(first, []).append(index)
        self.triggers = frozenset(spec.trigger for spec in self)
        self.reads_phone = any(spec.needs_phone is not None for spec in self)
        self.reads_labels = any(spec.needs_label_id for spec in self)
        self.reads_hours = any(spec.hours != "any" for spec in self)
        self.reads_customer = any(spec.customer != "any" for spec in self)
        return self

    def candidates(self, text: str) -> list[RuleSpec]:
        """The rules that may match the folded `text`, in list order."""
        found = set(self.always)
        for word in set(text.split()):
            hit = self.by_word.get(word)
            if hit:
                found.update(hit)
        return [self[i] for i in sorted(found)]


def decide(rules: Iterable[RuleSpec], facts: Facts) -> Decision:
    padded = f" {facts.text} "
    if isinstance(rules, RuleIndex):
        rules = rules.candidates(facts.text)
    matches = [m for rule in rules if (m := match(rule, facts, padded_text=padded))]
    replying = sorted((m for m in matches if m.rule.replies), key=lambda m: m.score, reverse=True)
    others = tuple(m for m in matches if not m.rule.replies)
    return Decision(answer=replying[0] if replying else None, others=others,
                    losers=tuple(replying[1:]))  # fmt: skip


def render(template: str, *, name: str, address: str, page: str) -> str:
    """A reply template's variables: {name}, {anh_chi} (the form of address: "anh/chị" when
    unknown) and {page}. Unknown braces are left as written."""
    values = {"name": name or address, "anh_chi": address, "page": page}
    return re.sub(r"\{(name|anh_chi|page)\}", lambda m: values[m.group(1)], template)


def keywords_folded(keywords: Sequence[str]) -> tuple[str, ...]:
    """The matching keywords, folded (exclusions, written "!phrase", are left out)."""
    return tuple(k for k in (fold(w) for w in keywords if not w.startswith("!")) if k)


def excludes_folded(keywords: Sequence[str]) -> tuple[str, ...]:
    """The exclusions ("!kiểm tra hàng": folding makes it contain "trả hàng"), folded."""
    return tuple(k for k in (fold(w[1:]) for w in keywords if w.startswith("!")) if k)
