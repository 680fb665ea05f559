"""Take the domain words of every stored firm, agency and request text (0020 added the fields
empty), so ranking and allocation read stored words from now on (marketplace.models.terms).

The texts are composed as the models' matching_text() composes them; the words come from
today's vocabulary (marketplace.matching.field_terms). A later change of that vocabulary
needs a migration like this one to take the words again.
"""

from django.db import migrations

from marketplace.choices import INDUSTRY_KEYWORDS
from marketplace.matching import field_terms

BATCH = 1000


def _backfill(model, text_of, fields):
    # Read first, then write: SQLite does not isolate a cursor from writes to its table.
    rows = list(model.objects.only("pk", *fields))
    for row in rows:
        row.matching_terms = field_terms(text_of(row))
    model.objects.bulk_update(
        [row for row in rows if row.matching_terms], ["matching_terms"], batch_size=BATCH
    )


def backfill(apps, schema_editor):
    _backfill(
        apps.get_model("marketplace", "Agency"),
        lambda agency: " ".join(text for text in (agency.expertise, agency.expertise_en) if text),
        ("expertise", "expertise_en"),
    )
    _backfill(
        apps.get_model("marketplace", "Firm"),
        lambda firm: f"{INDUSTRY_KEYWORDS.get(firm.industry, '')} {firm.description}",
        ("industry", "description"),
    )
    _backfill(
        apps.get_model("marketplace", "CustodyRequest"),
        lambda request: request.needs,
        ("needs",),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0020_matching_terms"),
    ]

    operations = [
        # Backwards: the fields go with 0020; nothing to undo here.
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
