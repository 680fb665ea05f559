"""What a message wants beyond an FAQ answer: its language, and whether it asks for a person.

Plain functions over plain data, no ORM. A wish to talk to someone is read twice: by
patterns of either language (a request even inside a question about a topic, "can you call
me"), and by the sentence encoder's closeness to prototypes of such wishes
(chat/data/consult.txt) where the words are the person's own (`wants_person_semantic`).
A question *about* how to reach a person ("where is the advisor button?") is neither.
"""

import re
from pathlib import Path

from chat.normalise import count_scripts, normalise

ZH = "zh-hans"
EN = "en"


def guess_language(text, default=ZH):
    """zh-hans or en for a message; a Latin word weighs as two Han characters."""
    han, latin = count_scripts(text)
    if not han and not latin:
        return default
    return ZH if han >= 2 * latin else EN


# ---- asking for a person ---------------------------------------------------

# Someone the user may want to talk to, in either language.
_PERSON_ZH = r"(?:顾问|专家|老师|律师|代理人|代理师|咨询师|客服|人工|工作人员|专员|真人|人)"
_PERSON_EN = (
    r"(?:human|humans|person|people|someone|somebody|anyone|advisor|adviser|consultant|expert"
    r"|agent|representative|rep|lawyer|attorney|specialist|staff|operator|counsellor|counselor)"
)

# Requests that stand even in a question ("怎么还不转人工", "can you call me").
_EXPLICIT = [
    re.compile(p)
    for p in (
        r"转人工|人工服务|人工客服|人工坐席|接人工|找人工|要人工|(?:找|要|转|接)真人|真人客服",
        r"(?:联系|联络|回电|回复|打电话给|致电)我(?!们)|给我(?:打|回)(?:个)?电话"
        r"|(?:跟|和|与)我(?:联系|沟通|聊|谈|通话)",
        r"(?:帮我|替我|给我|请|麻烦)\s?(?:预约|约|找|联系|安排|对接|转|叫).{0,10}?" + _PERSON_ZH,
        r"预约.{0,8}(?:咨询|面谈|会面|见面|沟通|通话|电话|视频|顾问|专家|律师)",
        r"(?:我想|我要|我们想|我们要|想请|希望)\s?.{0,4}?(?:找|约|预约|安排|联系|对接|咨询)\s?.{0,10}?"
        + _PERSON_ZH,
        r"找(?:个|一个|一位|位).{0,10}?" + _PERSON_ZH,
        r"\b(?:call|phone|ring|contact|reach out to|get back to|get in touch with)\s+me\b",
        r"\b(?:connect|transfer|put)\s+me\b|\bhand me over\b",
        # A first-person wish to talk to someone stands even inside a question about a topic.
        r"\b(?:i|we)\s+(?:really |would |d |do )?(?:need|want|like|prefer)\s+(?:to\s+)?"
        r"(?:talk|speak|chat|consult|meet)\s+(?:to|with)\b",
        r"(?:我|我们)\s?(?:还是)?\s?(?:想|要|希望|需要)\s?(?:和|跟|与|找)\s?.{0,6}?"
        + _PERSON_ZH
        + r"\s?(?:当面|详细|直接|单独|好好|再)?\s?(?:说话|说|聊|谈|沟通|通话|讲|面谈)",
        r"\b(?:book|schedule|arrange|set up|request)\s+(?:a |an |my |one )?(?:free )?"
        r"(?:consultation|consult|appointment|meeting|call|session|video call)\b",
    )
]

# Requests that a how/where/when question turns into a question about the service.
_IMPLICIT = [
    re.compile(p)
    for p in (
        r"(?:想|要|希望|需要|请|麻烦|能不能|能否|可以|可不可以)\s?.{0,6}?"
        r"(?:找|约|预约|安排|联系|对接|叫|派)\s?.{0,10}?" + _PERSON_ZH,
        r"(?:和|跟|与)\s?(?:真人|人工|" + _PERSON_ZH + r")\s?(?:说话|聊|谈|沟通|通话|讲)",
        r"当面(?:谈|聊|说|沟通|咨询|请教|问)|面谈|线下咨询|约个时间|约时间",
        # Someone asked to come over: "谁能过来一趟".
        r"(?:谁|哪位|有没有人)\s?(?:能|可以|会)?\s?(?:过来|来)\s?(?:一趟|一下)",
        r"有没有人(?:能|可以|会)",
        r"^\s*(?:" + _PERSON_ZH + r"|真人|人工)\s*(?:服务|谢谢|请|麻烦)*\s*$",
        r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a |an |the |some |your )?(?:real |live )?"
        + _PERSON_EN,
        r"\b(?:need|want|would like|d like)\s+(?:to\s+)?(?:talk|speak|consult|meet|chat)\b",
        r"\b(?:need|want|would like|d like)\s+(?:a |an |the |some )?(?:real |live )?" + _PERSON_EN,
        r"\b(?:have|get|let)\s+(?:a |an |the )?"
        + _PERSON_EN
        + r"\s+(?:(?:from|at|of|on)\s+(?:your|the|our)\s+\w+\s+)?(?:to\s+)?"
        r"(?:call|contact|reach|phone|email|ring|get back|visit)",
        r"\b(?:sit down|meet up|get together)\s+with\s+(?:a |an |the |your |one of your )?"
        + _PERSON_EN,
        r"\barrange\s+for\s+(?:a |an |the |one of your |your )?(?:\w+\s+)?"
        + _PERSON_EN
        + r"\s+to\s+(?:call|contact|visit|meet|see|phone|email|talk)",
        r"\b(?:can|could|may)\s+(?:a |an |the |one of your |your )?"
        + _PERSON_EN
        + r"\b.{0,50}\b(?:call|contact|reach|meet|go through|look at|review|talk|discuss|help)",
        r"^\s*(?:a |an |the )?(?:real |live )?"
        + _PERSON_EN
        + r"(?:\s+(?:please|pls|plz|now))*\s*$",
    )
]

