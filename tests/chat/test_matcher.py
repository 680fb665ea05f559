"""The FAQ matcher over a small bilingual FAQ about this product, written for these tests."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat.matcher import (
    ANSWER,
    CLARIFY,
    DEFAULT_SETTINGS,
    EN,
    FALLBACK,
    HANDOFF,
    KINDS,
    ZH,
    FaqEntry,
    MatcherSettings,
    build_index,
    match,
    rank,
)
from chat.normalise import normalise
from chat.thesaurus import Thesaurus, default_thesaurus

ENTRIES = [
    FaqEntry(
        "custody-apply",
        ZH,
        "怎么申请知识产权托管？",
        ("在哪里提交托管申请？", "企业如何报名参加托管？"),
        "在平台的托管申请页面填写需求并提交，孵化器确认后进入机构匹配。",
        "programme",
    ),
    FaqEntry(
        "custody-apply",
        EN,
        "How do I apply for IP custody?",
        ("Where do I submit a custody request?", "How can our company join the custody programme?"),
        "Fill in the custody request form on the platform and submit it; your incubator "
        "confirms it before an agency is matched.",
        "programme",
    ),
    FaqEntry(
        "copay-cost",
        ZH,
        "企业自付部分要多少钱？",
        ("托管是免费的吗？",),
        "政府承担大部分费用，企业按当年规则支付自付部分。",
        "payments",
    ),
    FaqEntry(
        "copay-cost",
        EN,
        "What does the co-payment cost?",
        ("Is custody free for our firm?",),
        "The government pays most of the cost; your firm pays the co-payment set for the "
        "programme year.",
        "payments",
    ),
    FaqEntry(
        "patent-annual-fee",
        ZH,
        "专利年费什么时候交？",
        ("年费的缴费期限怎么算？",),
        "年费按申请日每年缴纳，逾期有六个月滞纳期。",
        "deadlines",
    ),
    FaqEntry(
        "patent-annual-fee",
        EN,
        "When is the patent annual fee due?",
        ("How is the annuity deadline worked out?",),
        "Annual fees fall due each year on the filing-date anniversary, with a six-month "
        "grace period.",
        "deadlines",
    ),
    FaqEntry(
        "trademark-renewal",
        ZH,
        "商标怎么续展？",
        ("商标到期前多久可以续展？",),
        "商标有效期十年，期满前十二个月内可以续展，另有六个月宽展期。",
        "trademarks",
    ),
    FaqEntry(
        "trademark-renewal",
        EN,
        "How do we renew a trademark?",
        ("How early can a trademark be renewed?",),
        "A registration lasts ten years; renew in the twelve months before expiry or within "
        "the six-month grace period.",
        "trademarks",
    ),
    FaqEntry(
        "contract-term",
        ZH,
        "托管合同期限多久？",
        ("托管是一年期的吗？",),
        "托管合同通常为期一年。",
        "contracts",
    ),
    FaqEntry(
        "contract-term",
        EN,
        "How long is the custody contract?",
        ("Does custody run for one year?",),
        "A custody contract normally runs for one year.",
        "contracts",
    ),
    FaqEntry("invoice", ZH, "付款后怎么开发票？", (), "在订单页面申请电子发票。", "payments"),
    FaqEntry(
        "invoice",
        EN,
        "How do I get an invoice after paying?",
        (),
        "Request an electronic invoice on the order page.",
        "payments",
    ),
    FaqEntry(
        "password-reset",
        ZH,
        "忘记密码怎么办？",
        ("怎么重置登录密码？",),
        "在登录页点击“忘记密码”，按短信验证码重置。",
        "platform",
    ),
    FaqEntry(
        "password-reset",
        EN,
        "I forgot my password, what now?",
        ("How do I reset my login password?",),
        "Click 'Forgot password' on the sign-in page and follow the text-message code.",
        "platform",
    ),
]


@pytest.fixture(scope="module")
def index():
    return build_index(ENTRIES)


# ---- normalisation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＨＯＷ　ＤＯ Ｉ ＡＰＰＬＹ？", "how do i apply"),
        ("專利年費什麼時候交", "专利年费什么时候交"),
        ("软著——登记，在哪办？！", "软著 登记 在哪办"),
        ("Can we use the ® mark?", "can we use the ® mark"),
        ("didn't pay", "didnt pay"),
        ("GB/T 29490", "gb t 29490"),
        ("a US patent", "a usa patent"),
        ("  ", ""),
    ],
)
def test_normalise_folds_width_script_case_and_punctuation(text, expected):
    assert normalise(text) == expected


# ---- bands -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "language"),
    [
        ("怎么申请托管", "custody-apply", ZH),
        ("how can I apply for custody", "custody-apply", EN),
        ("專利年費什麼時候交", "patent-annual-fee", ZH),
        ("ＨＯＷ ＤＯ Ｉ ＲＥＮＥＷ Ａ ＴＲＡＤＥＭＡＲＫ", "trademark-renewal", EN),
        ("密码忘了", "password-reset", ZH),
        ("is the custody free", "copay-cost", EN),
    ],
)
def test_a_clear_question_is_answered(index, text, key, language):
    result = match(index, text)

    assert (result.kind, result.faq_key, result.language) == (ANSWER, key, language)
    assert result.suggestions == []
    assert result.score >= DEFAULT_SETTINGS.answer_score


@pytest.mark.parametrize(
    ("text", "key"),
    [
        # everyday words for the terms: 牌子 is a trademark, 续 a renewal
        ("牌子快到期了怎么续", "trademark-renewal"),
        # misspelt English
        ("how do i renwe a trademrk", "trademark-renewal"),
        # a homophone typed for 合同 (contract)
        ("托管和同多久", "contract-term"),
    ],
)
def test_everyday_words_and_typing_slips_still_reach_the_entry(index, text, key):
    result = match(index, text)

    assert result.kind in (ANSWER, CLARIFY)
    assert result.faq_key == key


def test_a_question_on_two_entries_asks_which_one_was_meant(index):
    result = match(index, "年费和续展")

    assert result.kind == CLARIFY
    assert {suggestion.key for suggestion in result.suggestions} == {
        "trademark-renewal",
        "patent-annual-fee",
    }
    assert result.faq_key == result.suggestions[0].key
    assert all(suggestion.question.endswith("？") for suggestion in result.suggestions)


def test_suggestions_are_at_most_three_and_best_first(index):
    loose = MatcherSettings(answer_score=99.0, clarify_score=1.0, suggestion_window=100.0)

    result = match(index, "custody fee contract invoice", settings=loose)

    assert result.kind == CLARIFY
    assert len(result.suggestions) == 3
    scores = [suggestion.score for suggestion in result.suggestions]
    assert scores == sorted(scores, reverse=True)
    assert result.suggestions[0].key == result.faq_key


@pytest.mark.parametrize(
    "text",
    ["推荐一部好看的电影", "what is a good pizza recipe", "asdf qwer", "", "？？？"],
)
def test_an_unrelated_message_falls_back(index, text):
    result = match(index, text)

    assert result.kind == FALLBACK
    assert result.faq_key is None
    assert result.suggestions == []


def test_another_countrys_office_is_out_of_scope(index):
    assert match(index, "How do we renew a trademark?").kind == ANSWER

    result = match(index, "How do we renew a trademark in the US?")

    assert result.kind != ANSWER


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "人工服務 謝謝",
        "我想找个顾问当面聊聊",
        "麻烦帮我预约一次咨询",
        "请让老师给我回个电话",
        "talk to a human",
        "book a consultation",
        "please have a consultant call me",
        "I need to speak with an advisor about our licence",
        "representative please",
    ],
)
def test_asking_for_a_person_hands_off(index, text):
    result = match(index, text)

    assert result.kind == HANDOFF
    assert result.suggestions == []


def test_a_handoff_names_its_topic_when_one_stands_out(index):
    result = match(index, "我想找个顾问聊聊专利年费什么时候交")

    assert result.kind == HANDOFF
    assert result.faq_key == "patent-annual-fee"


def test_the_language_can_be_forced(index):
    result = match(index, "custody", language=ZH)

    assert result.language == ZH


def test_an_entry_in_one_language_only_is_found_across_languages():
    entries = [
        FaqEntry("training-signup", ZH, "培训活动怎么报名？", (), "在培训页面点击报名。"),
        FaqEntry("invoice", EN, "How do I get an invoice?", (), "Request it on the order page."),
    ]
    index = build_index(entries)
    apart = MatcherSettings(cross_language_weight=0.0)
    text = "how do I sign up for a training event"

    assert "training-signup" not in [c.key for c in rank(index, text, EN, apart)]
    best = rank(index, text, EN)[0]
    assert best.key == "training-signup"
    assert best.entry.language == ZH


def test_an_empty_index_always_falls_back():
    index = build_index([])

    assert match(index, "怎么申请托管").kind == FALLBACK
    assert rank(index, "怎么申请托管", ZH) == []


def test_matching_is_deterministic(index):
    texts = ["年费和续展", "custody fee", "怎么申请托管", "牌子快到期了怎么续"]
    again = build_index(list(reversed(ENTRIES)))

    first = [match(index, text) for text in texts]
    second = [match(index, text) for text in texts]
    rebuilt = [match(again, text) for text in texts]

    assert first == second
    assert [(r.kind, r.faq_key, r.score) for r in first] == [
        (r.kind, r.faq_key, r.score) for r in rebuilt
    ]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120))
def test_match_never_raises_and_keeps_its_promises(index, text):
    result = match(index, text)

    assert result.kind in KINDS
    assert result.language in (ZH, EN)
    assert len(result.suggestions) <= 3
    if result.kind == ANSWER:
        assert result.faq_key is not None and not result.suggestions
    if result.kind == CLARIFY:
        assert result.suggestions and result.suggestions[0].key == result.faq_key
    if result.kind == FALLBACK:
        assert result.faq_key is None and not result.suggestions


# ---- settings and thesaurus ------------------------------------------------


def test_settings_from_a_dict_keep_the_defaults_for_what_is_left_out():
    chosen = MatcherSettings.from_dict({"answer_score": 60.0, "clarify_score": 35.0})

    assert chosen.answer_score == 60.0
    assert chosen.clarify_score == 35.0
    assert chosen.answer_margin == DEFAULT_SETTINGS.answer_margin
    assert MatcherSettings.from_dict(DEFAULT_SETTINGS.as_dict()) == DEFAULT_SETTINGS
    assert MatcherSettings.from_dict(None) == DEFAULT_SETTINGS


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"answer_scor": 50}, "unknown matcher settings: answer_scor"),
        ({"fuzz_scorer": "nope"}, "fuzz_scorer must be one of"),
        ({"max_suggestions": 5}, "max_suggestions"),
        ({"answer_score": 30.0, "clarify_score": 40.0}, "clarify_score"),
    ],
)
def test_settings_refuse_what_cannot_work(values, message):
    with pytest.raises(ValueError, match=message):
        MatcherSettings.from_dict(values)


def test_the_thesaurus_reads_terms_in_both_languages():
    thesaurus = default_thesaurus()

    assert "utility_model" in thesaurus.cjk_terms["实用新型专利"]
    assert "trademark" in thesaurus.cjk_terms["牌子"]
    assert "annual_fee" in thesaurus.latin_terms[("annual", "fee")]
    assert "foreign_jurisdiction" in thesaurus.scope_concepts
    assert "how" in thesaurus.form_concepts
    assert thesaurus.is_stopword("的") and thesaurus.is_stopword("the")


def test_a_term_inside_another_word_is_no_term():
    thesaurus = Thesaurus(["package: 服务包", "include: 包括"])

    concepts = {c for m in thesaurus.scan_cjk("服务包括", ["服务", "包括"]) for c in m.concepts}

    assert concepts == {"include"}


@pytest.mark.parametrize(
    "line",
    ["no colon here", "Upper: term", "mixed: ip托管"],
)
def test_a_malformed_thesaurus_line_is_refused(line):
    with pytest.raises(ValueError, match="thesaurus line 1"):
        Thesaurus([line])
