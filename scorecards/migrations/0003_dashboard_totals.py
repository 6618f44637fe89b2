"""The pilot's stage on its scorecard, and the portfolio's totals in one row.

The stage is backfilled from the pilots in the migration; the totals row is
written by the next recompute (until then the dashboard counts, as before).
"""

from django.db import migrations, models

BACKFILL_STAGE = """
UPDATE scorecards_scorecard
SET stage = (SELECT p.stage FROM pilots_pilot p WHERE p.id = scorecards_scorecard.pilot_id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pilots", "0001_initial"),
        ("scorecards", "0002_portfolio_weeks"),
    ]

    operations = [
        migrations.AddField(
            model_name="scorecard",
            name="stage",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("proposed", "Proposed"),
                    ("approved", "Approved"),
                    ("running", "Running"),
                    ("graduated", "Graduated"),
                    ("stopped", "Stopped"),
                ],
                default="draft",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.RunSQL(BACKFILL_STAGE, reverse_sql=migrations.RunSQL.noop),
        migrations.CreateModel(
            name="PortfolioTotals",
            fields=[
                (
                    "key",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("figures", models.JSONField()),
                ("computed_at", models.DateTimeField()),
            ],
            options={
                "verbose_name_plural": "portfolio totals",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("key", 1)), name="portfolio_totals_one"
                    )
                ],
            },
        ),
    ]
