"""The scope check: whether the FAQ can answer a message at all."""

import numpy as np
import pytest

from chat import scope


def test_fit_separates_answerable_from_off_topic_readings():
    rng = np.random.default_rng(7)
    # Answerable: close to the FAQ, far from the off-topic prototypes; the others the reverse.
    answerable = rng.normal([0.5, 0.7, 0.5, 0.3, 0.4, 0.6, 0.8], 0.05, size=(60, 7))
    off_topic = rng.normal([0.2, 0.35, 0.3, 0.6, 0.05, 0.1, 0.4], 0.05, size=(10, 7))

    model = scope.fit(np.vstack([answerable, off_topic]), [1] * 60 + [0] * 10)

    assert (model.probability(answerable) > 0.5).mean() > 0.95
    assert (model.probability(off_topic) < 0.5).mean() > 0.9
    # The closer to an off-topic prototype, the less likely the FAQ answers it.
    assert model.weights[scope.FEATURES.index("off_topic")] < 0


def test_a_model_survives_its_dict_and_refuses_a_malformed_one():
    model = scope.ScopeModel(
        mean=(0,) * 7, scale=(1,) * 7, weights=(1, 0, 0, -1, 0, 0, 0), bias=0.5
    )

    again = scope.ScopeModel.from_dict(model.as_dict())

    assert again == model
    with pytest.raises(ValueError, match="scales"):
        scope.ScopeModel(mean=(0,) * 7, scale=(0,) * 7, weights=(0,) * 7, bias=0)
    with pytest.raises(ValueError, match="means"):
        scope.ScopeModel(mean=(0,), scale=(1,), weights=(1,), bias=0)


def test_fitting_needs_both_kinds_of_message():
    with pytest.raises(ValueError, match="answerable and unanswerable"):
        scope.fit(np.ones((3, 5)), [1, 1, 1])


def test_the_off_topic_prototypes_cover_both_languages():
    prototypes = scope.off_topic_prototypes()

    assert any(line.isascii() for line in prototypes)
    assert any(not line.isascii() for line in prototypes)
