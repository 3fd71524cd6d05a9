"""The organisation tree, jurisdictions, people and their roles.

Every role is granted on one org unit and reaches that unit's whole subtree. Subtrees are
found with one indexed range query on ``OrgUnit.path`` (a materialised path), never by
walking the tree in Python: dashboards roll up over tens of thousands of schools.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.lib.i18n import pick

# Each path segment is the unit's primary key, zero-padded to this many digits, so that
# byte order, SQLite's BINARY and PostgreSQL's locale collations all sort paths the same way
# and a subtree is one contiguous range of an ordinary B-tree index.
PATH_SEGMENT = 10


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Jurisdiction(models.Model):
    """A legal system a school belongs to: its procedure, numbers, languages and calendar."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    names = models.JSONField(
        _("names"), default=dict, help_text=_("The name in each language, keyed by language code.")
    )
    languages = models.JSONField(
        _("languages"), default=list, help_text=_("Language codes used in this jurisdiction.")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    first_response_hours = models.PositiveSmallIntegerField(
        _("first response within (hours)"),
        default=24,
        help_text=_("How soon a new report must get its first response from the school."),
    )
    acknowledge_minutes = models.PositiveSmallIntegerField(
        _("urgent report acknowledged within (minutes)"),
        default=30,
        help_text=_(
            "How soon someone must take on an urgent report before the level above is told."
        ),
    )
    procedure_code = models.CharField(
        _("case procedure"),
        max_length=16,
        default="GEN",
        help_text=_("The procedure file cases follow here (haven/procedures/data/<code>.yaml)."),
    )
    deadline_overrides = models.JSONField(
        _("deadline overrides"),
        default=dict,
        blank=True,
        help_text=_(
            'Deadlines changed from the procedure\'s defaults, e.g. {"plan_agreed": '
            '{"school_days": 3}}. Cases keep the deadlines they started with.'
        ),
    )
    weekend_days = models.JSONField(
        _("weekend days"), default=list, help_text=_("Days without school: 0 is Monday, 6 Sunday.")
    )
    school_day_start = models.TimeField(_("school day starts"), default=datetime.time(8, 0))
    school_day_end = models.TimeField(_("school day ends"), default=datetime.time(16, 0))
    phone_numbers = models.JSONField(
        _("emergency and help numbers"),
        default=list,
        help_text=_(
            'A list of {"kind": "emergency|police|ambulance|child_helpline|hotline", '
            '"number": "112", "label": {"en": "..."}}.'
        ),
    )

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code

    @property
    def name(self) -> str:
        return pick(self.names)


class Holiday(models.Model):
    """A day without school that a jurisdiction's administrator adds over its calendar file
    (``haven/orgs/data/calendars``), e.g. a public holiday declared at short notice."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.CASCADE,
        related_name="holidays",
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "date"], name="holiday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


def subtree_condition(paths: list[str], prefix: str = "") -> Q:
    """A condition on ``<prefix>path`` that holds inside the subtrees of ``paths`` (one index
    range each); never true when ``paths`` is empty."""
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for path in collapse_paths(paths):
        condition |= Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path_upper_bound(path)})
    return condition


class OrgUnitQuerySet(models.QuerySet["OrgUnit"]):
    def subtree_of(self, *units: "OrgUnit | str") -> "OrgUnitQuerySet":
        """Units inside the subtrees of ``units`` (each given as a unit or its path)."""
        paths = [unit if isinstance(unit, str) else unit.path for unit in units]
        if not paths:
            return self.none()
        return self.filter(subtree_condition(paths))


def collapse_paths(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another path of the list (their range is already covered)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def path_depth(path: str) -> int:
    """The depth (``OrgUnit.depth``) of the unit whose path is ``path``: 0 for a root."""
    return len(path) // PATH_SEGMENT - 1


def path_upper_bound(path: str) -> str:
    """The smallest path after every descendant of ``path`` (paths are digits only)."""
    return str(int(path) + 1).zfill(len(path))


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        COUNTRY = "country", _("country")
        REGION = "region", _("region")
        COUNTY = "county", _("county")
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        ZONE = "zone", _("zone")
        BOARD = "board", _("school board")
        SCHOOL = "school", _("school")
        CLASS = "class", _("class")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(
        _("code"),
        max_length=32,
        help_text=_("Short code, unique among the unit's siblings (and among all schools)."),
    )
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    calendar_region = models.CharField(
        _("holiday region"),
        max_length=32,
        blank=True,
        help_text=_(
            "Where the jurisdiction's school holidays differ by region: this unit's region "
            "(units below it inherit it). Empty: the region above, else the default one."
        ),
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "code"], name="orgunit_code_unique_in_parent"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(parent__isnull=True), name="orgunit_root_code_unique"
            ),
            # Schools are addressed by code in public report links, read in any case (a
            # hand-typed address): unique in any case, and this index serves that lookup.
            models.UniqueConstraint(
                Upper("code"),
                condition=Q(kind="school"),
                name="orgunit_school_code_unique_ci",
                violation_error_message=_("Another school already has this code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestor_paths(self) -> list[str]:
        """Paths of this unit and all its ancestors, root first."""
        return [self.path[:end] for end in range(PATH_SEGMENT, len(self.path) + 1, PATH_SEGMENT)]

    def ancestors(self) -> "OrgUnitQuerySet":
        """This unit's ancestors, root first (one query), itself excluded."""
        return OrgUnit.objects.filter(path__in=self.ancestor_paths()[:-1]).order_by("path")

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    STAFF = "staff", _("staff member")
    COORDINATOR = "coordinator", _("safety coordinator")
    PSYCHOLOGIST = "psychologist", _("psychologist")
    PRINCIPAL = "principal", _("principal")
    INSPECTOR = "inspector", _("inspector")
    AGENCY = "agency", _("partner agency")
    ADMIN = "admin", _("administrator")


# Who answers a school's reports when its on-call rota names nobody for the moment: without
# one of them active, a school's reports go to the level above (notify.recipients.responders).
SCHOOL_RESPONDER_ROLES = (Role.COORDINATOR, Role.PRINCIPAL)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        # E-mail addresses are matched without regard to case.
        return self.get(email__iexact=username or "")

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_staff", True)
        return self.create_user(email, password, **extra)


def normalize_email(email: str) -> str:
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(
        _("preferred language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("platform operator"),
        default=False,
        help_text=_("Operators of the whole installation; school administrators do not need it."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Membership(models.Model):
    """One role of one user on one org unit, reaching everything below that unit."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("granted at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["unit__path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class Pupil(models.Model):
    """A pupil on a class roster: only what cases need to name a party (no address, no
    birth date)."""

    class_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("class"),
        on_delete=models.PROTECT,
        related_name="pupils",
        limit_choices_to={"kind": "class"},
    )
    school = models.ForeignKey(
        OrgUnit, verbose_name=_("school"), on_delete=models.PROTECT, related_name="school_pupils"
    )
    external_id = models.CharField(
        _("school's pupil number"),
        max_length=40,
        help_text=_("The number the school's own register uses; imports match on it."),
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    active = models.BooleanField(_("on the roster"), default=True)

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "external_id"], name="pupil_unique_number")
        ]

    def __str__(self) -> str:
        if not _family_name_first(self.school_id):
            return f"{self.given_name} {self.family_name}"
        # Chinese names run together (张子涵); Vietnamese ones keep their spaces (Nguyễn Văn An).
        han = all(_is_han(part) for part in (self.family_name, self.given_name))
        return f"{self.family_name}{'' if han else ' '}{self.given_name}"


# Languages whose names are written family name first, by the school's jurisdiction's first
# language (a name's order follows where the pupil is registered, not the reader's language).
FAMILY_NAME_FIRST = {"zh-hans", "zh-hant", "zh", "vi", "ja", "ko"}


def _family_name_first(school_id: int) -> bool:
    from haven.lib.ttlcache import cached

    def compute() -> bool:
        languages = (
            OrgUnit.objects.filter(pk=school_id)
            .values_list("jurisdiction__languages", flat=True)
            .first()
        ) or []
        return bool(languages) and str(languages[0]).lower() in FAMILY_NAME_FIRST

    return bool(cached(("family_name_first", school_id), 300, compute))


def _is_han(text: str) -> bool:
    return bool(text) and all(
        "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text
    )


class OnCall(models.Model):
    """Who answers urgent reports for a unit on some days and hours (the unit's rota).

    Where no entry covers the moment, a school's coordinators and principal answer, then the
    inspectors above (``notify.recipients.responders``). Hours are the jurisdiction's local
    time; an end before the start runs past midnight (22:00-06:00).
    """

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="on_call"
    )
    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="on_call"
    )
    weekdays = models.JSONField(
        _("days"), default=list, help_text=_("Days on call: 0 is Monday, 6 Sunday.")
    )
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("on-call duty")
        verbose_name_plural = _("on-call rota")
        ordering = ["unit__path", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit}"

    def covers(self, local: datetime.datetime) -> bool:
        """Whether ``local`` (in the jurisdiction's time zone) falls in this duty; a duty past
        midnight belongs to the day it starts."""
        time, day = local.time(), local.weekday()
        if self.start_time <= self.end_time:
            return day in self.weekdays and self.start_time <= time < self.end_time
        if time >= self.start_time:
            return day in self.weekdays
        return (day - 1) % 7 in self.weekdays and time < self.end_time
