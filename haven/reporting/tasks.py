"""Large reports' files, made in the background (the page polls their status)."""

from django.core.files.base import ContentFile
from django.utils import translation

from haven.lib import tabular
from haven.lib.tasks import task
from haven.reporting import outputs
from haven.reporting.models import ReportFile


@task()
def report_file_make(file_id: int) -> None:
    row = ReportFile.objects.select_related("report__unit__jurisdiction").get(pk=file_id)
    try:
        with translation.override(row.language):
            if row.fmt == "pdf":
                content = outputs.pdf(row.report)
            else:
                content = tabular.to_xlsx(outputs.workbook(row.report))
        row.file.save(f"{outputs.filename(row.report)}.{row.fmt}", ContentFile(content), save=False)
        row.status = ReportFile.Status.READY
    except Exception:
        row.status = ReportFile.Status.FAILED
        row.save(update_fields=["status"])
        raise
    row.save(update_fields=["file", "status"])
