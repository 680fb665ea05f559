"""Toneless pinyin read back into characters before a message is matched."""

import pytest

from chat import pinyin

ENGLISH = ("how", "long", "does", "a", "patent", "last", "can", "she", "change", "women")


@pytest.fixture(scope="module")
def reader():
    return pinyin.build(domain_words=("托管", "年费", "软著"), english_words=ENGLISH)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tuoguan zenme shenqing", "托管怎么申请"),
        ("ruanzhu zenme shenqing", "软著怎么申请"),
        ("wangji mima le", "忘记密码了"),
        # Syllables typed apart are read together.
        ("fa ming zhuan li", "发明专利"),
        # Nor are spaces between the words.
        ("nianfeizenmeban", "年费怎么办"),
        # But a word never runs from inside one typed word into the next: 参加者 ("canjiazhe")
        # is a common word, yet the writer typed "zhege" whole.
        ("canjia zhege xiangmu", "参加这个项目"),
    ],
)
def test_pinyin_is_read_as_characters(reader, text, expected):
    assert pinyin.read(text, reader) == expected


@pytest.mark.parametrize(
    "text",
    [
        "how long does a patent last",
        # English words that happen to spell syllables ("women", "change") stay English.
        "can women change the agency",
        "托管 zenme shenqing",
        "qwerty zxcv",
        "",
    ],
)
def test_english_characters_and_noise_are_left_alone(reader, text):
    assert pinyin.read(text, reader) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tuoguan zenme shenqing, how long does it last", "托管怎么申请, how long does it last"),
        ("can women change wangji mima le", "can women change 忘记密码了"),
        # Two pinyin words in English are not enough to read.
        ("how long does a patent last zenme ban", "how long does a patent last zenme ban"),
        ("托管 zenme shenqing", "托管 zenme shenqing"),
    ],
)
def test_pinyin_runs_inside_a_mixed_message_are_read(reader, text, expected):
    assert pinyin.read(text, reader) == expected


def test_a_domain_word_wins_over_a_common_homophone(reader):
    # "tuoguan" is 托管 here, as the FAQ has it, whatever else it spells.
    assert pinyin.read("tuoguan", reader) == "托管"


def test_numbers_and_latin_words_keep_their_place(reader):
    assert pinyin.read("2024 nian de nianfei", reader).startswith("2024")


def test_without_a_reader_the_text_is_unchanged():
    assert pinyin.read("tuoguan zenme shenqing", None) == "tuoguan zenme shenqing"
