"""Printable code slips: an A4 PDF per class, ten slips a page, cut along the lines.

Each slip gives the survey's address, the school and class, and one code. The codes exist in
clear only here, on their way to the printer: the database keeps their keyed hashes.
"""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from haven.lib.pdf import html_to_pdf
from haven.orgs.models import OrgUnit
from haven.surveys.models import Campaign

PER_PAGE = 10


def slips_html(*, campaign: Campaign, class_unit: OrgUnit, codes: list[str]) -> str:
    url = settings.HAVEN_BASE_URL.rstrip("/") + reverse("survey")
    pages = [codes[i : i + PER_PAGE] for i in range(0, len(codes), PER_PAGE)]
    context: dict[str, Any] = {
        "campaign": campaign,
        "school": campaign.school,
        "class_unit": class_unit,
        "pages": pages,
        "short_url": url.split("://", 1)[-1],
    }
    return render_to_string("surveys/slips.html", context)


def slips_pdf(*, campaign: Campaign, class_unit: OrgUnit, codes: list[str]) -> bytes:
    html = slips_html(campaign=campaign, class_unit=class_unit, codes=codes)
    return html_to_pdf(html)
