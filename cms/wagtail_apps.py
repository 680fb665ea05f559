"""Wagtail's apps as this site installs them: everything but Wagtail's v3 API.

Wagtail 8 builds its django-ninja API (the pages, images, documents, snippets, locales and
redirects endpoints, some 300 pydantic models) in these apps' ready(), so every process paid
for it at start-up: half a second of `manage.py check` and of every command. The site
never serves that API (config/urls.py routes no `wagtail.api.v3.urls`; the admin does not
call it), so each ready() below is Wagtail's own without its last lines, which register the
app's schemas and router on the API. tests/cms/test_wagtail_apps.py fails when a Wagtail
upgrade changes one of the originals, so the copies are brought up to date with it.
"""

from django.db.models import ForeignKey
from django.db.models.signals import post_migrate
from wagtail.contrib.redirects.apps import WagtailRedirectsAppConfig
from wagtail.documents import get_document_model
from wagtail.documents import get_permission_policy as document_permission_policy
from wagtail.documents.apps import WagtailDocsAppConfig
from wagtail.images import get_image_model
from wagtail.images import get_permission_policy as image_permission_policy
from wagtail.images.apps import WagtailImagesAppConfig
from wagtail.locales.apps import WagtailLocalesAppConfig
from wagtail.snippets.apps import WagtailSnippetsAppConfig


class RedirectsConfig(WagtailRedirectsAppConfig):
    def ready(self):
        from wagtail.contrib.redirects.models import Redirect
        from wagtail.contrib.redirects.signal_handlers import (
            autocreate_redirects_on_page_move,
            autocreate_redirects_on_slug_change,
        )
        from wagtail.permissions import register_permission_policy
        from wagtail.signals import page_slug_changed, post_page_move

        register_permission_policy(Redirect)
        post_page_move.connect(autocreate_redirects_on_page_move)
        page_slug_changed.connect(autocreate_redirects_on_slug_change)


class LocalesConfig(WagtailLocalesAppConfig):
    def ready(self):
        # Wagtail's registers the locales' API router and nothing else.
        pass


class SnippetsConfig(WagtailSnippetsAppConfig):
    def ready(self):
        from wagtail.snippets.models import create_extra_permissions, register_deferred_snippets

        # Snippets registered before the models were loaded, and the permissions their
        # mixins (drafts, locking) need, created after each migrate.
        register_deferred_snippets()
        post_migrate.connect(create_extra_permissions, sender=self)


class DocumentsConfig(WagtailDocsAppConfig):
    def ready(self):
        from wagtail.admin.ui.fields import register_display_class
        from wagtail.documents.components import DocumentDisplay
        from wagtail.documents.signal_handlers import register_signal_handlers
        from wagtail.models.reference_index import ReferenceIndex
        from wagtail.permissions import register_permission_policy

        Document = get_document_model()  # noqa: N806  (a class, named as Wagtail names it)
        register_permission_policy(Document, document_permission_policy())
        register_signal_handlers()
        register_display_class(ForeignKey, to=Document, display_class=DocumentDisplay)
        ReferenceIndex.register_model(Document)


class ImagesConfig(WagtailImagesAppConfig):
    def ready(self):
        from wagtail.admin.compare import register_comparison_class
        from wagtail.admin.forms.models import register_form_field_override
        from wagtail.admin.ui.fields import register_display_class
        from wagtail.images.components import ImageDisplay
        from wagtail.images.edit_handlers import ImageFieldComparison
        from wagtail.images.signal_handlers import register_signal_handlers
        from wagtail.images.widgets import AdminImageChooser
        from wagtail.models.reference_index import ReferenceIndex
        from wagtail.permissions import register_permission_policy

        Image = get_image_model()  # noqa: N806  (a class, named as Wagtail names it)
        register_permission_policy(Image, image_permission_policy())
        register_signal_handlers()
        # Image foreign keys get the image chooser in forms, the image comparison in
        # revisions and the thumbnail in listings.
        register_form_field_override(ForeignKey, to=Image, override={"widget": AdminImageChooser})
        register_comparison_class(ForeignKey, to=Image, comparison_class=ImageFieldComparison)
        register_display_class(ForeignKey, to=Image, display_class=ImageDisplay)
        ReferenceIndex.register_model(Image)
