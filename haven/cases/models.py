"""Cases: what a school does about what happened, step by step along its procedure.

The procedure (a data file, see haven.procedures) says which states exist, who may move a case
between them and what each move requires; the case keeps the procedure version it started
under, so a change of the law does not rewrite cases already running.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.security.fields import EncryptedFileField, EncryptedTextField


class Case(models.Model):
    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.PROTECT, related_name="cases"
    )
    procedure_code = models.CharField(_("procedure"), max_length=16)
    procedure_version = models.PositiveIntegerField(_("procedure version"))
    state = models.CharField(_("state"), max_length=40, db_index=True)
    title = models.CharField(_("short title"), max_length=200)
    narrative = EncryptedTextField(_("what happened"), blank=True)
    case_type = models.CharField(_("case type"), max_length=40, blank=True)
    severity = models.CharField(_("severity"), max_length=40, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    determination = models.CharField(_("determination"), max_length=40, blank=True)
    determination_reason = EncryptedTextField(_("reasons for the determination"), blank=True)
    reports = models.ManyToManyField(
        "intake.Report", verbose_name=_("reports"), related_name="cases", blank=True
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set when a deadline was missed: the inspectors above see the case from then on.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["school", "closed_at", "opened_at"], name="case_inbox_idx"),
            # The few escalated cases of each school: an inspector's lists start from these
            # instead of reading every case of their county.
            models.Index(
                fields=["school", "closed_at"],
                name="case_escalated_idx",
                condition=Q(escalated_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class TeamRole(models.TextChoices):
    LEAD = "lead", _("case lead")
    MEMBER = "member", _("team member")
    INFORMED = "informed", _("kept informed")


class CaseMember(models.Model):
    """The case team: who needs to know, chosen by the coordinator."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="case_memberships",
    )
    role = models.CharField(_("role in the case"), max_length=16, choices=TeamRole.choices)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("case team member")
        verbose_name_plural = _("case team")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class PartyRole(models.TextChoices):
    VICTIM = "victim", _("harmed")
    AGGRESSOR = "aggressor", _("alleged aggressor")
    WITNESS = "witness", _("witness")
    REPORTER = "reporter", _("reporter")


class CaseParty(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    pupil = models.ForeignKey(
        "orgs.Pupil",
        verbose_name=_("pupil"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_parties",
    )
    description = EncryptedTextField(
        _("who"),
        max_length=200,
        help_text=_("A name or a description, as the case needs."),
        unit="case.school_id",
    )
    is_staff = models.BooleanField(_("a member of staff"), default=False)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.description}"


EVENT_LABELS = {
    "opened": _("case opened"),
    "updated": _("facts changed"),
    "transition": _("step taken"),
    "notification": _("notification recorded"),
    "party": _("party added"),
    "team": _("case team changed"),
    "note": _("note added"),
    "referral": _("referral sent"),
    "referral_answer": _("referral answered"),
    "escalated": _("deadline missed: escalated"),
    "deadline_dropped": _("deadline no longer applies"),
    "appeal": _("appeal made"),
    "appeal_decided": _("appeal decided"),
    "appeal_extended": _("appeal's deadline extended"),
    "appeal_judgment": _("committee's judgment recorded"),
    "measure": _("measure planned"),
    "measure_done": _("measure done"),
    "file": _("file added"),
}


class CaseEvent(models.Model):
    """One line of the case's timeline."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


class CaseTimer(models.Model):
    """A deadline running on the procedure's clock, reminded and escalated exactly once."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="timers"
    )
    code = models.CharField(_("deadline"), max_length=40)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    remind_at = models.DateTimeField(_("reminder at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("met at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="timer_unique")]
        # The clock reads only what is due: partial indexes over running timers.
        indexes = [
            models.Index(
                fields=["remind_at"],
                name="timer_remind_due_idx",
                condition=Q(stopped_at__isnull=True, reminded_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="timer_escalate_due_idx",
                condition=Q(stopped_at__isnull=True, escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def overdue(self) -> bool:
        return self.stopped_at is None and self.due_at < timezone.now()


class CaseNotification(models.Model):
    """A notification the procedure requires, recorded with its proof of delivery."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        PHONE = "phone", _("phone call")
        LETTER = "letter", _("letter")
        EMAIL = "email", _("e-mail")
        OFFICIAL = "official", _("official address or platform")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notifications"
    )
    code = models.CharField(_("notification"), max_length=40)
    recipient = models.CharField(_("to whom"), max_length=200)
    method = models.CharField(_("how"), max_length=16, choices=Method.choices)
    notified_at = models.DateTimeField(_("when"))
    proof = models.CharField(
        _("proof of delivery"),
        max_length=300,
        help_text=_("For example: signed copy kept, registration number, e-mail receipt."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["notified_at"]

    def __str__(self) -> str:
        return f"{self.code} → {self.recipient}"


class Referral(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        DONE = "done", _("done")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="referrals"
    )
    kind = models.CharField(_("kind"), max_length=40)
    agency = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text=_("The unit whose partner-agency members receive the referral."),
    )
    message = EncryptedTextField(_("what the agency needs to know"), unit="case.school_id")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SENT
    )
    answer = EncryptedTextField(_("answer"), blank=True, unit="case.school_id")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
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
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.agency}"


class CaseNote(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = EncryptedTextField(_("note"), unit="case.school_id")
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Only the author and the principal can read a restricted note."),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} {self.created_at:%Y-%m-%d}"


class Appeal(models.Model):
    """A family's appeal of the determination, decided by the reviewer the procedure names."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("waiting for the decision")
        UPHELD = "upheld", _("determination upheld")
        CHANGED = "changed", _("determination changed")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="appeals"
    )
    filed_by = models.CharField(
        _("appeal made by"), max_length=200, help_text=_("For example: the parents of the pupil.")
    )
    grounds = EncryptedTextField(_("grounds of the appeal"), unit="case.school_id")
    filed_at = models.DateTimeField(_("appeal made on"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField(_("decision due"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    decision = EncryptedTextField(_("decision and reasons"), blank=True, unit="case.school_id")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_outcome_display()}"


class CaseMeasure(models.Model):
    """What is done for or about a party: who is responsible, by when, and whether it was done."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="measures"
    )
    party = models.ForeignKey(
        CaseParty,
        verbose_name=_("for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    what = models.CharField(_("measure"), max_length=300)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.what


def case_file_path(instance: "CaseAttachment", filename: str) -> str:
    return f"cases/{instance.case.school_id}/{filename}"


class CaseAttachment(models.Model):
    """Evidence kept with the case: checked by content, image metadata removed, served only
    through the access-checked view."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = EncryptedFileField(
        _("file"), upload_to=case_file_path, max_length=200, unit="case.school_id"
    )
    description = EncryptedTextField(_("description"), max_length=200, unit="case.school_id")
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("checksum"), max_length=64)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return str(self.description)
