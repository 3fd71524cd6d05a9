"""Care registers: pupils of concern, conflict screening rounds, committee meetings.

The register of pupils of concern is need-to-know (see ``haven.care.access.concern_condition``): an
entry's text representation never names the pupil, so audit lines and admin lists do not
either.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.security.fields import EncryptedTextField

__all__ = [
    "CommitteeDecision",
    "CommitteeMeeting",
    "ConcernEntry",
    "ConcernFollowUp",
    "ItemStatus",
    "MentorKind",
    "ScreeningAnswer",
    "ScreeningItem",
    "ScreeningRound",
]


class MentorKind(models.TextChoices):
    TEACHER = "teacher", _("teacher")
    POLICE = "police", _("police officer")
    COMMUNITY = "community", _("community member")
    OTHER = "other", _("other")


class ConcernEntry(models.Model):
    """A pupil who needs attention, with the adults responsible and a review date."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    pupil = models.ForeignKey(
        "orgs.Pupil",
        verbose_name=_("pupil"),
        on_delete=models.PROTECT,
        related_name="concern_entries",
    )
    reasons = models.JSONField(
        _("reasons"), default=list, help_text=_("Codes from the list of reasons.")
    )
    reason_note = EncryptedTextField(_("more about the reasons"), max_length=300, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible adult"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    mentor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentor (a user)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mentor_kind = models.CharField(
        _("mentor is a"), max_length=16, choices=MentorKind.choices, blank=True
    )
    mentor_name = models.CharField(_("mentor's name"), max_length=200, blank=True)
    mentor_role = models.CharField(_("mentor's role"), max_length=200, blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_reason = EncryptedTextField(_("why it was closed"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("registered at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("pupil of concern")
        verbose_name_plural = _("pupils of concern")
        ordering = ["review_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(status="open"), name="concern_one_open_per_pupil"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(closed_reason=""),
                name="concern_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(mentor_user__isnull=True) | Q(mentor_name=""),
                name="concern_one_kind_of_mentor",
            ),
        ]
        indexes = [models.Index(fields=["school", "status", "review_on"], name="concern_idx")]

    def __str__(self) -> str:
        # Never the pupil's name: this text goes into the audit log.
        return f"concern #{self.pk}"

    @property
    def mentor_label(self) -> str:
        if self.mentor_user_id:
            return str(self.mentor_user)
        return ", ".join(part for part in (self.mentor_name, self.mentor_role) if part)


class ConcernFollowUp(models.Model):
    entry = models.ForeignKey(
        ConcernEntry,
        verbose_name=_("pupil of concern"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("note"), unit="entry.school_id")
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"follow-up #{self.pk}"


class ScreeningRound(models.Model):
    """A round of conflict screening over some or all classes of a school."""

    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("screening round")
        verbose_name_plural = _("screening rounds")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="screening_round_dates"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ScreeningAnswer(models.Model):
    """One class in a round: who answers for it, and whether it has answered."""

    round = models.ForeignKey(
        ScreeningRound,
        verbose_name=_("screening round"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    class_unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible teacher"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    none_found = models.BooleanField(_("nothing found"), default=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("class in a screening round")
        verbose_name_plural = _("classes in screening rounds")
        ordering = ["class_unit__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "class_unit"], name="screening_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.class_unit}"


class ItemStatus(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved")
    CASE = "case", _("turned into a case")


class ScreeningItem(models.Model):
    """A conflict or risk found in a class, with who deals with it and by when."""

    answer = models.ForeignKey(
        ScreeningAnswer,
        verbose_name=_("class in a screening round"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    description = EncryptedTextField(
        _("what was found"),
        help_text=_("Describe the situation without naming pupils."),
        unit="answer.round.school_id",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    measures = EncryptedTextField(_("measures"), unit="answer.round.school_id")
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    resolution = EncryptedTextField(
        _("how it was resolved"), blank=True, unit="answer.round.school_id"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("screening finding")
        verbose_name_plural = _("screening findings")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="case") | Q(case__isnull=False),
                name="screening_item_case_linked",
            )
        ]

    def __str__(self) -> str:
        return f"finding #{self.pk}"

    @property
    def overdue(self) -> bool:
        return self.status == ItemStatus.OPEN and self.due_on < timezone.localdate()


class CommitteeMeeting(models.Model):
    """A meeting of the school's prevention council or bullying governance committee."""

    class Body(models.TextChoices):
        PREVENTION_COUNCIL = "council", _("prevention council")
        GOVERNANCE_COMMITTEE = "committee", _("bullying governance committee")
        ACTION_GROUP = "action_group", _("anti-bullying action group")

    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.CharField(_("body"), max_length=16, choices=Body.choices)
    held_on = models.DateField(_("date"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members present"), related_name="+", blank=True
    )
    external_members = models.JSONField(
        _("others present"), default=list, blank=True, help_text=_("Names and roles.")
    )
    concerns = models.ManyToManyField(
        ConcernEntry, verbose_name=_("pupils of concern discussed"), related_name="+", blank=True
    )
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("cases discussed"), related_name="+", blank=True
    )
    minutes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_body_display()} {self.held_on}"


class CommitteeDecision(models.Model):
    meeting = models.ForeignKey(
        CommitteeMeeting,
        verbose_name=_("committee meeting"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    text = models.TextField(_("decision"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"decision #{self.pk}"

    @property
    def overdue(self) -> bool:
        if self.done_at is not None or self.due_on is None:
            return False
        return self.due_on < timezone.localdate()
