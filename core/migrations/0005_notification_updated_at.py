"""updated_at on every notification (issue #17, sync): added empty, backfilled with the last time the
row is known to have changed, then required."""

from django.db import migrations, models
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    apps.get_model("core", "Notification").objects.update(updated_at=Coalesce("read_at", "created_at"))


class Migration(migrations.Migration):
    dependencies = [("core", "0004_idempotency_keys")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notification",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
    ]
