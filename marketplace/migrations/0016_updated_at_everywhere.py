"""updated_at on every participant, catalogue entry, request, offer, engagement, change and run (issue #17, sync): added empty, backfilled with the last time the
row is known to have changed, then required."""

from django.db import migrations, models
from django.db.models.functions import Coalesce, Greatest, Now


def backfill(apps, schema_editor):
    apps.get_model("marketplace", "HighTechPark").objects.update(updated_at=Now())
    apps.get_model("marketplace", "Incubator").objects.update(updated_at=Coalesce("created_at", Now()))
    apps.get_model("marketplace", "Firm").objects.update(updated_at=Greatest(Coalesce("verified_at", "created_at"), "created_at"))
    apps.get_model("marketplace", "Agency").objects.update(updated_at=Greatest(Coalesce("approved_at", "created_at"), "created_at"))
    apps.get_model("marketplace", "ServiceItem").objects.update(updated_at=Now())
    apps.get_model("marketplace", "ProgrammeYear").objects.update(updated_at=Now())
    apps.get_model("marketplace", "CustodyRequest").objects.update(updated_at=Greatest(Coalesce("waitlisted_at", "submitted_at"), "submitted_at"))
    apps.get_model("marketplace", "Offer").objects.update(updated_at=Coalesce("responded_at", "sent_at"))
    apps.get_model("marketplace", "Engagement").objects.update(updated_at=Coalesce("created_at", Now()))
    apps.get_model("marketplace", "AgencyChange").objects.update(updated_at=Coalesce("decided_at", "requested_at"))
    apps.get_model("marketplace", "AllocationRun").objects.update(updated_at=Coalesce("committed_at", "created_at"))


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0015_programme_year_english_name")]

    operations = [
        migrations.AddField(
            model_name="hightechpark",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="incubator",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="firm",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="agency",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="serviceitem",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="programmeyear",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="custodyrequest",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="offer",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="engagement",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="agencychange",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="allocationrun",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated at"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="hightechpark",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="incubator",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="firm",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="agency",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="serviceitem",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="programmeyear",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="custodyrequest",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="offer",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="engagement",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="agencychange",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="allocationrun",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
    ]
