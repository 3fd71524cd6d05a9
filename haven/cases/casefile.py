"""The printable case file: for hand-over to an agency or an inspector, holding only what the
recipient may see, in the recipient's language."""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from haven.audit.services import audit_record
from haven.cases import access as case_access
from haven.cases import selectors
from haven.cases.models import Case, Referral
from haven.cases.services import procedure_of
from haven.lib.errors import AccessDenied, InvalidInput
from haven.lib.pdf import html_to_pdf
from haven.orgs.models import Role
from haven.orgs.types import User, Viewer

AUDIENCES = ("school", "inspector", "agency")


def allowed_audiences(user: Viewer, case: Case) -> list[str]:
    """Case managers may hand the file to anyone; others get the version they may see."""
    if case_access.can_manage_case(user, case):
        return list(AUDIENCES)
    if not case_access.case_sees_everything(user, case):
        return []
    roles = case_access.case_roles(user, case)
    return ["inspector"] if Role.INSPECTOR in roles else []


def case_file_html(
    *, case: Case, audience: str, language: str, referral: Referral | None = None
) -> str:
    procedure = procedure_of(case)
    # Times as the school lives them, whoever prints the file and wherever the server is.
    with translation.override(language), timezone.override(case.school.jurisdiction.time_zone):
        context = {
            "case": case,
            "audience": audience,
            "procedure": procedure,
            "state": procedure.state(case.state),
            "labels": {
                "case_type": procedure.label("case_types", case.case_type),
                "severity": procedure.label("severities", case.severity),
                "determination": procedure.label("determinations", case.determination),
            },
            "generated_at": timezone.now(),
            "language": language,
        }
        if audience == "agency":
            # An agency receives the referral, never the school's whole file.
            context["referrals"] = [referral] if referral else list(case.referrals.all())
        else:
            context.update(
                deadlines=selectors.case_deadlines(case=case, procedure=procedure),
                notifications=list(case.notifications.all()),
                referrals=list(case.referrals.select_related("agency")),
                appeals=list(case.appeals.all()),
                timeline=selectors.case_timeline(case=case),
                # Restricted notes never leave the school.
                parties=list(case.parties.all()),
            )
        return render_to_string("cases/case_file.html", context)


def case_file_pdf(*, actor: User, case: Case, audience: str, language: str) -> bytes:
    if audience not in AUDIENCES:
        raise InvalidInput()
    if audience not in allowed_audiences(actor, case):
        raise AccessDenied()
    html = case_file_html(case=case, audience=audience, language=language)
    pdf = html_to_pdf(html)
    audit_record(
        actor=actor,
        action="case.file",
        obj=case,
        org_unit=case.school,
        details={"audience": audience, "language": language},
    )
    return pdf


def referral_file_pdf(*, actor: User, referral: Referral, language: str) -> bytes:
    """What the agency itself may download: its referral."""
    if not case_access.referrals_for_agency(actor).filter(pk=referral.pk).exists():
        raise AccessDenied()
    html = case_file_html(
        case=referral.case, audience="agency", language=language, referral=referral
    )
    pdf = html_to_pdf(html)
    audit_record(
        actor=actor,
        action="referral.file",
        obj=referral.case,
        org_unit=referral.case.school,
        details={"referral": referral.pk},
    )
    return pdf
