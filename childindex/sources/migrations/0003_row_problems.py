# The rejected-rows report becomes a row-problems report: rows rejected, and rows kept with a
# warning (a value dropped from matching), each with its column. The table is renamed, not
# rebuilt, so reports of earlier runs are kept (each is a rejection).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_fewer_indexes"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="rejectedrow", name="rejected_row_once"),
        migrations.RenameModel(old_name="RejectedRow", new_name="RowProblem"),
        migrations.AlterModelOptions(
            name="rowproblem", options={"ordering": ["run", "row_number", "column"]}
        ),
        migrations.AlterField(
            model_name="rowproblem",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="row_problems",
                to="sources.importrun",
            ),
        ),
        migrations.AddField(
            model_name="rowproblem",
            name="severity",
            field=models.CharField(
                choices=[("rejected", "Rejected"), ("warning", "Accepted with a warning")],
                default="rejected",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="rowproblem",
            name="column",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddConstraint(
            model_name="rowproblem",
            constraint=models.UniqueConstraint(
                fields=("run", "row_number", "column"), name="row_problem_once"
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="warned",
            field=models.PositiveIntegerField(
                default=0, help_text="Rows kept with a warning (a value dropped from matching)."
            ),
        ),
        migrations.CreateModel(
            name="RejectedRow",
            fields=[],
            options={"ordering": ["run", "row_number"], "proxy": True, "indexes": [], "constraints": []},
            bases=("sources.rowproblem",),
        ),
    ]
