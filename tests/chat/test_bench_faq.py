"""The FAQ benchmark runs end to end on a tiny corpus and question set written here."""

import json

import pytest

from benchmarks import bench_faq, harness
from tests.chat.test_matcher import ENTRIES

QUESTIONS = [
    {"text": "怎么申请托管", "language": "zh-hans", "expect": "custody-apply", "kind": "faq"},
    {
        "text": "how do we apply for custody",
        "language": "en",
        "expect": "custody-apply",
        "kind": "faq",
    },
    {"text": "专利年费几号交", "language": "zh-hans", "expect": "patent-annual-fee", "kind": "faq"},
    {
        "text": "when is the annuity due",
        "language": "en",
        "expect": "patent-annual-fee",
        "kind": "faq",
    },
    {"text": "商标续展", "language": "zh-hans", "expect": "trademark-renewal", "kind": "faq"},
    {"text": "renew our trademark", "language": "en", "expect": "trademark-renewal", "kind": "faq"},
    {"text": "推荐一部好看的电影", "language": "zh-hans", "expect": None, "kind": "out_of_scope"},
    {
        "text": "what is a good pizza recipe",
        "language": "en",
        "expect": None,
        "kind": "out_of_scope",
    },
    {"text": "转人工", "language": "zh-hans", "expect": None, "kind": "consult"},
    {"text": "book a consultation", "language": "en", "expect": None, "kind": "consult"},
]


def _write(path, rows):
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n")
    return path


@pytest.fixture
def files(tmp_path):
    corpus = [
        {
            "key": entry.key,
            "language": entry.language,
            "category": entry.category,
            "question": entry.question,
            "alternates": list(entry.alternates),
            "answer": entry.answer_text,
        }
        for entry in ENTRIES
    ]
    return _write(tmp_path / "corpus.jsonl", corpus), _write(tmp_path / "dev.jsonl", QUESTIONS)


def test_accuracy_report_gives_the_five_figures_full_and_held_out(files):
    corpus, dev = files
    lines = []

    report = bench_faq.accuracy_report(corpus, dev, log=lines.append)

    for name in ("full", "held_out"):
        figures = report[name]
        for figure in ("top1", "top3", "wrong", "out_of_scope", "consult"):
            assert 0.0 <= figures[figure] <= 1.0
    assert report["full"]["consult"] == 1.0
    assert report["full"]["counts"] == {"faq": 6, "out_of_scope": 2, "consult": 2}
    assert any("no baseline beside the corpus" in line for line in lines)
    assert any(line.startswith("top-1 on faq questions") for line in "\n".join(lines).splitlines())


def test_latency_row_times_each_question_against_its_target(files):
    corpus, dev = files

    [row] = bench_faq.latency_rows(corpus, dev, quick=False, repeat=1, size=60)

    assert row.benchmark == "faq" and "60 entries" in row.case
    assert len(row.timing.samples) == len(QUESTIONS)
    assert row.target == bench_faq.LATENCY_TARGET
    assert row.baseline is None


def test_the_harness_entry_skips_without_data(tmp_path, capsys):
    ctx = harness.Context(options=harness.Options(quick=True), workdir=tmp_path, template=None)

    assert bench_faq.run(ctx) == []
    assert "skipped" in capsys.readouterr().out


def test_grown_corpus_has_distinct_keys_and_is_reproducible():
    records = [
        {"key": f"k{n}", "language": "en", "question": f"question number {n} about fees"}
        for n in range(5)
    ]

    grown = bench_faq.synthesise(records, 23)

    assert len(grown) == 23
    assert len({(row["key"], row["language"]) for row in grown}) == 23
    assert grown == bench_faq.synthesise(records, 23)
    assert grown[:5] == records


def test_folds_are_balanced_within_each_kind():
    folds = bench_faq.fold_of(QUESTIONS * 3)

    faq_folds = [f for f, q in zip(folds, QUESTIONS * 3, strict=True) if q["kind"] == "faq"]
    assert sorted(set(faq_folds)) == list(range(bench_faq.FOLDS))
    assert max(faq_folds.count(f) for f in set(faq_folds)) <= 4


def test_the_scope_threshold_is_the_most_lenient_that_still_refuses_the_off_topic():
    import numpy as np

    from benchmarks import faq_fusion

    off_topic = np.array([True] * 20 + [False] * 5)
    # Nineteen off-topic questions below 0.3, one at 0.42; answerable ones high.
    p = np.r_[np.full(19, 0.25), [0.42], np.full(5, 0.9)]

    assert faq_fusion.learn_scope_threshold(p, off_topic) == 0.26
    assert faq_fusion.learn_scope_threshold(
        np.r_[np.full(20, 0.6), np.full(5, 0.9)], off_topic
    ) == (0.5)


def test_the_scope_threshold_holds_every_learning_set_to_the_target():
    import numpy as np

    from benchmarks import faq_fusion

    # Two writers' off-topic questions: nineteen of the first's at 0.25, two of the second's
    # at 0.405; answerable ones high.
    off_topic = np.array([True] * 21 + [False] * 5)
    p = np.r_[np.full(19, 0.25), np.full(2, 0.405), np.full(5, 0.9)]
    source = np.r_[np.zeros(19, int), np.ones(2, int), np.zeros(5, int)]

    # Counted together, 19 of 21 refused at 0.26 is enough; the second writer's own questions
    # need a threshold above theirs.
    assert faq_fusion.learn_scope_threshold(p, off_topic) == 0.26
    assert faq_fusion.learn_scope_threshold(p, off_topic, source) == 0.41


def test_out_of_fold_scope_probabilities_come_from_models_that_never_saw_the_message():
    import numpy as np

    from benchmarks import faq_fusion

    rng = np.random.default_rng(3)
    answerable = np.array([True] * 40 + [False] * 10)
    readings = np.where(answerable[:, None], 0.6, 0.3) + rng.normal(
        0, 0.05, (50, len(faq_fusion.scope.FEATURES))
    )
    # One answerable message that reads like the off-topic ones.
    readings[0] = 0.3

    held = faq_fusion.out_of_fold_scope(readings, answerable)
    seen = faq_fusion.scope.fit(readings, answerable).probability(readings)

    assert held.shape == (50,)
    assert (held[answerable][1:] > 0.5).all() and (held[~answerable] < 0.5).all()
    # The model that learned the odd one out is surer of it than those that did not.
    assert held[0] < seen[0]
