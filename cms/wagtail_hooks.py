from django.utils.translation import gettext_lazy as _
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
