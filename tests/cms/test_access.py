import pytest
from django.urls import reverse

from cms.access import sync_cms_groups
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", role="cms_editor")


def test_cms_editor_and_officer_reach_the_wagtail_admin(client, editor, personas):
    for user in (editor, personas.officer):
        client.force_login(user)
        assert client.get(reverse("wagtailadmin_home")).status_code == 200, user


def test_wagtail_admin_loads_no_gravatar(client, editor):
    # Unreachable from mainland China, and the URL would carry a hash of the editor's e-mail.
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    assert "gravatar" not in response.text


@pytest.mark.parametrize("persona", ["firm_member", "agency_consultant", "incubator_manager"])
def test_other_roles_are_kept_out_of_the_wagtail_admin(client, personas, persona):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 302
    assert "/cms/login/" in response.url


def test_anonymous_is_asked_to_log_in(client, db):
    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 302


def test_groups_follow_the_role_at_each_login(editor, personas):
    sync_cms_groups(editor)
    assert list(editor.groups.values_list("name", flat=True)) == ["Editors"]

    editor.role = "programme_officer"
    editor.save()
    sync_cms_groups(editor)

    assert list(editor.groups.values_list("name", flat=True)) == ["Moderators"]
    sync_cms_groups(personas.firm_member)
    assert not personas.firm_member.groups.exists()


def test_editor_can_add_and_publish_pages_and_faq(editor, tree):
    from wagtail.models import Page

    from cms.models import FaqEntry

    sync_cms_groups(editor)
    permissions = tree.training["en"].permissions_for_user(editor)

    assert permissions.can_add_subpage()
    assert permissions.can_publish_subpage()
    assert editor.has_perm("cms.publish_faqentry")
    assert not Page.objects.get(depth=1).permissions_for_user(editor).can_delete()
    assert FaqEntry._meta.app_label == "cms"


def test_editor_creates_a_faq_entry_in_the_admin(client, editor, tree):
    from cms.models import FaqEntry

    client.force_login(editor)
    url = reverse("wagtailsnippets_cms_faqentry:add") + "?locale=en"

    response = client.post(
        url,
        {
            "key": "admin-made",
            "category": "platform",
            "question": "Made in the admin?",
            "alternates": "Admin entry",
            "answer": '{"blocks":[{"key":"a","type":"unstyled","depth":0,"text":"Yes.","inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
            "related_pages-TOTAL_FORMS": "0",
            "related_pages-INITIAL_FORMS": "0",
            "related_pages-MIN_NUM_FORMS": "0",
            "related_pages-MAX_NUM_FORMS": "1000",
            "action-publish": "action-publish",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    entry = FaqEntry.objects.get(key="admin-made")
    assert entry.live
    assert entry.locale == tree.en


def test_portal_menu_links_editors_to_the_site_editor(client, editor, personas):
    client.force_login(editor)
    assert reverse("wagtailadmin_home") in client.get(reverse("frontend:password-change")).text

    client.force_login(personas.firm_member)
    assert reverse("wagtailadmin_home") not in client.get(reverse("frontend:firm-home")).text


def test_editor_publishes_a_course_in_the_admin_and_translates_it(client, editor, tree):
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    from cms.models import CoursePage

    sync_cms_groups(editor)
    client.force_login(editor)
    parent = tree.training["zh-hans"]
    data = nested_form_data(
        {
            "title": "管理后台课程",
            "slug": "admin-course",
            "summary": "在后台写的课程",
            "level": "beginner",
            "lessons": streamfield(
                [
                    (
                        "lesson",
                        {
                            "title": "第一课",
                            "minutes": 5,
                            "content": streamfield([("paragraph", rich_text("内容"))]),
                        },
                    )
                ]
            ),
            "action-publish": "publish",
        }
    )

    response = client.post(
        reverse("wagtailadmin_pages:add", args=("cms", "coursepage", parent.pk)), data
    )

    assert response.status_code == 302, response.content[:3000]
    course = CoursePage.objects.get(slug="admin-course")
    assert course.live and course.locale == tree.zh

    translated = client.post(
        reverse("simple_translation:submit_page_translation", args=[course.pk]),
        {"locales": [tree.en.pk]},
    )

    assert translated.status_code == 302
    english = CoursePage.objects.get(locale=tree.en, translation_key=course.translation_key)
    assert english.get_parent().pk == tree.training["en"].pk
