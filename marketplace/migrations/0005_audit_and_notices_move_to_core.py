"""AuditEvent and Notification now belong to core (core 0001); their tables stay as they are."""

from django.db import migrations


def relabel_content_types(apps, schema_editor):
    # Keep the existing content types (and the permissions hanging on them) under the new app.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(
        app_label="marketplace", model__in=["auditevent", "notification"]
    ).update(app_label="core")


def label_them_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="core", model__in=["auditevent", "notification"]).update(
        app_label="marketplace"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_audit_and_notices_from_marketplace"),
        ("marketplace", "0004_engagement_awaiting_payment"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AuditEvent"),
                migrations.DeleteModel(name="Notification"),
            ]
        ),
        migrations.RunPython(relabel_content_types, label_them_back),
    ]
