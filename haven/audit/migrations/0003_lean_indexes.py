"""Fewer indexes for every audit row to write: no LIKE index on the action, the actor indexed
only where there is one (the system and anonymous reporters have none).

On SQLite, altering a column remakes the table, and the append-only triggers go with the old
table: they are made again at the end. Any later migration that alters this table on SQLite
must do the same (haven/audit/tests/test_append_only.py fails otherwise).
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


append_only = importlib.import_module("haven.audit.migrations.0002_append_only")


def sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in append_only.SQLITE_REVERSE + append_only.SQLITE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only'),
        ('orgs', '0005_school_code_any_case'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Undoing this migration remakes the table again: the triggers are made last then too.
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers_again),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(max_length=64, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['action'], name='audit_action_idx'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='audit_actor_idx'),
        ),
        migrations.RunPython(sqlite_triggers_again, migrations.RunPython.noop),
    ]
