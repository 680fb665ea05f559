from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0007_engagement_terms_backfill")]

    operations = [
        migrations.AlterField(
            model_name="engagement",
            name="government_share",
            field=models.DecimalField(
                decimal_places=3,
                max_digits=4,
                validators=[
                    django.core.validators.MinValueValidator(Decimal("0")),
                    django.core.validators.MaxValueValidator(Decimal("1")),
                ],
                verbose_name="government share (fixed at acceptance)",
            ),
        ),
    ]
