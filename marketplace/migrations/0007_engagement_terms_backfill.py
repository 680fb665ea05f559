"""Engagements made before the terms were fixed on them take their programme year's terms."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Engagement = apps.get_model("marketplace", "Engagement")
    ProgrammeYear = apps.get_model("marketplace", "ProgrammeYear")
    year = ProgrammeYear.objects.filter(pk=OuterRef("programme_year_id"))
    Engagement.objects.filter(government_share__isnull=True).update(
        government_share=Subquery(year.values("government_share")[:1]),
        copay_cap=Subquery(year.values("copay_cap")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0006_engagement_terms_fixed_at_acceptance")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
