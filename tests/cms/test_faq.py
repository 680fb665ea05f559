import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Workflow

from cms import faq
from cms.faq_io import FaqImportError, export_faq, import_faq, read_faq_lines
from cms.models import FaqEntry, FaqRelatedPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "demo" / "fixtures"


def product_faq_lines():
    return [
        line
        for name in ("faq_zh-hans.jsonl", "faq_en.jsonl")
        for line in (FIXTURES / name).read_text("utf-8").splitlines()
    ]


def _line(**overrides):
    entry = {
        "key": "co-payment",
        "language": "en",
        "category": "payments",
        "question": "How much do we pay?",
        "alternates": ["What is our share?"],
        "answer": "The co-payment.\n\nPaid online.",
    }
    entry.update(overrides)
    return json.dumps(entry, ensure_ascii=False)


def test_product_faq_covers_every_topic_in_both_languages():
    entries = read_faq_lines(product_faq_lines())

    by_language = {}
    for entry in entries:
        by_language.setdefault(entry["language"], []).append(entry)
    assert {len(v) >= 40 for v in by_language.values()} == {True}
    assert {e["key"] for e in by_language["zh-hans"]} == {e["key"] for e in by_language["en"]}
    assert {e["category"] for e in entries} == {
        "programme",
        "eligibility",
        "services",
        "agencies",
        "payments",
        "patents",
        "trademarks",
        "deadlines",
        "training",
        "platform",
    }


def test_import_is_an_idempotent_upsert(tree):
    import_faq([_line()])
    first = FaqEntry.objects.get()

    again = import_faq([_line()])
    changed = import_faq([_line(question="How much does our firm pay?")])

    assert (len(again.unchanged), len(again.created)) == (1, 0)
    assert len(changed.updated) == 1
    entry = FaqEntry.objects.get()
    assert entry.pk == first.pk
    assert entry.question == "How much does our firm pay?"
    assert entry.revisions.count() == 2


def test_a_bad_line_is_named_with_its_field_and_nothing_is_written(tree):
    lines = [
        _line(key="fine"),
        _line(key="second", language="fr"),
        "{not json",
        _line(key="fourth", alternates="one string"),
        _line(key="fifth", question=""),
    ]

    with pytest.raises(FaqImportError) as error:
        import_faq(lines)

    assert [(e.line, e.field) for e in error.value.errors] == [
        (2, "language"),
        (3, ""),
        (4, "alternates"),
        (5, "question"),
    ]
    assert "line 2, field language: fr is not one of zh-hans, en" in str(error.value)
    assert not FaqEntry.objects.exists()


def test_missing_unknown_and_duplicate_fields_are_reported(tree):
    missing = json.loads(_line())
    del missing["answer"]
    lines = [json.dumps(missing), _line(extra="x"), _line(), _line()]

    with pytest.raises(FaqImportError) as error:
        read_faq_lines(lines)

    assert [(e.line, e.field) for e in error.value.errors] == [
        (1, "answer"),
        (2, "extra"),
        (4, "key"),
    ]


def test_answers_keep_paragraphs_and_escape_markup(tree):
    import_faq([_line(answer="Fees < 100 & more.\n\nSecond paragraph\nwith a break.")])

    entry = FaqEntry.objects.get()
    assert entry.answer == (
        "<p>Fees &lt; 100 &amp; more.</p><p>Second paragraph<br/>with a break.</p>"
    )
    assert json.loads(next(export_faq()))["answer"] == (
        "Fees < 100 & more.\n\nSecond paragraph\nwith a break."
    )


def test_import_command_reports_bad_lines_and_fails(tree, tmp_path, capsys):
    source = tmp_path / "faq.jsonl"
    source.write_text(_line() + "\n" + _line(key="Bad Key") + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_faq", str(source))

    assert "line 2, field key" in capsys.readouterr().err
    assert not FaqEntry.objects.exists()


# --- What the assistant reads -------------------------------------------------------------


def test_published_entries_are_plain_dicts(tree):
    import_faq([_line(), _line(language="zh-hans", question="我们付多少？", alternates=[])])
    draft = FaqEntry.objects.get(locale__language_code="en")
    draft.question = "Draft wording"
    draft.save_revision()

    entries = faq.published_faq_entries()

    assert entries[0] == {
        "key": "co-payment",
        "language": "en",
        "category": "payments",
        "question": "How much do we pay?",
        "alternates": ["What is our share?"],
        "answer": "The co-payment.\n\nPaid online.",
        "related": [],
    }
    assert [e["language"] for e in entries] == ["en", "zh-hans"]


def test_related_pages_are_given_as_urls(tree):
    import_faq([_line()])
    FaqRelatedPage.objects.create(entry=FaqEntry.objects.get(), page=tree.training["en"])

    assert faq.published_faq_entries()[0]["related"] == ["/training/"]


def test_import_publish_edit_unpublish_and_delete_each_bump_the_version(tree):
    versions = [faq.faq_version()]
    import_faq([_line()])
    versions.append(faq.faq_version())
    entry = FaqEntry.objects.get()

    entry.question = "Edited"
    entry.save_revision().publish()
    versions.append(faq.faq_version())
    entry.unpublish()
    versions.append(faq.faq_version())
    assert faq.published_faq_entries() == []
    entry.delete()
    versions.append(faq.faq_version())

    assert all(later > earlier for earlier, later in zip(versions, versions[1:], strict=False))


def test_version_survives_an_evicted_cache_key():
    from django.core.cache import cache

    before = faq.faq_version()
    cache.delete(faq.VERSION_KEY)
    faq.bump_faq_version()

    assert faq.faq_version() != before


def test_submitting_an_entry_for_review_then_approving_publishes_it(tree, personas):
    editor = UserFactory(role="cms_editor")
    from cms.access import sync_cms_groups

    sync_cms_groups(editor)
    sync_cms_groups(personas.officer)
    entry = FaqEntry(
        key="review-me",
        locale=tree.en,
        category="platform",
        question="Reviewed?",
        answer="<p>Yes.</p>",
        live=False,
    )
    entry.save()
    entry.save_revision(user=editor)
    workflow = entry.get_workflow()
    assert workflow == Workflow.objects.get(name="内容审核")
    before = faq.faq_version()

    state = workflow.start(entry, editor)
    assert entry.workflow_in_progress
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, personas.officer, "approve")

    entry.refresh_from_db()
    assert entry.live
    assert faq.faq_version() > before


def test_translating_a_live_entry_makes_an_unpublished_draft(tree):
    import_faq([_line(language="zh-hans", question="我们付多少？", alternates=[])])
    source = FaqEntry.objects.get()
    assert source.live

    translation = source.copy_for_translation(tree.en)
    translation.save()

    translation.refresh_from_db()
    assert translation.locale == tree.en
    assert translation.translation_key == source.translation_key
    assert not translation.live
    assert translation.live_revision is None
    # Visitors and the assistant see only the Chinese entry until the English is published.
    assert [e["language"] for e in faq.published_faq_entries()] == ["zh-hans"]
