"""Writes to the organisation tree, accounts and memberships.

Each function is one transaction that checks access, changes the data and appends its
audit event. ``actor=None`` means the system itself (management commands, demo data).
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.lib import i18n
from haven.lib.errors import AccessDenied, InvalidInput
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.calendar import calendar_data
from haven.orgs.models import (
    PATH_SEGMENT,
    Jurisdiction,
    Membership,
    OnCall,
    OrgUnit,
    User,
    normalize_email,
)


def _require(actor: User | None, perm: str, unit: OrgUnit | None) -> None:
    if actor is None:
        return
    if unit is None:
        if not access.is_operator(actor):
            raise AccessDenied()
        return
    access.require(actor, perm, unit)


def orgunit_create(
    *,
    actor: User | None,
    parent: OrgUnit | None,
    kind: str,
    code: str,
    name: str,
    jurisdiction: Jurisdiction | None = None,
    calendar_region: str = "",
) -> OrgUnit:
    """Add a unit under ``parent`` (a root when None: operators only).

    The unit inherits its parent's jurisdiction unless one is given.
    """
    _require(actor, Perm.UNIT_MANAGE, parent)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise InvalidInput(_("A unit needs a code and a name."))
    if kind not in OrgUnit.Kind.values:
        raise InvalidInput(_("Unknown kind of unit."))
    jurisdiction = jurisdiction or (parent.jurisdiction if parent else None)
    if jurisdiction is None:
        raise InvalidInput(_("A unit at the top of the tree needs a jurisdiction."))
    calendar_region = calendar_region_clean(jurisdiction, calendar_region)
    try:
        with transaction.atomic():
            # The path holds the unit's own id, known only after the insert.
            unit = OrgUnit.objects.create(
                kind=kind,
                code=code,
                name=name,
                parent=parent,
                jurisdiction=jurisdiction,
                calendar_region=calendar_region,
                path=f"pending-{code}-{parent.pk if parent else 'root'}",
                depth=(parent.depth + 1) if parent else 0,
            )
            unit.path = (parent.path if parent else "") + str(unit.pk).zfill(PATH_SEGMENT)
            unit.save(update_fields=["path"])
            audit_record(
                actor=actor,
                action="orgunit.create",
                obj=unit,
                org_unit=unit,
                details={"kind": kind, "code": code, "name": name, "parent": parent and parent.pk},
            )
    except IntegrityError as exc:
        raise InvalidInput(_("Another unit here already uses this code.")) from exc
    return unit


def calendar_region_clean(jurisdiction: Jurisdiction, region: str) -> str:
    """``region`` if the jurisdiction's calendar has it (or it is empty)."""
    region = region.strip()
    if region and region not in calendar_data(jurisdiction.code).regions:
        raise InvalidInput(_("The jurisdiction's school calendar has no region of that name."))
    return region


def orgunit_update(
    *,
    actor: User | None,
    unit: OrgUnit,
    code: str,
    name: str,
    kind: str,
    calendar_region: str | None = None,
) -> OrgUnit:
    """Rename or recode a unit, or set its holiday region (None keeps it). Moving a unit to
    another parent is not offered yet."""
    _require(actor, Perm.UNIT_MANAGE, unit)
    if kind not in OrgUnit.Kind.values:
        raise InvalidInput(_("Unknown kind of unit."))
    region = unit.calendar_region if calendar_region is None else calendar_region
    before = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "calendar_region": unit.calendar_region,
    }
    after = {
        "code": code.strip(),
        "name": name.strip(),
        "kind": kind,
        "calendar_region": calendar_region_clean(unit.jurisdiction, region),
    }
    if not after["code"] or not after["name"]:
        raise InvalidInput(_("A unit needs a code and a name."))
    if before == after:
        return unit
    try:
        with transaction.atomic():
            OrgUnit.objects.filter(pk=unit.pk).update(**after)
            audit_record(
                actor=actor,
                action="orgunit.update",
                obj=unit,
                org_unit=unit,
                details={"before": before, "after": after},
            )
    except IntegrityError as exc:
        raise InvalidInput(_("Another unit here already uses this code.")) from exc
    unit.refresh_from_db()
    return unit


def user_create(
    *,
    actor: User | None,
    email: str,
    full_name: str,
    password: str | None = None,
    language: str = "",
) -> User:
    """Create an account. Without a password the user sets one through a reset e-mail."""
    email = normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(_("An account with this e-mail address already exists."))
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."))
    user = User(email=email, full_name=full_name.strip(), language=language)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages)) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action="user.create", obj=user, details={"email": email})
    return user


