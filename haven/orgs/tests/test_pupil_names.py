"""A pupil's name is written in the order of the country where the pupil is registered."""

import pytest

from haven.orgs.models import OrgUnit, Pupil
from haven.orgs.tests.factories import JurisdictionFactory, unit


def pupil_in(code: str, languages: list[str], given: str, family: str) -> Pupil:
    jurisdiction = JurisdictionFactory(code=code, languages=languages)
    country = unit(None, OrgUnit.Kind.COUNTRY, f"{code}-X", jurisdiction=jurisdiction)
    school = unit(country, OrgUnit.Kind.SCHOOL, f"{code}-S")
    class_unit = unit(school, OrgUnit.Kind.CLASS, f"{code}-5A")
    return Pupil.objects.create(
        class_unit=class_unit, school=school, external_id="1", given_name=given, family_name=family
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "languages", "given", "family", "shown"),
    [
        ("RO", ["ro"], "Ana", "Pop", "Ana Pop"),
        ("NL", ["nl"], "Sanne", "de Vries", "Sanne de Vries"),
        ("CN", ["zh-hans"], "子涵", "张", "张子涵"),
        ("VN", ["vi"], "Văn An", "Nguyễn", "Nguyễn Văn An"),
        ("CN", ["zh-hans"], "Li", "Wang", "Wang Li"),  # a Latin-script name keeps its space
    ],
)
def test_names_follow_the_order_of_the_pupils_country(code, languages, given, family, shown):
    assert str(pupil_in(code, languages, given, family)) == shown
