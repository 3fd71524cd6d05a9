"""Background work for surveys: refreshing a campaign's stored aggregates."""

from haven.lib.tasks import task
from haven.surveys.aggregates import campaign_refresh
from haven.surveys.models import Campaign


@task()
def refresh_campaign(campaign_id: int) -> bool:
    """Enqueued on each submit and on closing; idempotent (a watermark skips repeats)."""
    campaign = Campaign.objects.select_related("school").filter(pk=campaign_id).first()
    if campaign is None:
        return False
    return campaign_refresh(campaign)
