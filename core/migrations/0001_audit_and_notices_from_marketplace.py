"""The audit trail and the notices move from marketplace to core; their tables stay.

Only Django's model state changes here: the tables `marketplace_auditevent` and
`marketplace_notification` keep their names, rows and indexes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("marketplace", "0004_engagement_awaiting_payment"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="at")),
                ("action", models.CharField(max_length=64, verbose_name="action")),
                ("subject_id", models.CharField(max_length=64, verbose_name="subject id")),
                ("subject_repr", models.CharField(max_length=200, verbose_name="subject")),
                ("from_state", models.CharField(blank=True, max_length=32, verbose_name="from")),
                ("to_state", models.CharField(blank=True, max_length=32, verbose_name="to")),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="details")),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="by")),
                ("agency", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="marketplace.agency")),
                ("subject_type", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype", verbose_name="subject type")),
                ("firm", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="marketplace.firm")),
                ("incubator", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="marketplace.incubator")),
            ],
            options={
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
                "ordering": ["-at", "-id"],
                "db_table": "marketplace_auditevent",
                "indexes": [models.Index(fields=["subject_type", "subject_id", "at"], name="marketplace_subject_bb3e1d_idx")],
            },
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=40, verbose_name="kind")),
                ("params", models.JSONField(blank=True, default=dict, verbose_name="details")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "notification",
                "verbose_name_plural": "notifications",
                "ordering": ["-created_at", "-id"],
                "db_table": "marketplace_notification",
                "indexes": [models.Index(fields=["user", "read_at"], name="marketplace_user_id_3ff65c_idx")],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
    ]
