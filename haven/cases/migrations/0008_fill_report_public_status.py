"""Fill intake's stored reporter-facing status for existing reports, as ``Report.public_status``
computed it on each read before intake 0009: from the report's status, the state of its latest
case (its procedure's ``reporter_sees``) and, for a merged report, the report it joined.

It lives in cases because it reads cases (intake does not know them)."""

from django.db import migrations

RECEIVED, HANDLING, CLOSED = "received", "handling", "closed"


def fill(apps, schema_editor):
    from haven.procedures import loader

    Report = apps.get_model("intake", "Report")
    Case = apps.get_model("cases", "Case")
    Report.objects.filter(status="new").update(public_status=RECEIVED)
    Report.objects.filter(status="dismissed").update(public_status=CLOSED)
    Report.objects.exclude(status__in=["new", "dismissed"]).update(public_status=HANDLING)
    # Oldest case first, so a report's latest case has the last word.
    for case in Case.objects.filter(reports__isnull=False).distinct().order_by("opened_at", "pk"):
        procedure = loader.get(case.procedure_code, case.procedure_version)
        seen = procedure.state(case.state).reporter_sees
        Report.objects.filter(cases=case, status="case_opened").update(public_status=seen)
    # A merged report says what the report it joined says (along the chain).
    own = dict(Report.objects.values_list("pk", "public_status"))
    merged = dict(
        Report.objects.filter(status="merged", merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
    )
    for pk in merged:
        target, seen_ids = merged[pk], {pk}
        while target in merged and target not in seen_ids:
            seen_ids.add(target)
            target = merged[target]
        if own[pk] != own[target]:
            Report.objects.filter(pk=pk).update(public_status=own[target])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_escalated_index"),
        ("intake", "0009_report_public_status"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
