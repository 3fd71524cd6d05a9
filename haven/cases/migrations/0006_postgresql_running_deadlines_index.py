"""A PostgreSQL-only partial index over running deadlines, in due order, for overdue lists.

On SQLite the same index misleads the planner of the clock's sweep (tried: the sweep slowed
from 5 ms to 235 ms), so it exists on PostgreSQL only and outside the model state.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS timer_running_due_pg_idx "
    "ON cases_casetimer (due_at) WHERE stopped_at IS NULL"
)
DROP = "DROP INDEX IF EXISTS timer_running_due_pg_idx"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_attachments")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
