"""Wagtail's apps installed without its v3 API (cms/wagtail_apps.py) still do all the rest."""

import hashlib
import inspect

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from wagtail.admin.forms.models import formfield_for_dbfield
from wagtail.contrib.redirects.apps import WagtailRedirectsAppConfig
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.documents.apps import WagtailDocsAppConfig
from wagtail.images import get_image_model
from wagtail.images.apps import WagtailImagesAppConfig
from wagtail.images.widgets import AdminImageChooser
from wagtail.locales.apps import WagtailLocalesAppConfig
from wagtail.models.reference_index import ReferenceIndex
from wagtail.permissions import policy_registry
from wagtail.snippets.apps import WagtailSnippetsAppConfig
from wagtail.snippets.models import get_snippet_models

from cms import wagtail_apps
from cms.models import CoursePage, FaqEntry
from tests.cms.conftest import make_course, publish

# Wagtail 8.0's ready() of each app replaced in cms/wagtail_apps.py. A new Wagtail that
# changes one fails here: bring the copy in line with the new original (leaving out only
# what registers on the v3 API), then record the original's new digest.
ORIGINALS = {
    WagtailRedirectsAppConfig: (wagtail_apps.RedirectsConfig, "19d1a78049d84e47"),
    WagtailLocalesAppConfig: (wagtail_apps.LocalesConfig, "212230a703ac39a7"),
    WagtailSnippetsAppConfig: (wagtail_apps.SnippetsConfig, "1ac35b5ed4034956"),
    WagtailDocsAppConfig: (wagtail_apps.DocumentsConfig, "4cdf87a46dbf81ef"),
    WagtailImagesAppConfig: (wagtail_apps.ImagesConfig, "52e409385bb1ad62"),
}


def _digest(config_class):
    return hashlib.sha256(inspect.getsource(config_class.ready).encode()).hexdigest()[:16]


@pytest.mark.parametrize("original", ORIGINALS, ids=lambda config: config.label)
def test_each_replaced_ready_is_the_one_the_copy_was_made_from(original):
    ours, digest = ORIGINALS[original]

    assert type(apps.get_app_config(original.label)) is ours
    assert _digest(original) == digest, (
        f"Wagtail changed {original.__name__}.ready(): update {ours.__name__} in "
        "cms/wagtail_apps.py to match it, then its digest here"
    )


def test_images_and_documents_keep_their_policies_and_reference_tracking():
    for model in (get_image_model(), get_document_model(), Redirect):
        assert policy_registry.get_by_type(model, fallback=False) is not None
    assert ReferenceIndex.is_indexed(get_image_model())
    assert ReferenceIndex.is_indexed(get_document_model())


def test_an_image_foreign_key_is_edited_with_the_image_chooser():
    field = formfield_for_dbfield(CoursePage._meta.get_field("cover"))

    assert isinstance(field.widget, AdminImageChooser)


@pytest.mark.django_db
def test_snippets_are_registered_with_their_extra_permissions():
    assert FaqEntry in get_snippet_models()
    # The FAQ entries keep drafts: the publish permission comes from snippets' post_migrate.
    assert Permission.objects.filter(
        content_type__app_label="cms", codename="publish_faqentry"
    ).exists()


@pytest.mark.django_db
def test_a_published_slug_change_leaves_a_redirect_from_the_old_address(
    tree, django_capture_on_commit_callbacks
):
    course = make_course(tree.training["en"], slug="trademark-basics")
    old_path = course.url

    course.slug = "trademark-essentials"
    # Wagtail signals the changed slug once the change is committed.
    with django_capture_on_commit_callbacks(execute=True):
        publish(course)

    redirect = Redirect.objects.get(redirect_page=course)
    assert redirect.old_path == Redirect.normalise_path(old_path)
