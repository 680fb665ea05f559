from django.db import migrations, models
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    """The last known change of each row: its decision, else when it was logged or rated."""
    ServiceRecord = apps.get_model("custody", "ServiceRecord")
    Settlement = apps.get_model("custody", "Settlement")
    ServiceRecord.objects.filter(updated_at__isnull=True).update(
        updated_at=Coalesce("decided_at", "logged_at")
    )
    Settlement.objects.filter(updated_at__isnull=True).update(
        updated_at=Coalesce("approved_at", "confirmed_at", "rated_at")
    )


class Migration(migrations.Migration):
    dependencies = [("custody", "0004_expiry_is_not_missed")]

    operations = [
        migrations.AddField(
            model_name="servicerecord",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="settlement",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
