"""API tokens moved to django-rest-knox (issue #14 item 4), which stores only digests.

DRF's authtoken table, left behind when its app was removed, holds every old token in
plain text: empty it, so a copy of the database gives nobody a working token. Clients ask
`POST /api/v1/auth/token/` for a new (expiring) one.
"""

from django.db import migrations


def forget_plaintext_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0010_credit_code_field")]

    operations = [migrations.RunPython(forget_plaintext_tokens, migrations.RunPython.noop)]
