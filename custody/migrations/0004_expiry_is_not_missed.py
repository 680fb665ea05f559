"""A patent's expiry is information, not a task: clear the missed flags the old job set on
expiries, so they no longer count against an agency's track record."""

from django.db import migrations


def clear(apps, schema_editor):
    Deadline = apps.get_model("custody", "Deadline")
    Deadline.objects.filter(kind="patent_expiry", missed_at__isnull=False).update(
        missed_at=None, responsible_agency=None
    )


class Migration(migrations.Migration):
    dependencies = [("custody", "0003_service_record_dashboard_indexes")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
