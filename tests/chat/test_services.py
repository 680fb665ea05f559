"""What the assistant says: recent answers, answers worked out ahead off the database
thread, live figures read only when an answer holds a placeholder, the encoder's BLAS."""

import asyncio

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from chat import encoder, figures, hybrid, services
from chat import index as chat_index

pytestmark = pytest.mark.django_db


def _counting(monkeypatch):
    calls = []
    real = hybrid.match

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(hybrid, "match", counted)
    return calls


def test_a_question_asked_again_is_answered_from_the_recent_answers(monkeypatch):
    calls = _counting(monkeypatch)

    first = services.answer_question("How do I pay the patent annual fee?")
    again = services.answer_question("How do I pay the patent annual fee?")
    other_language = services.answer_question("How do I pay the patent annual fee?", "zh-hans")

    assert calls == ["How do I pay the patent annual fee?"] * 2
    assert first == again
    assert first["kind"] == "answer" and other_language["language"] == "zh-hans"


def test_a_changed_faq_forgets_the_recent_answers(monkeypatch):
    calls = _counting(monkeypatch)
    services.answer_question("How do I renew a trademark?")
    monkeypatch.setattr("cms.faq.faq_version", lambda: "changed")

    services.answer_question("How do I renew a trademark?")

    assert len(calls) == 2


def test_an_answer_recent_in_a_stale_index_is_worked_out_again_when_posted(monkeypatch):
    text = "How do I renew a trademark?"
    services.answer_question(text, "en")
    monkeypatch.setattr("cms.faq.faq_version", lambda: "changed")
    calls = _counting(monkeypatch)

    asyncio.run(services.prepare(text, "en"))  # recent in the last index: nothing to do
    answer = services.answer_question(text, "en")

    assert calls == [text]
    assert chat_index.latest().version == "changed"
    assert answer["kind"] == "answer"


def test_an_answer_without_placeholders_reads_no_programme_year(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert figures.fill("No figures here {not_a_fact}.", figures.programme_facts) == (
            "No figures here {not_a_fact}."
        )


def test_an_answer_with_a_placeholder_reads_its_facts_once():
    asked = []

    filled = figures.fill(
        "{copay_share} of {package_price}",
        lambda: asked.append(1) or {"copay_share": "20%", "package_price": "¥1"},
    )

    assert filled == "20% of ¥1" and asked == [1]


def test_prepare_works_the_answer_out_before_it_is_posted(monkeypatch):
    calls = _counting(monkeypatch)

    asyncio.run(services.prepare("  When does my trademark registration expire?  ", "en"))
    answer = services.answer_question("When does my trademark registration expire?", "en")

    assert calls == ["When does my trademark registration expire?"]
    assert answer["faq_key"] == "trademark-renewal"
    loaded = chat_index.current()
    assert ("When does my trademark registration expire?", "en") in loaded.answers


def test_prepare_leaves_text_it_cannot_carry_to_message_post(monkeypatch):
    calls = _counting(monkeypatch)

    asyncio.run(services.prepare("   "))
    asyncio.run(services.prepare("x" * 5000))

    assert calls == []


def test_the_encoder_runs_blas_on_one_thread(monkeypatch):
    # The model limits BLAS around its own forward pass; the stand-in forward pass sees
    # the limit in force.
    seen = []
    backend = encoder._loaded()._model

    def forward(texts):
        seen.extend(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
        return np.ones((len(texts), 512), dtype=np.float32)

    monkeypatch.setattr(backend, "_encode", forward)

    encoder.encode(["a", "b"])

    assert seen and set(seen) == {encoder.THREADS}


def test_prepare_needs_the_database_only_to_build_the_index(monkeypatch):
    services.answer_question("How do I renew a trademark?")  # builds the index
    hops = []
    monkeypatch.setattr(
        services, "database_sync_to_async", lambda fn: hops.append(fn) or pytest.fail("DB hop")
    )

    asyncio.run(services.prepare("When is the patent annuity due?", "en"))

    assert hops == []
    assert ("When is the patent annuity due?", "en") in chat_index.current().answers


def test_prepare_decides_a_clear_question_in_one_trip_to_a_worker_thread_a_recent_one_in_none(
    monkeypatch,
):
    services.answer_question("How do I renew a trademark?")  # builds the index
    trips = []
    real = services._read_ahead
    monkeypatch.setattr(services, "_read_ahead", lambda *a: trips.append(a) or real(*a))
    monkeypatch.setattr(encoder, "encode_soon", lambda text: pytest.fail("encoded"))
    text = "How do I pay the patent annual fee?"
    assert not hybrid.plan(chat_index.current().index, text, "en").vector_wanted

    asyncio.run(services.prepare(text, "en"))
    asyncio.run(services.prepare(text, "en"))

    assert len(trips) == 1
    assert (text, "en") in chat_index.current().answers
