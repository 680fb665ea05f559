from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import UpdatedAtColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import FaqEntry


class FaqEntryViewSet(SnippetViewSet):
    model = FaqEntry
    icon = "help"
    menu_label = _("FAQ")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["question", "key", "locale", UpdatedAtColumn()]
    list_filter = ["category", "locale", "live"]
    list_per_page = 50
    ordering = ["category", "key"]


register_snippet(FaqEntryViewSet)


@hooks.register("insert_editor_js")
def draftail_labels():
    """Rich text editors named after their fields' labels (wagtail/wagtail#14205)."""
    return format_html('<script src="{}" defer></script>', static("cms/draftail_labels.js"))
