"""Count tables: one row per (org unit, period, indicator, breakdown), for schools and every
unit above them, refreshed by ``haven.insights.refresh`` (zulip's RealmCount/InstallationCount,
DHIS2's analytics tables). A missing row is a zero. Dashboards read these, never raw rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cell(models.Model):
    class Kind(models.TextChoices):
        DAY = "day", _("day")
        MONTH = "month", _("month")
        # The jurisdiction's own terms (semesters, terms, modules, quarters), whatever named.
        TERM = "term", _("term")
        SCHOOL_YEAR = "school_year", _("school year")

    # No index of its own: the unique constraint's index starts with the unit.
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(_("period"), max_length=12, choices=Kind.choices)
    start = models.DateField(_("period start"))
    indicator = models.CharField(_("indicator"), max_length=48)
    breakdown = models.CharField(_("breakdown"), max_length=48, default="", blank=True)
    value = models.BigIntegerField(_("count"))

    class Meta:
        verbose_name = _("count")
        verbose_name_plural = _("counts")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "start", "indicator", "breakdown"],
                name="insights_cell_unique",
            )
        ]
        indexes = [
            # A unit's headline cells of some indicators over many periods (the stocks: cases
            # open at a date, summed from the first month): the unique index, which puts the
            # period before the indicator, walked every cell of every month of the unit for
            # them (5 of a ministry read's 46 ms at 1,000 schools).
            models.Index(
                fields=["unit", "indicator", "kind", "start"],
                condition=models.Q(breakdown=""),
                name="insights_cell_headline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.start} {self.indicator} {self.breakdown}"


class Watermark(models.Model):
    """How far the refresh has read an append-only source (its largest id, or a time)."""

    name = models.CharField(_("source"), max_length=40, unique=True)
    last_id = models.BigIntegerField(_("last id read"), default=0)
    at = models.DateTimeField(_("read up to"), null=True, blank=True)

    class Meta:
        verbose_name = _("watermark")
        verbose_name_plural = _("watermarks")

    def __str__(self) -> str:
        return f"{self.name} {self.last_id} {self.at}"
