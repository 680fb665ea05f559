import itertools

import pytest
from django.core.cache import cache

from chat.models import AdviserPresence

# The open programme of the contracting tests, for hand-offs under an engagement.
from tests.marketplace.conftest import programme  # noqa: F401

TINY_FAQ = [
    {
        "key": "annual-fee",
        "language": "en",
        "category": "fees",
        "question": "How do I pay the patent annual fee?",
        "alternates": ["When is the patent annuity due?"],
        "answer": "Pay the annual fee before the filing anniversary.",
        "related": ["/training/fees/"],
    },
    {
        "key": "annual-fee",
        "language": "zh-hans",
        "category": "fees",
        "question": "专利年费怎么缴纳？",
        "alternates": ["专利年费什么时候交"],
        "answer": "在申请日周年前缴纳年费。",
        "related": [],
    },
    {
        "key": "trademark-renewal",
        "language": "en",
        "category": "trademarks",
        "question": "How do I renew a trademark?",
        "alternates": ["When does my trademark registration expire?"],
        "answer": "Renew within 12 months before expiry.",
        "related": [],
    },
    {
        "key": "copay",
        "language": "en",
        "category": "programme",
        "question": "How much is the firm co-payment?",
        "alternates": ["What does the firm pay?"],
        "answer": "The firm pays 20 percent.",
        "related": [],
    },
    {
        "key": "patent-fee-reduction",
        "language": "en",
        "category": "fees",
        "question": "Can I get a reduction of patent fees?",
        "alternates": [],
        "answer": "Small firms may apply for fee reduction.",
        "related": [],
    },
]

_versions = itertools.count()


@pytest.fixture(autouse=True)
def lexical_only(settings):
    """The lexical matcher alone, so most tests never load the encoder's weights; tests of
    the hybrid assistant ask for `encoder_on`."""
    settings.CHAT_ENCODER = False


@pytest.fixture
def encoder_on(settings):
    settings.CHAT_ENCODER = True


@pytest.fixture(autouse=True)
def tiny_faq(monkeypatch):
    """The assistant answers from this FAQ, never from the shared corpus or the CMS."""
    version = f"test-{next(_versions)}"
    monkeypatch.setattr("cms.faq.published_faq_entries", lambda: [dict(e) for e in TINY_FAQ])
    monkeypatch.setattr("cms.faq.faq_version", lambda: version)
    cache.clear()
    yield TINY_FAQ
    cache.clear()


def online(user, max_concurrent=3):
    return AdviserPresence.objects.update_or_create(
        user=user, defaults={"online": True, "max_concurrent": max_concurrent}
    )[0]
