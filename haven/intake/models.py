"""Reports that come in through any channel, their messages, files and timeline.

A report is what someone told the school; a case (cases app) is what the school does about
it. Nothing here stores who an anonymous reporter is: no address, no browser, no account.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haven.security.fields import EncryptedFileField, EncryptedTextField


class Channel(models.TextChoices):
    WEB = "web", _("web form")
    API = "api", _("app or partner service")
    CHAT_BOT = "chat_bot", _("chat bot")
    HOTLINE = "hotline", _("hotline call")
    LETTER_BOX = "letter_box", _("letter box")
    IN_PERSON = "in_person", _("in person")
    EMAIL = "email", _("e-mail")
    ONLINE_SIGNAL = "online_signal", _("online signal (social media)")
    OBSERVATION = "observation", _("staff observation")


# Channels a staff member records by hand; the others arrive by themselves.
STAFF_CHANNELS = [
    Channel.HOTLINE,
    Channel.LETTER_BOX,
    Channel.IN_PERSON,
    Channel.EMAIL,
    Channel.CHAT_BOT,
    Channel.ONLINE_SIGNAL,
    Channel.OBSERVATION,
]


class Harm(models.TextChoices):
    PHYSICAL = "physical", _("hitting, kicking, pushing")
    VERBAL = "verbal", _("name-calling, insults, mocking")
    EXCLUSION = "exclusion", _("leaving out, ignoring, rumours")
    CYBER = "cyber", _("online: messages, photos, posts")
    SEXUAL = "sexual", _("unwanted sexual words or touching")
    BELONGINGS = "belongings", _("taking or damaging belongings")
    THREATS = "threats", _("threats or forcing someone")
    DISCRIMINATION = (
        "discrimination",
        _("because of who someone is (origin, religion, disability…)"),
    )
    ADULT = "adult", _("violence by an adult at school")
    ABUSE_OUTSIDE = "abuse_outside", _("worry about harm at home or outside school")
    WEAPONS = "weapons", _("a knife, a gun or another weapon")
    SELF_HARM = "self_harm", _("worry that someone may hurt themselves")
    OTHER = "other", pgettext_lazy("harm", "something else")


class TimeOfDay(models.TextChoices):
    """When in the school day: the same six a survey asks pupils (surveys/hotspots.py), so a
    school sees reports and answers side by side."""

    BEFORE_SCHOOL = "before_school", _("before school")
    LESSONS = "lessons", _("during lessons")
    BREAKS = "breaks", _("at break")
    LUNCH = "lunch", _("at lunch")
    AFTER_SCHOOL = "after_school", _("after school")
    ONLINE = "online", _("online")


class Affected(models.TextChoices):
    ME = "me", _("me")
    SOMEONE_ELSE = "someone_else", _("someone else")


class ReporterRole(models.TextChoices):
    PUPIL = "pupil", _("a pupil")
    PARENT = "parent", _("a parent or carer")
    STAFF = "staff", _("school staff")
    OTHER = "other", pgettext_lazy("reporter", "someone else")


class Status(models.TextChoices):
    NEW = "new", _("new")
    IN_TRIAGE = "in_triage", _("being looked at")
    NEEDS_INFO = "needs_info", _("waiting for the reporter")
    CASE_OPENED = "case_opened", _("case opened")
    MERGED = "merged", _("merged into another report")
    DISMISSED = "dismissed", _("dismissed")


class PublicStatus(models.TextChoices):
    """All an anonymous reporter is told: never the school's private details."""

    RECEIVED = "received", _("received")
    HANDLING = "handling", _("being handled")
    CLOSED = "closed", _("closed")


