"""Survey campaigns, one-time answer codes, anonymous responses and stored aggregates.

Anonymity by construction: a code is printed on a slip handed out at random in a class and
is never linked to a pupil; only a keyed hash of it is stored. A submitted response is not
linked to its code either: on submit the code's draft is deleted, the code is marked used and
the response row holds only the campaign, the class, the answers and their scores. No row
records when a code was used, so timestamps cannot link the two.

Results pages never read responses: they read ``ClassAggregate`` (per campaign and class) and
``UnitAggregate`` (per org unit above the class and school year) rows, which the refresh task
recomputes (see ``aggregates.py``).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.lib.i18n import pick
from haven.orgs.calendar import calendar_for
from haven.orgs.models import OrgUnit
from haven.security.fields import EncryptedJSONField


def school_year(moment: dt.datetime, school: OrgUnit | str) -> str:
    """The label ("2026-2027") of the school year a moment falls in, on the school's
    calendar and in its time zone (``haven.orgs.calendar``); campaigns store it."""
    calendar = calendar_for(school)
    return calendar.school_year(moment.astimezone(calendar.zone).date()).label


class Campaign(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CLOSED = "closed", _("closed")

    school = models.ForeignKey(
        OrgUnit,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="survey_campaigns",
        limit_choices_to={"kind": "school"},
    )
    title = models.CharField(_("title"), max_length=200)
    instrument_code = models.CharField(_("instrument"), max_length=64)
    instrument_version = models.PositiveSmallIntegerField(_("instrument version"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    period = models.CharField(
        _("school year"), max_length=9, help_text=_("The school year the campaign counts for.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    school_questions = models.JSONField(
        _("the school's own questions"),
        default=list,
        blank=True,
        help_text=_("Shown after the instrument; open answers are never published."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-opens_at"]
        indexes = [models.Index(fields=["school", "period"], name="campaign_school_period")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="campaign_window_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_running(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.ACTIVE and self.opens_at <= now < self.closes_at

    @property
    def instrument(self):  # type: ignore[no-untyped-def]
        from haven.surveys import instruments

        return instruments.get(self.instrument_code, self.instrument_version)

    @property
    def instrument_name(self) -> str:
        return pick(self.instrument.names)


class CampaignClass(models.Model):
    """A class taking part, with the pupils it counts for the response rate."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="classes"
    )
    class_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    eligible = models.PositiveIntegerField(
        _("pupils"), help_text=_("Pupils in the class, for the response rate.")
    )

    class Meta:
        verbose_name = _("class in a campaign")
        verbose_name_plural = _("classes in a campaign")
        ordering = ["class_unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "class_unit"], name="campaignclass_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.class_unit}"


class AnswerCode(models.Model):
    """A one-time code on a slip: only its keyed hash is kept, and nothing about a pupil."""

    class State(models.TextChoices):
        UNUSED = "unused", _("not used")
        STARTED = "started", _("started")
        SUBMITTED = "submitted", _("submitted")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="codes"
    )
    class_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.UNUSED)
    draft = EncryptedJSONField(
        _("saved answers"),
        default=dict,
        blank=True,
        help_text=_("Kept only until submitted."),
        unit="campaign.school_id",
    )
    page = models.PositiveSmallIntegerField(_("page reached"), default=0)

    class Meta:
        verbose_name = _("answer code")
        verbose_name_plural = _("answer codes")
        indexes = [
            models.Index(fields=["campaign", "class_unit", "state"], name="answercode_progress")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.class_unit} · {self.get_state_display()}"


class Response(models.Model):
    """One submitted survey: no code, no time, no pupil, no address."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="responses"
    )
    class_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    # Open answers are free text: sealed with the school's key (scores stay plain, counted).
    answers = EncryptedJSONField(_("answers"), default=dict, unit="campaign.school_id")
    measures = models.JSONField(
        _("scores"), default=dict, help_text=_("Flags, scale scores and item values, scored.")
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["campaign", "class_unit"], name="response_campaign_class")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.class_unit}"


class ClassAggregate(models.Model):
    """``Aggregate.to_json()`` of one class in one campaign; ``through`` is the watermark:
    the highest response id counted."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="aggregates"
    )
    class_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    respondents = models.PositiveIntegerField(_("respondents"), default=0)
    eligible = models.PositiveIntegerField(_("pupils"), default=0)
    data = models.JSONField(_("aggregate"), default=dict)
    through = models.PositiveBigIntegerField(_("counted up to response"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"), default=timezone.now)

    class Meta:
        verbose_name = _("class aggregate")
        verbose_name_plural = _("class aggregates")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "class_unit"], name="classaggregate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.class_unit}"


class UnitAggregate(models.Model):
    """The roll-up of one org unit (a school or any level above) for one school year and
    instrument: a school's row is its whole year (one campaign per class, see
    ``aggregates.school_year_rows``), every unit above sums its children's rows. A national
    page reads a handful of these."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("school year"), max_length=9)
    instrument_code = models.CharField(_("instrument"), max_length=64)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For a school: the campaign its row comes from."),
    )
    schools = models.PositiveIntegerField(_("schools"), default=0)
    respondents = models.PositiveIntegerField(_("respondents"), default=0)
    eligible = models.PositiveIntegerField(_("pupils"), default=0)
    data = models.JSONField(_("aggregate"), default=dict)
    refreshed_at = models.DateTimeField(_("refreshed at"), default=timezone.now)

    class Meta:
        verbose_name = _("unit aggregate")
        verbose_name_plural = _("unit aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period", "instrument_code"], name="unitaggregate_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period}"
