"""What a message wants beyond an FAQ answer: its language, and whether it asks for a person."""

import pytest

from chat import intent
from chat.intent import EN, ZH, guess_language, wants_person


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("怎么申请托管", ZH),
        ("How do I apply for custody?", EN),
        ("我的patent年费什么时候交", ZH),
        ("Can you explain the 托管 programme please", EN),
        ("password忘了怎么办", ZH),
    ],
)
def test_guess_language(text, expected):
    assert guess_language(text) == expected


def test_guess_language_falls_back_to_the_default_without_words():
    assert guess_language("12345 ？？", default=EN) == EN
    assert guess_language("") == ZH


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
        "找真人",
        "情况有点复杂，我想和你们的工作人员详细说一下",
        "这些文字看不懂，我还是想跟人说",
        "please have someone from your team reach out about switching agencies",
        "we want to sit down with a consultant and plan next year's filings",
        "can you arrange for an IP specialist to visit us next week",
        "老板想当面问问年费的事",
        "材料太多了，你们谁能过来一趟",
    ],
)
def test_the_patterns_read_a_wish_for_a_person(text):
    assert wants_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "怎么联系顾问？",
        "顾问一般什么时候回复",
        "How does the advisor handoff work?",
        "where is the contact button",
        "托管机构会上门辅导吗",
        "怎么联系我们的托管机构",
        "帮我查一下年费",
        "do we need a lawyer to register a trademark",
        "can you email me the invoice",
        "托管机构谁来验收",
    ],
)
def test_a_question_about_people_or_help_is_no_handoff(text):
    assert not wants_person(text)


BANDS = {"threshold": 0.6, "cue_threshold": 0.5}


@pytest.mark.parametrize(
    ("text", "similarity", "expected"),
    [
        # Close to the prototypes: a wish for a person in the writer's own words.
        ("i'd rather go over this with a real specialist", 0.65, True),
        # Less close, but it names someone and a way of reaching them.
        ("我想跟advisor聊一下", 0.55, True),
        ("can someone from the agency email me", 0.55, True),
        # Less close and naming nobody to reach.
        ("收到律师函说我们侵权了", 0.55, False),
        # A question about how to reach someone is an FAQ question, however close.
        ("顾问的联系方式是什么", 0.9, False),
        ("how do i reach a human advisor", 0.9, False),
        # In a long message, a question in one clause does not silence a wish in another
        # (the similarity is then the other clauses', chat.hybrid.consult_similarity).
        ("我们也不知道证据该怎么留，这种情况希望有专业的顾问直接跟我们对接一下", 0.65, True),
        # Far from the prototypes.
        ("can someone tell me the annual fee", 0.3, False),
    ],
)
def test_the_encoders_reading_of_a_wish_for_a_person(text, similarity, expected):
    assert intent.wants_person_semantic(text, similarity, **BANDS) is expected


def test_a_long_message_is_cut_into_clauses_and_a_short_one_is_not():
    assert intent.clauses("我们的专利被驳回了，心里没底，想找个人帮我们看看") == [
        "我们的专利被驳回了",
        "心里没底",
        "想找个人帮我们看看",
    ]
    assert intent.clauses("our patent was rejected - can an advisor call me?") == [
        "our patent was rejected",
        "can an advisor call me",
    ]
    assert intent.clauses("转人工") == []


def test_the_prototype_files_are_read_without_comments():
    prototypes = intent.consult_prototypes()

    assert prototypes and not any(line.startswith("#") for line in prototypes)
