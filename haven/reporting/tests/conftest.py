from dataclasses import dataclass
from typing import Any

import pytest

from haven.orgs.models import OrgUnit, Role, User
from haven.orgs.tests.factories import JurisdictionFactory, member, unit


@dataclass
class VnTree:
    city: OrgUnit
    kindergarten: OrgUnit
    primary: OrgUnit
    late_school: OrgUnit
    users: dict[str, User]


@pytest.fixture
def vn(db: Any) -> VnTree:
    vn = JurisdictionFactory(
        code="VN", languages=["vi"], time_zone="Asia/Ho_Chi_Minh", procedure_code="VN"
    )
    country = unit(None, OrgUnit.Kind.COUNTRY, "VN", vn)
    province = unit(country, OrgUnit.Kind.PROVINCE, "QN")
    city = unit(province, OrgUnit.Kind.CITY, "QY")
    kindergarten = unit(city, OrgUnit.Kind.SCHOOL, "VN-1")
    primary = unit(city, OrgUnit.Kind.SCHOOL, "VN-2")
    late_school = unit(city, OrgUnit.Kind.SCHOOL, "VN-3")
    users = {
        "principal": member(Role.PRINCIPAL, kindergarten, email="principal@vn.example"),
        "coordinator": member(Role.COORDINATOR, kindergarten, email="coordinator@vn.example"),
        "late_principal": member(Role.PRINCIPAL, late_school, email="principal3@vn.example"),
        "district": member(Role.INSPECTOR, city, email="inspector@vn.example"),
    }
    return VnTree(city, kindergarten, primary, late_school, users)
