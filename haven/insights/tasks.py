"""Background work for insights: keeping the count tables current."""

from haven.insights.refresh import refresh
from haven.lib.tasks import task


@task()
def insights_refresh() -> int:
    """Catch the count tables up with what changed; the number of cells written."""
    return refresh().cells
