"""Timelines name every action and state in words (issue #18: no raw event codes)."""

import datetime
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from core import audit
from core.models import AuditEvent
from custody.models import IPAsset

ROOT = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")
# Action codes written literally in the product (any dotted string on an `action=` line) (f-strings are checked through their
# registered expansions in the tests that drive them).
LITERAL_ACTION = re.compile(r'"([a-z_]+\.[a-z_]+)"')


def _product_sources():
    for app in ("core", "marketplace", "custody", "cms", "chat", "reporting", "demo"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_every_action_the_product_writes_is_registered():
    written = {
        code
        for path in _product_sources()
        for line in path.read_text(encoding="utf-8").splitlines()
        if "action=" in line
        for code in LITERAL_ACTION.findall(line)
    }

    assert written, "the scan found no actions: the pattern is out of date"
    assert written <= audit.registered_actions(), written - audit.registered_actions()


def test_every_participant_the_officer_enters_or_edits_has_its_actions_named():
    # participant_create / participant_update write "<model>.created" and "<model>.updated".
    from marketplace.api.views import ParticipantViewSet
    from marketplace.models import PackageItem

    # The programme year's API saves its package items through the same two actions.
    models = {view.model for view in ParticipantViewSet.__subclasses__()} | {PackageItem}
    assert models
    for model in models:
        for verb in ("created", "updated"):
            assert f"{model._meta.model_name}.{verb}" in audit.registered_actions()


def test_an_unregistered_action_is_refused(db, personas):
    with pytest.raises(ValueError, match="no name for people"):
        audit.audit_record(actor=None, action="asset.teleported", subject=personas.firm)

    assert not AuditEvent.objects.filter(action="asset.teleported").exists()


@pytest.mark.parametrize("action", sorted(audit.registered_actions()))
def test_every_action_has_a_chinese_and_an_english_name(action):
    with translation.override("zh-hans"):
        chinese = str(audit.action_label(action))
    with translation.override("en"):
        english = str(audit.action_label(action))

    assert HAN.search(chinese), (action, chinese)
    assert english != action and not HAN.search(english), (action, english)


def test_state_labels_come_from_the_subjects_choices():
    with translation.override("en"):
        assert str(audit.state_label(IPAsset, "in_force")) == "In force"
    assert audit.state_label(IPAsset, "no_such_state") == "no_such_state"


def test_the_timeline_shows_words_not_codes(db, personas):
    asset = IPAsset.objects.create(
        firm=personas.firm,
        kind=IPAsset.Kind.PATENT,
        number="202010000001.X",
        patent_type=IPAsset.PatentType.INVENTION,
        filing_date=datetime.date(2020, 1, 1),
    )
    audit.audit_record(
        actor=None, action="asset.created", subject=asset, to_state=IPAsset.Status.IN_FORCE
    )
    events = AuditEvent.objects.filter(action="asset.created").select_related("subject_type")

    with translation.override("zh-hans"):
        html = render_to_string("frontend/includes/timeline.html", {"events": events})

    assert "asset.created" not in html and "in_force" not in html
    assert "知识产权已加入资产清单" in html
