from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("custody", "0005_sync_updated_at")]

    operations = [
        migrations.AlterField(
            model_name="servicerecord",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="settlement",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
