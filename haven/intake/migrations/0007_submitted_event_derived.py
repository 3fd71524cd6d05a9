"""The timeline's "report received" entry is now made from the report row itself
(Report.submitted_event), so the stored copies go: each said only what the row says (when,
the channel, who entered it)."""

from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("intake", "ReportEvent").objects.filter(kind="submitted").delete()


def backward(apps, schema_editor):
    Report = apps.get_model("intake", "Report")
    ReportEvent = apps.get_model("intake", "ReportEvent")
    rows = Report.objects.values_list("pk", "entered_by_id", "created_at", "channel")
    ReportEvent.objects.bulk_create(
        [
            ReportEvent(
                report_id=pk,
                kind="submitted",
                actor_id=actor,
                created_at=created,
                details={"channel": channel},
            )
            for pk, actor, created, channel in rows.iterator()
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("intake", "0006_report_notify_pending")]

    operations = [migrations.RunPython(forward, backward)]