# A question about how the service works, not yet a request to use it.
_ASKS_ABOUT = re.compile(
    r"是什么|什么是|怎么|怎样|如何|咋|在哪|哪里|哪儿|多久|多长时间|什么时候|几点|按钮|入口"
    r"|流程|收费|费用|多少钱"
    r"|是否|需不需要|要不要|用不用"
    r"|\b(?:how|where|when|what hours|which|button|cost|price|fee|fees)\b"
    r"|\b(?:do|does|did|is|are)\s+(?:i|we|you|it|they|there)\b"
)


def asks_about(text):
    """True when the message asks how, where or when about something (not yet a request)."""
    return bool(_ASKS_ABOUT.search(normalise(text)))


def wants_person(text):
    """True when the message asks for a human adviser or a consultation, in either language."""
    normalised = normalise(text)
    if not normalised:
        return False
    if any(pattern.search(normalised) for pattern in _EXPLICIT):
        return True
    if _ASKS_ABOUT.search(normalised):
        return False
    return any(pattern.search(normalised) for pattern in _IMPLICIT)


# ---- the encoder's reading of a wish for a person ----------------------------

PROTOTYPES = Path(__file__).resolve().parent / "data" / "consult.txt"
# Someone, and reaching them: a message closer to the prototypes than `cue_similarity` counts
# as a wish for a person when it names both, whatever words it uses for them.
# (Not "人" alone: "没人管" names nobody.)
_PERSON_CUE = re.compile(
    r"顾问|专家|老师|律师|代理人|代理师|咨询师|客服|人工|工作人员|专员|真人|专业的人|懂行的人"
    r"|(?<![a-z])" + _PERSON_EN + r"(?![a-z])"
)
_REACH_CUE = re.compile(
    r"联系|沟通|聊|谈|约|安排|电话|回电|邮件|面|见|上门|来|看看|指导|帮忙|跟进|找|转|接"
    r"|\b(?:call|ring|phone|email|e mail|mail|contact|reach|talk|speak|discuss|meet|meeting"
    r"|appointment|visit|arrange|book|review|go through|look at|help|chat)\b"
)
# Clauses shorter than this are not read on their own.
_CLAUSE_SPLIT = re.compile(r"[，。！？!?；;：:\n]+|(?<=[a-z0-9])[,.]\s+|\s+[-—]+\s+|—+")
MIN_CLAUSE = 4


def read_lines(path):
    """The non-empty, non-comment lines of a data file."""
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def consult_prototypes():
    return read_lines(PROTOTYPES)


def clauses(text):
    """The clauses of a long message (a wish for a person is often one clause of several);
    an empty list for a message of one clause."""
    parts = [part.strip() for part in _CLAUSE_SPLIT.split(text or "")]
    parts = [part for part in parts if len(part) >= MIN_CLAUSE]
    return parts if len(parts) > 1 else []


def names_person(text):
    """True when the message names someone to talk to and a way of reaching them."""
    normalised = normalise(text)
    return bool(_PERSON_CUE.search(normalised) and _REACH_CUE.search(normalised))


def wants_person_semantic(text, similarity, *, threshold, cue_threshold):
    """True when the encoder reads a wish for a person in a message the patterns missed.

    `similarity` is the message's (or its closest clause's) highest cosine with the
    prototypes, leaving out the clauses that ask how, where or when (chat.hybrid.
    consult_similarity). Close enough, the message asks for a person; less close, it must
    also name someone and a way of reaching them. A message of one clause asking how the
    service works never does; in a long one, a question elsewhere ("how do we keep the
    evidence?") does not silence the wish in another clause.
    """
    if not normalise(text) or (asks_about(text) and not clauses(text)):
        return False
    if similarity >= threshold:
        return True
    return similarity >= cue_threshold and names_person(text)
