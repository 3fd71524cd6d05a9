"""The escalated cases of each school, for the inspector's lists (overdue deadlines, escalated
cases): at 1,000,000 cases they read these instead of every case of the county."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_postgresql_running_deadlines_index")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("escalated_at__isnull", False)),
                fields=["school", "closed_at"],
                name="case_escalated_idx",
            ),
        ),
    ]
