"""Learning the fusion from question sets written for different FAQs, and the breakdown of
where a set's misses come from (benchmarks.faq_fusion), with the stand-in encoder."""

import json
from dataclasses import replace

import numpy as np
import pytest

from benchmarks import bench_faq, faq_fusion
from chat import encoder, hybrid, semantic
from chat.matcher import FALLBACK, FaqEntry
from tests.chat.test_hybrid import ENTRIES, fake_encode, fake_one

OTHER_FAQ = [
    FaqEntry("event-cancel", "en", "How do we cancel a training registration?", (), "Cancel it."),
    FaqEntry("mobile-use", "en", "Can we use the platform on a phone?", (), "Yes, in a browser."),
]


def _index(entries):
    vectors = fake_encode(semantic.texts_of(entries, hybrid.keys_of(entries)))
    prototypes = fake_encode(hybrid.prototype_texts())
    return hybrid.build_index(entries, vectors, prototype_vectors=prototypes)


def _faq(text, expect):
    return {"text": text, "language": "en", "expect": expect, "kind": "faq"}


@pytest.fixture
def sets(monkeypatch):
    monkeypatch.setattr(encoder, "encode", fake_encode)
    monkeypatch.setattr(encoder, "encode_one", fake_one)
    shared = faq_fusion.Evidence(
        _index(ENTRIES),
        [
            _faq("reset my password", "password"),
            _faq("when is the patent annual fee due", "annual-fee"),
            _faq("what is IP custody", "custody-overview"),
            {"text": "best hotpot near the station", "language": "en", "kind": "out_of_scope"},
        ],
    )
    other = faq_fusion.Evidence(
        _index(OTHER_FAQ),
        [_faq("cancel our training registration", "event-cancel"), _faq("phone", "mobile-use")],
    )
    return shared, other


def test_sets_of_two_faqs_are_learned_from_together(sets):
    shared, other = sets
    joined = faq_fusion.Joined(shared, other)

    tensor = joined.tensor(hybrid.FEATURES)

    # Three keys in the first FAQ, two in the other: the other's third key is absent.
    assert tensor.shape == (6, 3, len(hybrid.FEATURES))
    assert (tensor[4:, 2] == faq_fusion.ABSENT).all()
    assert joined.index_of(4) is other.index and joined.index_of(0) is shared.index
    learned = faq_fusion.learn(joined, hybrid.FEATURES, hybrid.FusionSettings())
    assert sum(learned.weights.values()) == pytest.approx(1.0, abs=1e-3)
    # A question of the other FAQ is decided among that FAQ's keys.
    kind, keys = faq_fusion.decide(joined, 4, replace(learned, scope=None))
    assert set(keys) <= set(other.index.keys)
    assert keys and keys[0] == "event-cancel"


def test_the_breakdown_separates_the_ranking_from_the_refusals(sets):
    shared, _ = sets
    settings = hybrid.FusionSettings(scope=None)

    parts = faq_fusion.breakdown(shared, settings)

    assert parts["ranking_top1"] == 1.0 and parts["ranking_top3"] == 1.0
    assert parts["faq_refused"] == 0.0
    # With nothing to refuse it, the off-topic question is offered the closest entry...
    assert parts["out_of_scope_offered"] == 1.0
    # ...and a band no fused score reaches turns every question away, ranking untouched.
    strict = faq_fusion.breakdown(shared, replace(settings, clarify_score=101.0))
    assert strict["faq_refused"] == 1.0 and strict["out_of_scope_offered"] == 0.0
    assert strict["ranking_top1"] == 1.0
    assert faq_fusion.decide(shared, 0, replace(settings, clarify_score=101.0))[0] == FALLBACK


def test_the_product_questions_name_the_product_faq_and_cover_every_kind():
    keys = {
        json.loads(line)["key"]
        for path in bench_faq.PRODUCT_FAQ
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    questions = _product_questions()

    kinds = {question["kind"] for question in questions}
    assert kinds == {"faq", "out_of_scope", "consult"}
    assert {q["expect"] for q in questions if q["kind"] == "faq"} <= keys
    # Every entry of the product FAQ is asked about, in both languages overall.
    assert {q["expect"] for q in questions if q["kind"] == "faq"} == keys
    assert {q["language"] for q in questions} == {"zh-hans", "en"}
    assert len({q["text"] for q in questions}) == len(questions)


def _product_questions():
    text = bench_faq.PRODUCT_QUESTIONS.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_padding_leaves_a_row_of_the_widest_faq_alone():
    row = np.array([0.5, 0.25])

    assert faq_fusion._padded(row, 2) is row
    assert faq_fusion._padded(row, 3).tolist() == [0.5, 0.25, faq_fusion.ABSENT]
