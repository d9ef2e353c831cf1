"""The pure rule engine: accent-free keyword matching, conditions and the best answer."""

from automation.engine import Facts, RuleSpec, decide, fold, keywords_folded, match, render


def spec(id, keywords=(), **kw):
    return RuleSpec(id=id, trigger=kw.pop("trigger", "message"),
                    keywords=keywords_folded(keywords), replies=kw.pop("replies", True), **kw)  # fmt: skip


def facts(text, **kw):
    return Facts(trigger="message", channel_account_id=kw.pop("channel", 1), text=fold(text), **kw)


def test_fold_ignores_accents_case_and_punctuation():
    assert fold("Còn HÀNG không?? Đà Nẵng!") == "con hang khong da nang"
    assert fold("phí ship") == fold("phi ship") == fold("PHÍ   SHÍP")


def test_keywords_match_whole_words_without_accents():
    rule = spec(1, ["giá"])
    assert match(rule, facts("Giá bao nhiêu vậy shop"))
    assert match(rule, facts("gia bao nhieu"))
    assert not match(rule, facts("giao hàng chưa"))  # "gia" is not a word of "giao"


def test_every_condition_narrows():
    assert not match(spec(1, channel_account_id=2), facts("x", channel=1))
    assert match(spec(1, needs_phone=True), facts("x", has_phone=True))
    assert not match(spec(1, needs_phone=True), facts("x"))
    assert not match(spec(1, needs_phone=False), facts("x", has_phone=True))
    assert match(spec(1, needs_label_id=5), facts("x", label_ids=frozenset({5})))
    assert not match(spec(1, needs_label_id=5), facts("x"))
    assert not match(spec(1, hours="outside"), facts("x", inside_hours=True))
    assert match(spec(1, hours="outside"), facts("x", inside_hours=False))
    assert not match(spec(1, hours="inside"), facts("x", inside_hours=False))
    assert not match(spec(1, customer="new"), facts("x", returning=True))
    assert match(spec(1, customer="returning"), facts("x", returning=True))
    assert not match(spec(1, trigger="comment"), facts("x"))


def test_the_longest_most_specific_match_answers_then_priority_then_order():
    rules = [spec(1, ["ship"]), spec(2, ["phí ship", "ship"]), spec(3)]
    decision = decide(rules, facts("phí ship về Hà Nội bao nhiêu"))
    assert decision.answer.rule.id == 2 and decision.answer.keyword == "phi ship"
    assert [m.rule.id for m in decision.losers] == [1, 3]
    tie = decide([spec(1, ["ship"], priority=0), spec(2, ["ship"], priority=5)], facts("ship"))
    assert tie.answer.rule.id == 2
    order = decide([spec(7, ["ship"], position=2), spec(8, ["ship"], position=1)], facts("ship"))
    assert order.answer.rule.id == 8


def test_a_greeting_beats_the_default_reply_but_not_a_keyword():
    f = Facts(trigger="message", triggers=frozenset({"message", "new_customer"}),
              channel_account_id=1, text=fold("shop ơi còn hàng không"))  # fmt: skip
    greeting, default, keyword = spec(1, trigger="new_customer"), spec(2), spec(3, ["còn hàng"])
    assert decide([greeting, default], f).answer.rule.id == 1
    assert decide([greeting, default, keyword], f).answer.rule.id == 3


def test_rules_that_only_label_all_act_and_never_answer():
    labeller = spec(1, ["đổi trả"], replies=False)
    other = spec(2, ["đổi"], replies=False)
    decision = decide([labeller, other], facts("cho em đổi trả size"))
    assert decision.answer is None and [m.rule.id for m in decision.others] == [1, 2]


def test_templates_fill_name_address_and_page():
    text = render("Chào {anh_chi} {name}, {page} nghe ạ {x}", name="Lan", address="anh/chị",
                  page="Shop A")  # fmt: skip
    assert text == "Chào anh/chị Lan, Shop A nghe ạ {x}"
    assert render("Chào {name}", name="", address="anh/chị", page="") == "Chào anh/chị"


def test_two_hundred_rules_evaluate_well_under_a_millisecond():
    import time

    rules = [spec(i, [f"từ khoá {i}", f"mẫu {i} số"], priority=i % 3) for i in range(200)]
    f = facts("shop ơi từ khoá 150 còn không, mẫu 7 số bao nhiêu")
    times = []
    for _ in range(300):
        started = time.perf_counter()
        decision = decide(rules, f)
        times.append(time.perf_counter() - started)
    assert decision.answer.rule.id == 150
    times.sort()
    assert times[int(len(times) * 0.95)] < 0.001
