"""The product FAQ (demo/fixtures) through the import and export, imported once for the module.

Importing its 80-odd entries (saved, published and indexed one by one) is the slowest thing
the FAQ tests do, and three tests each did it; here `manage.py import_faq` loads it once in a
transaction rolled back at the module's end, and each test runs in a savepoint of it.
"""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from cms.faq_io import export_faq
from cms.models import FaqEntry
from tests.cms.test_faq import product_faq_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def imported_once(django_db_setup, django_db_blocker, tmp_path_factory):
    source = tmp_path_factory.mktemp("faq") / "faq.jsonl"
    source.write_text("\n".join(product_faq_lines()) + "\n", encoding="utf-8")
    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_faq", str(source), stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def imported(imported_once, db):
    """The import command's report line: 'N entries: C created, U updated, K unchanged.'"""
    return imported_once


def test_import_publishes_translations_that_share_a_translation_key(imported):
    counts = re.search(r"(\d+) entries: (\d+) created, (\d+) updated, (\d+) unchanged", imported)
    total, created, updated, unchanged = map(int, counts.groups())

    assert created == total == FaqEntry.objects.count() >= 80
    assert (updated, unchanged) == (0, 0)
    assert not FaqEntry.objects.filter(live=False).exists()
    zh = FaqEntry.objects.get(key="patent-annual-fee", locale__language_code="zh-hans")
    en = FaqEntry.objects.get(key="patent-annual-fee", locale__language_code="en")
    assert zh.translation_key == en.translation_key
    assert zh.revisions.count() == 1


def test_export_round_trips_the_product_faq(imported):
    source = product_faq_lines()

    exported = list(export_faq())

    def normalised(lines):
        return sorted(json.dumps(json.loads(x), sort_keys=True, ensure_ascii=False) for x in lines)

    assert normalised(exported) == normalised(source)


def test_commands_import_and_export(imported, tmp_path):
    target = tmp_path / "out.jsonl"

    call_command("export_faq", str(target))

    assert sorted(target.read_text("utf-8").splitlines()) == sorted(
        json.dumps(json.loads(x), ensure_ascii=False) for x in product_faq_lines()
    )
