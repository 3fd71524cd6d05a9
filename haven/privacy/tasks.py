"""Background work for retention: the daily erasure run."""

from haven.lib.tasks import task
from haven.privacy.services import retention_run as run


@task()
def retention_run() -> int:
    """Erase what is due; the number of items erased."""
    return sum(run().erased.values())
