from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest
from django.test import Client

from cms.models import ArticlePage, CoursePage, FaqEntry, TrainingEventPage
from demo import cms as demo
from marketplace.models import User
from tests.cms.conftest import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # The demo writes cover images and documents; keep them out of the project's var/.
    settings.MEDIA_ROOT = tmp_path


def test_seed_cms_fills_both_languages_and_makes_the_editor_login(tree):
    call_command("seed_cms")

    courses = CoursePage.objects.live()
    assert courses.filter(locale=tree.zh).count() == 4
    assert courses.filter(locale=tree.en).count() == 3
    events = TrainingEventPage.objects.live().filter(locale=tree.zh)
    assert {event.is_past for event in events} == {True, False}
    assert ArticlePage.objects.live().filter(locale=tree.en).count() == 4
    for code in ("zh-hans", "en"):
        assert FaqEntry.objects.filter(live=True, locale__language_code=code).count() >= 40
    editor = User.objects.get(username=demo.EDITOR_USERNAME)
    assert editor.role == User.Role.CMS_EDITOR
    client = Client()
    assert client.login(
        request=HttpRequest(), username=demo.EDITOR_USERNAME, password=demo.EDITOR_PASSWORD
    )
    assert client.get("/cms/").status_code == 200


def test_seed_cms_only_fills_an_empty_site(tree):
    # A site with one course of its own (the whole demo seed takes seconds; the test above).
    make_course(tree.training["zh-hans"])

    with pytest.raises(CommandError, match="only fills an empty site"):
        call_command("seed_cms")
    out = StringIO()
    call_command("seed_cms", "--if-empty", stdout=out)
    assert "nothing seeded" in out.getvalue()
    assert CoursePage.objects.count() == 1
    assert not FaqEntry.objects.exists()
