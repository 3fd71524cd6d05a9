"""Printable A4 report posters for a school and its classes: QR code, address, help numbers.

Rendering is HTML (``intake/poster.html``) turned into PDF by WeasyPrint. The QR code is
inline SVG drawn by segno, so no image library and no external file is involved. Each poster
produced is recorded (``PosterPrint``), so that prevention can show how many classes have
their report channel published.
"""

from dataclasses import dataclass
from typing import Any, Literal

import segno
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.intake.models import PosterPrint
from haven.intake.telegram import links as telegram_links
from haven.lib.errors import InvalidInput
from haven.lib.i18n import interface_languages
from haven.lib.pdf import html_to_pdf
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.models import OrgUnit
from haven.orgs.types import User

ClassChoice = OrgUnit | Literal["all"] | None

# Module size of the QR code in SVG units; the printed size is set in the poster's CSS.
QR_SCALE = 4


@dataclass(frozen=True)
class Poster:
    """What one page shows: the unit, its report address and that address as a QR code."""

    school: OrgUnit
    class_unit: OrgUnit | None
    url: str
    short_url: str
    qr_svg: SafeString
    # The second code: the Telegram bot's deep link for this school or class (when a bot is set
    # up), so a pupil can report from the messenger they already use.
    telegram_url: str | None = None
    telegram_qr_svg: SafeString | None = None


def poster_languages(languages: list[str]) -> list[str]:
    """The jurisdiction's languages that Haven's interface has ("zh" → "zh-hans").

    When it has none of them, the poster is in the active language.
    """
    return interface_languages(languages) or [translation.get_language() or settings.LANGUAGE_CODE]


def _address(base_url: str, name: str, *args: str) -> tuple[str, str]:
    """The absolute address of a public page and the same without its scheme, for print."""
    url = base_url.rstrip("/") + reverse(name, args=args)
    return url, url.split("://", 1)[-1]


def _poster(school: OrgUnit, class_unit: OrgUnit | None, base_url: str) -> Poster:
    if class_unit is None:
        url, short_url = _address(base_url, "report_form", school.code)
    else:
        url, short_url = _address(base_url, "report_form_class", school.code, class_unit.code)
    # The SVG holds only the drawn modules (no title, no text), so it is safe markup.
    svg = segno.make(url, error="m").svg_inline(scale=QR_SCALE, omitsize=True)
    telegram = telegram_links.link_for(class_unit or school)
    telegram_svg = None
    if telegram:
        telegram_svg = segno.make(telegram, error="m").svg_inline(scale=QR_SCALE, omitsize=True)
    return Poster(
        school,
        class_unit,
        url,
        short_url,
        mark_safe(svg),  # noqa: S308
        telegram,
        mark_safe(telegram_svg) if telegram_svg else None,  # noqa: S308
    )


def _classes(school: OrgUnit, class_unit: ClassChoice) -> list[OrgUnit]:
    classes = OrgUnit.objects.subtree_of(school).filter(kind=OrgUnit.Kind.CLASS)
    if class_unit == "all":
        found = list(classes.order_by("code"))
        if not found:
            raise InvalidInput(_("This school has no classes yet."))
        return found
    if class_unit is None or not classes.filter(pk=class_unit.pk).exists():
        raise InvalidInput()
    return [class_unit]


def poster_html(*, school: OrgUnit, classes: list[OrgUnit] | None, base_url: str) -> str:
    """The posters' HTML: the school's own when ``classes`` is None, else one per class."""
    if classes is None:
        posters = [_poster(school, None, base_url)]
    else:
        posters = [_poster(school, unit, base_url) for unit in classes]
    languages = poster_languages(list(school.jurisdiction.languages or []))
    _followup, followup_short = _address(base_url, "followup")
    context: dict[str, Any] = {
        "posters": posters,
        "languages": languages,
        "jurisdiction": school.jurisdiction,
        "followup_short": followup_short,
    }
    # The page's own language is the first; each block sets its own with {% language %}.
    with translation.override(languages[0]):
        return render_to_string("intake/poster.html", context)


def poster_produce(
    *, actor: User, school: OrgUnit, class_unit: ClassChoice = None, base_url: str
) -> bytes:
    """The PDF of the school's poster, of one class's, or of all its classes' (``"all"``)."""
    access.require(actor, Perm.POSTER_MAKE, school)
    if school.kind != OrgUnit.Kind.SCHOOL:
        raise InvalidInput()
    classes = None if class_unit is None else _classes(school, class_unit)
    html = poster_html(school=school, classes=classes, base_url=base_url)
    # Rendered before the transaction: a slow PDF must not hold the database's write lock.
    pdf = html_to_pdf(html)
    units = [school] if classes is None else classes
    languages = poster_languages(list(school.jurisdiction.languages or []))
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        PosterPrint.objects.bulk_create(
            PosterPrint(unit=unit, language=",".join(languages), produced_by=user) for unit in units
        )
        audit_record(
            actor=actor,
            action="poster.produce",
            obj=school,
            org_unit=school,
            details={"units": [unit.code for unit in units], "languages": languages},
        )
    return pdf