def user_invite(
    *,
    actor: User | None,
    email: str,
    full_name: str,
    language: str,
    unit: OrgUnit,
    role: str,
    base_url: str,
) -> User:
    """Create an account with its first role and e-mail a link to choose a password."""
    _require(actor, Perm.MEMBER_MANAGE, unit)
    with transaction.atomic():
        user = user_create(actor=actor, email=email, full_name=full_name, language=language)
        membership_grant(actor=actor, user=user, unit=unit, role=role)
        languages = list(unit.jurisdiction.languages or [])
        transaction.on_commit(
            lambda: invitation_send(user=user, base_url=base_url, languages=languages)
        )
    return user


def invitation_send(*, user: User, base_url: str, languages: Sequence[str] = ()) -> None:
    """Send the one-time link that lets a new user set a password (a reset link), in their
    language or else their unit's jurisdiction's (``languages``), as every notification."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(i18n.language_for(user.language, list(languages))):
        link = base_url.rstrip("/") + reverse(
            "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
        )
        context = {"user": user, "link": link}
        subject = render_to_string("registration/invitation_subject.txt", context).strip()
        body = render_to_string("registration/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])


def user_update(*, actor: User, user: User, changes: dict[str, Any]) -> User:
    """Change an account's name, language or active flag (as an administrator)."""
    allowed = {"email", "full_name", "language", "is_active"}
    if not access.is_operator(actor) and not any(
        access.can(actor, Perm.MEMBER_MANAGE, m.unit) for m in user.memberships.all()
    ):
        raise AccessDenied()
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here."))
    if "email" in changes:
        changes["email"] = normalize_email(changes["email"])
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(**changes)
        audit_record(
            actor=actor,
            action="user.update",
            obj=user,
            details={key: str(value) for key, value in changes.items()},
        )
    user.refresh_from_db()
    return user


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."))
    if user.language == language:
        return
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
        audit_record(actor=user, action="user.language", obj=user, details={"language": language})


def membership_grant(*, actor: User | None, user: User, unit: OrgUnit, role: str) -> Membership:
    """Give ``user`` ``role`` on ``unit`` (and so on everything below it). Idempotent."""
    _require(actor, Perm.MEMBER_MANAGE, unit)
    if role not in access.ROLE_PERMS:
        raise InvalidInput(_("Unknown role."))
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
        if created:
            audit_record(
                actor=actor,
                action="membership.grant",
                obj=membership,
                org_unit=unit,
                details={"user": user.email, "role": role},
            )
    access.forget(user)
    return membership


def membership_revoke(*, actor: User | None, membership: Membership) -> None:
    _require(actor, Perm.MEMBER_MANAGE, membership.unit)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="membership.revoke",
            obj=membership,
            org_unit=membership.unit,
            details={"user": membership.user.email, "role": membership.role},
        )
        membership.delete()
    access.forget(membership.user)


def auth_event_record(*, user: User, action: str) -> None:
    """Log-ins, log-outs and password changes; no client address is kept."""
    with transaction.atomic():
        audit_record(actor=user, action=action, obj=user)


def on_call_clean(duty: OnCall) -> list[int]:
    """The duty's days, sorted, or InvalidInput saying what is wrong with it."""
    if not (
        access.can(duty.user, Perm.REPORT_VIEW, duty.unit)
        or access.can(duty.user, Perm.REPORT_RAISED, duty.unit)
    ):
        raise InvalidInput(_("This person cannot open the reports of this unit."))
    days = sorted({int(day) for day in duty.weekdays or []})
    if not days or any(day not in range(7) for day in days):
        raise InvalidInput(_("Choose the days of the week."))
    if duty.start_time == duty.end_time:
        raise InvalidInput(_("The duty must end at another time than it starts."))
    return days


def on_call_save(*, actor: User | None, duty: OnCall) -> OnCall:
    """Add or change a duty of ``duty.unit``'s on-call rota (its administrator does). The
    person must be able to open the unit's reports, or the urgent path would tell someone
    who cannot act."""
    _require(actor, Perm.UNIT_MANAGE, duty.unit)
    days = on_call_clean(duty)
    duty.weekdays = days
    with transaction.atomic():
        created = duty.pk is None
        duty.save()
        audit_record(
            actor=actor,
            action="on_call.add" if created else "on_call.change",
            obj=duty,
            org_unit=duty.unit,
            details={"user": duty.user.email, "days": days},
        )
    return duty


def on_call_delete(*, actor: User | None, duty: OnCall) -> None:
    _require(actor, Perm.UNIT_MANAGE, duty.unit)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="on_call.delete",
            obj=duty,
            org_unit=duty.unit,
            details={"user": duty.user.email},
        )
        duty.delete()
