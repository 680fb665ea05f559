"""updated_at on every co-payment and payout (issue #17, sync): added empty, backfilled with the last time the
row is known to have changed, then required."""

from django.db import migrations, models
from django.db.models.functions import Coalesce, Greatest


def backfill(apps, schema_editor):
    apps.get_model("payments", "CoPayment").objects.update(updated_at=Greatest(Coalesce("paid_at", "created_at"), "created_at"))
    apps.get_model("payments", "Payout").objects.update(updated_at=Greatest(Coalesce("sent_at", "created_at"), "created_at"))


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_payee_account")]

    operations = [
        migrations.AddField(
            model_name="copayment",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="payout",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="copayment",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="payout",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
    ]
