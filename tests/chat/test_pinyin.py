"""Toneless pinyin read back into characters before a message is matched."""

import pytest

from chat import intent, pinyin

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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # jieba counts 向 and 辽 commoner than 想 and 聊; a chat message means the latter.
        ("wo xiang zhao guwen liao yixia", "我想找顾问聊一下"),
        ("neng bu neng bang wo lianxi daili ren", "能不能帮我联系代理人"),
        ("nianfei shenme shihou jiao", "年费什么时候交"),
    ],
)
def test_the_words_of_chat_win_over_commoner_homophones(reader, text, expected):
    assert pinyin.read(text, reader) == expected


def test_a_wish_for_a_person_typed_in_pinyin_is_read_as_one():
    reader = pinyin.build()

    assert intent.wants_person(pinyin.read("wo xiang zhao guwen liao yixia", reader))
    assert intent.wants_person(pinyin.read("women xiang he zhuanjia tan yi tan", reader))


def test_numbers_and_latin_words_keep_their_place(reader):
    assert pinyin.read("2024 nian de nianfei", reader).startswith("2024")


def test_without_a_reader_the_text_is_unchanged():
    assert pinyin.read("tuoguan zenme shenqing", None) == "tuoguan zenme shenqing"


# ---- the reading tables: made once, kept on disk, loaded before the first message ----


def _not_again():
    raise AssertionError("the tables were made again")


def test_the_tables_are_kept_on_disk_and_read_back_by_the_next_process(tmp_path, monkeypatch):
    monkeypatch.setattr(pinyin, "_tables", None)
    made = pinyin.tables(tmp_path)
    [stored] = tmp_path.glob("pinyin-*.json")

    # Another process: nothing in memory, and making them again is not allowed.
    monkeypatch.setattr(pinyin, "_tables", None)
    monkeypatch.setattr(pinyin, "_common_words", _not_again)
    monkeypatch.setattr(pinyin, "_all_syllables", _not_again)
    read_back = pinyin.tables(tmp_path)

    assert read_back == made
    assert stored.name == pinyin._tables_name()
    assert "zhuanli" in read_back.common and "zhuan" in read_back.syllables


def test_a_damaged_file_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setattr(pinyin, "_tables", None)
    (tmp_path / pinyin._tables_name()).write_text('{"common": [1, 2', encoding="utf-8")

    assert "zhuanli" in pinyin.tables(tmp_path).common
    assert pinyin._read_tables(tmp_path / pinyin._tables_name()) is not None


def test_the_index_build_loads_the_tables_so_no_message_waits_for_them(
    settings, tmp_path, monkeypatch
):
    from chat import index as chat_index

    settings.CHAT_VECTOR_CACHE = tmp_path
    monkeypatch.setattr(pinyin, "_tables", None)
    monkeypatch.setattr(chat_index, "_loaded", None)
    loaded = chat_index.current()

    monkeypatch.setattr(pinyin, "_common_words", _not_again)
    monkeypatch.setattr(pinyin, "_all_syllables", _not_again)
    assert pinyin.read("nianfei zenme jiao", loaded.index.reader).startswith("年费")
    assert list(tmp_path.glob("pinyin-*.json"))
