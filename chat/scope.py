"""Is a message about this programme at all? The assistant's scope check.

A fused ranking always has a best entry, however unrelated the message; whether that entry
is worth offering is a question about the message itself. Seven readings of it, each
computed once per message:

- `fused`: the best fused score (chat.hybrid), how well the best entry fits;
- `wording`, `sentence`: the encoder's closest FAQ wording and answer sentence, however
  the entries rank;
- `off_topic`: the encoder's closest off-topic prototype (chat/data/off_topic.txt: everyday
  life, business outside IP, greetings and noise, and IP questions the programme does not
  cover, such as other countries' offices), so "patent" alone does not make a question
  answerable;
- `bm25`: how much of the message's own words the FAQ holds;
- `classifier`: the encoder-space classifier's best score (chat.semantic), how surely the
  message falls in one entry's region, however far from any one wording;
- `closest`: the encoder's single closest FAQ wording (`wording` averages a key's best two,
  so a message that restates one alternate closely is not drowned by the second).

A logistic regression over them (standardised) gives the probability that the FAQ can answer
the message; it is fitted on labelled questions by the benchmark (`fit`) and shipped in
settings.CHAT_FUSION["scope"]. Plain functions over plain data and numpy, no ORM.
"""

from dataclasses import dataclass
from pathlib import Path

from chat.intent import read_lines
from core.lazy import lazy_import

np = lazy_import("numpy")  # loaded by the first use, not at import

FEATURES = ("fused", "wording", "sentence", "off_topic", "bm25", "classifier", "closest")
PROTOTYPES = Path(__file__).resolve().parent / "data" / "off_topic.txt"


def off_topic_prototypes():
    return read_lines(PROTOTYPES)


@dataclass(frozen=True)
class ScopeModel:
    """Standardisation and logistic weights over FEATURES."""

    mean: tuple
    scale: tuple
    weights: tuple
    bias: float

    def __post_init__(self):
        sizes = {len(self.mean), len(self.scale), len(self.weights)}
        if sizes != {len(FEATURES)}:
            raise ValueError(f"a scope model needs {len(FEATURES)} means, scales and weights")
        if any(value <= 0 for value in self.scale):
            raise ValueError("scope scales must be positive")

    @classmethod
    def from_dict(cls, values):
        return cls(
            mean=tuple(float(v) for v in values["mean"]),
            scale=tuple(float(v) for v in values["scale"]),
            weights=tuple(float(v) for v in values["weights"]),
            bias=float(values["bias"]),
        )

    def as_dict(self):
        return {
            "mean": [round(v, 4) for v in self.mean],
            "scale": [round(v, 4) for v in self.scale],
            "weights": [round(v, 4) for v in self.weights],
            "bias": round(self.bias, 4),
        }

    def probability(self, readings):
        """P(the FAQ answers the message) for one reading per FEATURES (or rows of them)."""
        z = (np.asarray(readings, dtype=np.float64) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias)))


def readings(fused_top, found, off_topic_similarity):
    """The message's readings in FEATURES order.

    `fused_top` is the best fused score (0–100); `found` the evidence arrays of
    chat.hybrid.evidence; `off_topic_similarity` the closest prototype's cosine.
    """
    return np.array(
        [
            fused_top / 100.0,
            float(np.max(found["wording"])) if len(found["wording"]) else 0.0,
            float(np.max(found["sentence"])) if len(found["sentence"]) else 0.0,
            off_topic_similarity,
            float(np.max(found["bm25"])) if len(found["bm25"]) else 0.0,
            float(np.max(found["classifier"])) if len(found["classifier"]) else 0.0,
            float(np.max(found["closest"])) if len(found["closest"]) else 0.0,
        ]
    )


def fit(readings_, answerable, l2=1.0, iterations=3000, step=0.5):
    """A ScopeModel from readings (n, FEATURES) and whether each message is answerable.

    Both classes weigh the same whatever their counts (a development set holds far more
    answerable questions than others), and the weights are kept small (`l2`), so the
    model leans on the readings that separate the classes everywhere, not on one set.
    """
    x = np.asarray(readings_, dtype=np.float64)
    y = np.asarray(answerable, dtype=np.float64)
    if not (0 < y.mean() < 1):
        raise ValueError("fitting the scope needs answerable and unanswerable messages")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale <= 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    balance = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    beta = np.zeros(z.shape[1])
    penalty = np.r_[np.full(len(FEATURES), l2), 0.0]
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = (z.T @ ((p - y) * balance) + penalty * beta) / len(y)
        beta -= step * gradient
    return ScopeModel(
        mean=tuple(mean.tolist()),
        scale=tuple(scale.tolist()),
        weights=tuple(beta[:-1].tolist()),
        bias=float(beta[-1]),
    )
