"""Admin building blocks every app uses, and the audit trail and notices' admin pages.

Rows whose states change only through actions are shown read-only (`ReadOnlyAdmin`);
admin actions that change a state call the same action as every other entry point
(`apply_to_each`).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import ActionError
from core.models import AuditEvent, Notification
from core.notices import notification_text


def apply_to_each(modeladmin, request, queryset, action, *, done_message):
    """Run `action` on each selected object; report refusals one by one, and the count done."""
    done = 0
    for obj in queryset:
        try:
            action(obj)
        except ActionError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", level=messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), level=messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows whose states change only through actions: shown, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        """For admin actions that call a state action reserved to programme officers."""
        return request.user.is_programme_officer


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        # Timestamps like sent_at are not editable, so a form could not even hold them.
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events are append-only, written by actions alone."""

    list_display = ("at", "action", "subject_repr", "from_state", "to_state", "actor", "reason")
    list_filter = ("action", "subject_type")
    search_fields = ("subject_repr", "subject_id", "action", "reason", "actor__username")
    list_select_related = ("actor", "subject_type")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "text", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__display_name", "kind")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    @admin.display(description=_("text"))
    def text(self, notification):
        return notification_text(notification.kind, notification.params)
