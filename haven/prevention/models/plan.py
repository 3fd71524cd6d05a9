"""Prevention registers: the yearly plan, trainings, pledges and commitments, parent meetings
and pupil education sessions, and the report channels made known to each class.

A school year is named by the calendar year it starts in (2026 is 2026-2027); where a school
year starts is the jurisdiction's (see ``haven.orgs.calendar``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ActivityStatus",
    "ChannelKind",
    "ChannelPublication",
    "ClassCommitment",
    "Goal",
    "Meeting",
    "MeetingKind",
    "PlanActivity",
    "Pledge",
    "PledgeMethod",
    "PreventionPlan",
    "SchoolCommitment",
    "StaffNumber",
    "Training",
    "TrainingAttendance",
]


class Goal(models.TextChoices):
    AWARENESS = "awareness", _("awareness")
    EDUCATION = "education", _("education in lessons")
    ENVIRONMENT = "environment", _("safe environment")
    STAFF = "staff", _("staff capacity")
    COOPERATION = "cooperation", _("family-school-community cooperation")
    RULES = "rules", _("rules and regulations")
    INFORMATION = "information", _("information and handling")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class PreventionPlan(models.Model):
    """One unit's plan for one school year: a school's, or a district's own activities."""

    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("school or unit"),
        on_delete=models.PROTECT,
        related_name="prevention_plans",
    )
    year = models.PositiveSmallIntegerField(
        _("school year"), help_text=_("The calendar year the school year starts in.")
    )
    template = models.CharField(_("started from template"), max_length=32, blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("prevention plan")
        verbose_name_plural = _("prevention plans")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="prevention_plan_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}-{self.year + 1}"


def evidence_path(instance: "PlanActivity", filename: str) -> str:
    # The name is random (intake's file cleaning): the upload's own name may say too much.
    return f"prevention/{instance.plan.unit_id}/{filename}"


class PlanActivity(models.Model):
    plan = models.ForeignKey(
        PreventionPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    goal = models.CharField(_("goal"), max_length=16, choices=Goal.choices)
    what = models.TextField(_("activity"))
    lead = models.CharField(_("who leads"), max_length=200)
    participants = models.CharField(_("who takes part"), max_length=300, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    evidence_note = models.TextField(_("evidence"), blank=True)
    evidence_file = models.FileField(
        _("evidence file"), upload_to=evidence_path, max_length=200, blank=True
    )
    evidence_type = models.CharField(_("evidence file type"), max_length=64, blank=True)
    result_url = models.URLField(_("link to the result"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("plan activity")
        verbose_name_plural = _("plan activities")
        ordering = ["position", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="activity_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.what[:80]


class Training(models.Model):
    """A training session, held for a school's staff or for a zone (principals of a zone)."""

    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("organised for"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    topic = models.CharField(_("topic"), max_length=300)
    held_on = models.DateField(_("date"))
    trainer = models.CharField(_("trainer"), max_length=200)
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on", "pk"]

    def __str__(self) -> str:
        return self.topic


class StaffNumber(models.Model):
    """How many staff members a school declares for a school year: the denominator of "staff
    trained". Haven accounts are only some of a school's staff (many never sign in), so they
    stand in only while no number is declared, and the overview says so."""

    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("school year"))
    staff = models.PositiveIntegerField(_("staff members"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("declared staff number")
        verbose_name_plural = _("declared staff numbers")
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="staff_number_once_per_year"),
            models.CheckConstraint(condition=Q(staff__gte=1), name="staff_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} · {self.year}: {self.staff}"


class TrainingAttendance(models.Model):
    training = models.ForeignKey(
        Training, verbose_name=_("training"), on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="training_attendance",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [
            models.UniqueConstraint(fields=["training", "user"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.training}"


class PledgeMethod(models.TextChoices):
    ONLINE = "online", _("signed in Haven")
    PAPER = "paper", _("signed on paper")


class Pledge(models.Model):
    """A staff member's yearly pledge of non-violence: the exact text version they accepted."""

    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="pledges"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    year = models.PositiveSmallIntegerField(_("school year"))
    text_code = models.CharField(_("pledge text"), max_length=32)
    text_version = models.PositiveSmallIntegerField(_("text version"))
    text_language = models.CharField(_("language"), max_length=10)
    text = models.TextField(_("text accepted"))
    method = models.CharField(_("how"), max_length=8, choices=PledgeMethod.choices)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["school", "user", "year"], name="pledge_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.year}"


class ClassCommitment(models.Model):
    """The family-school commitment of one class for one school year."""

    class_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("class"),
        on_delete=models.PROTECT,
        related_name="class_commitments",
    )
    year = models.PositiveSmallIntegerField(_("school year"))
    signed_on = models.DateField(_("signed on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("family-school commitment")
        verbose_name_plural = _("family-school commitments")
        constraints = [
            models.UniqueConstraint(fields=["class_unit", "year"], name="class_commitment_once")
        ]

    def __str__(self) -> str:
        return f"{self.class_unit} {self.year}"


class SchoolCommitment(models.Model):
    """The school's yearly commitment to the level above (a safe school without violence)."""

    school = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="school_commitments",
    )
    year = models.PositiveSmallIntegerField(_("school year"))
    submitted_on = models.DateField(_("submitted on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("school commitment")
        verbose_name_plural = _("school commitments")
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="school_commitment_once")
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.year}"


class MeetingKind(models.TextChoices):
    PARENTS = "parents", _("parent meeting")
    PUPILS = "pupils", _("pupil education session")


class Meeting(models.Model):
    school = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="prevention_meetings",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MeetingKind.choices)
    held_on = models.DateField(_("date"))
    classes = models.ManyToManyField(
        "orgs.OrgUnit", verbose_name=_("classes"), related_name="prevention_meetings_held"
    )
    topic = models.CharField(_("topic"), max_length=300)
    attendance = models.PositiveIntegerField(_("people present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting or session")
        verbose_name_plural = _("meetings and sessions")
        ordering = ["-held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"


class ChannelKind(models.TextChoices):
    HOTLINE = "hotline", _("hotline number")
    LETTER_BOX = "letter_box", _("letter box")
    CHAT_BOT = "chat_bot", _("chat bot")
    OTHER = "other", _("other channel")


class ChannelPublication(models.Model):
    """A report channel made known to a class (or to the whole school) besides its poster."""

    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("school or class"),
        on_delete=models.PROTECT,
        related_name="channel_publications",
    )
    kind = models.CharField(_("channel"), max_length=16, choices=ChannelKind.choices)
    detail = models.CharField(_("details"), max_length=200, blank=True)
    published_on = models.DateField(_("made known on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("channel made known")
        verbose_name_plural = _("channels made known")
        ordering = ["-published_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.unit}"