class Report(models.Model):
    # No index of its own: the inbox's and the rate limit's indexes start with it.
    school = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="reports",
        db_index=False,
    )
    class_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="class_reports",
        db_index=False,  # partial index in Meta
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # Read by school (the inbox's index), never alone.
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    # What the reporter is told (never the school's own status): kept by intake's services,
    # told by cases of a case's state (its procedure's reporter_sees), so reads do not ask cases.
    public_status = models.CharField(
        _("status shown to the reporter"),
        max_length=16,
        choices=PublicStatus.choices,
        default=PublicStatus.RECEIVED,
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    description = EncryptedTextField(_("what happened"))
    when_text = models.CharField(_("when"), max_length=200, blank=True)
    place = models.CharField(_("where"), max_length=40, blank=True)
    time_of_day = models.CharField(
        _("time of day"), max_length=16, choices=TimeOfDay.choices, blank=True
    )
    harms = models.JSONField(_("kinds of harm"), default=list)
    affected = models.CharField(_("who is affected"), max_length=16, choices=Affected.choices)
    reporter_role = models.CharField(
        _("who is reporting"), max_length=16, choices=ReporterRole.choices
    )
    contact = EncryptedTextField(_("contact given by the reporter"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10)
    receipt_lookup = models.CharField(_("receipt id"), max_length=8)  # unique: Meta
    receipt_hash = models.CharField(_("receipt check"), max_length=64)
    # Unique (Meta); NULL where the sender gave no token, as empty texts would collide.
    submission_key = models.CharField(  # noqa: DJ001
        _("submission key"), max_length=64, null=True, blank=True
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial index in Meta
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    first_response_due = models.DateTimeField(_("first response due"))
    first_responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_reports",
        db_index=False,  # partial index in Meta
    )
    dismiss_reason = models.TextField(_("reason for dismissal"), blank=True)
    # The reporter wrote and no staff member who may read the report has opened it since:
    # set by the reporter's message, cleared when such a person opens the report or its case.
    unread_since = models.DateTimeField(_("unread message since"), null=True, blank=True)
    # What the reporter is told when the case closes: the closing message the case lead chose
    # from the procedure ({"names": {language: text}, "note": free text}). Kept here, like
    # public_status, so the follow-up page does not ask cases (a layer above).
    outcome = models.JSONField(_("outcome told to the reporter"), default=dict, blank=True)
    # The coordinators' e-mail about this report is still to be sent: set in the transaction
    # that stores the report (a durable outbox), cleared by the task that sends it.
    notify_pending = models.BooleanField(_("coordinators not yet told"), default=False)
    # The urgent path: who took the report on ("I have it"); until then, how many levels of
    # responders were told and when the next is due (the jurisdiction's acknowledgement time
    # after the last; empty once no level above is left).
    acknowledged_at = models.DateTimeField(_("taken on at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken on by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # read only with its report
    )
    urgent_levels_told = models.PositiveSmallIntegerField(_("levels told"), default=0)
    urgent_next_at = models.DateTimeField(_("next level told at"), null=True, blank=True)
    # The highest level above the school told of this report (its depth in the tree), by the
    # urgent path, an overdue first response or a school without responders: the inspectors
    # from the school up to that level may open it (need-to-know); empty while only the
    # school was told.
    raised_depth = models.PositiveSmallIntegerField(_("raised to level"), null=True, blank=True)
    # The level above was told that the first response is overdue (once).
    overdue_told_at = models.DateTimeField(_("overdue reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["school", "status", "created_at"], name="report_inbox_idx"),
            # Rate limits count a school's recent reports.
            models.Index(fields=["school", "created_at"], name="report_recent_idx"),
            # ... and the overall limit finds the first report of the last minute.
            models.Index(fields=["created_at"], name="report_created_idx"),
            # The notifier reads only the few reports still waiting for their e-mail.
            models.Index(
                fields=["created_at"],
                condition=models.Q(notify_pending=True),
                name="report_notify_pending_idx",
            ),
            # The clock reads only urgent reports nobody has taken on yet...
            models.Index(
                fields=["urgent_next_at"],
                condition=models.Q(urgent_next_at__isnull=False),
                name="report_unacknowledged_idx",
            ),
            # ... and reports still waiting for a first response not yet reported above.
            models.Index(
                fields=["first_response_due"],
                condition=models.Q(first_responded_at__isnull=True, overdue_told_at__isnull=True),
                name="report_response_due_idx",
            ),
            # Keys to rows most reports leave empty, indexed only where set: an anonymous
            # report (no class, no staff member, not merged) writes none of these.
            *(
                models.Index(
                    fields=[name],
                    condition=models.Q(**{f"{name}__isnull": False}),
                    name=f"report_{name}_idx",
                )
                for name in ("class_unit", "entered_by", "merged_into")
            ),
        ]
        # As constraints, not unique=True: that adds a second index for LIKE queries on
        # PostgreSQL, which nothing runs, and every report paid for it.
        constraints = [
            models.UniqueConstraint(fields=["receipt_lookup"], name="report_receipt_lookup_unique"),
            models.UniqueConstraint(fields=["submission_key"], name="report_submission_key_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.school.name}"

    def submitted_event(self) -> "ReportEvent":
        """The timeline's first entry, made from this row (not stored: one write less for
        every public report, and the row already holds when, how and by whom)."""
        return ReportEvent(
            pk=0,  # before any stored entry of the same moment
            report=self,
            kind=EventKind.SUBMITTED,
            actor=self.entered_by,
            created_at=self.created_at,
            details={"channel": self.channel},
        )

    def is_overdue(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.first_responded_at is None and self.first_response_due < now  # type: ignore[operator]


class SchoolPlace(models.Model):
    """A place a school adds to the default list (the new wing, the sports hall...)."""

    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("school"), on_delete=models.CASCADE, related_name="places"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=100)

    class Meta:
        verbose_name = _("place at a school")
        verbose_name_plural = _("places at schools")
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="place_unique")]

    def __str__(self) -> str:
        return self.label


class Sender(models.TextChoices):
    REPORTER = "reporter", _("reporter")
    STAFF = "staff", _("school")


class ReportMessage(models.Model):
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField(_("from"), max_length=16, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = EncryptedTextField(_("message"), unit="report.school_id")
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_sender_display()} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "ReportAttachment", filename: str) -> str:
    # A random name: the reporter's own file name may say who they are.
    return f"reports/{instance.report.school_id}/{filename}"


class ReportAttachment(models.Model):
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="attachments"
    )
    # Default storage, which no URL serves: files go out only through the access-checked view.
    file = EncryptedFileField(
        _("file"), upload_to=attachment_path, max_length=200, unit="report.school_id"
    )
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("checksum"), max_length=64)
    from_reporter = models.BooleanField(_("sent by the reporter"), default=True)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.content_type} {self.size}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("report received")
    URGENT = "urgent", _("marked urgent")
    NOT_URGENT = "not_urgent", _("urgency removed")
    INFO_REQUESTED = "info_requested", _("more information asked")
    STAFF_MESSAGE = "staff_message", _("reply sent")
    REPORTER_MESSAGE = "reporter_message", _("reporter wrote")
    FILE_ADDED = "file_added", _("file added")
    MERGED = "merged", _("merged")
    DISMISSED = "dismissed", _("dismissed")
    CASE_OPENED = "case_opened", _("case opened")
    ACKNOWLEDGED = "acknowledged", _("taken on (I have it)")
    ESCALATED = "escalated", _("told the level above")


class ReportEvent(models.Model):
    """One line of the report's timeline (the audit log holds the same, for oversight)."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=24, choices=EventKind.choices)
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
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class PosterPrint(models.Model):
    """One poster produced for a school or a class: how far the report channel is published."""

    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("school or class"),
        on_delete=models.CASCADE,
        related_name="poster_prints",
    )
    # The poster's language codes, comma-separated when it carries several ("nl,en").
    language = models.CharField(_("languages"), max_length=64)
    produced_at = models.DateTimeField(_("produced at"), default=timezone.now, db_index=True)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("produced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("poster print")
        verbose_name_plural = _("poster prints")
        ordering = ["-produced_at", "pk"]

    def __str__(self) -> str:
        return f"{self.unit} {self.produced_at:%Y-%m-%d}"


# The Telegram channel's models live beside its code; imported here so they are intake's.
from haven.intake.telegram import models as telegram_models  # noqa: E402, F401
