from dataclasses import dataclass

import factory

from haven.orgs import services
from haven.orgs.models import Jurisdiction, OrgUnit, Role, User

PASSWORD = "correct-horse-battery-staple"


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    code = "RO"
    names = factory.LazyAttribute(lambda j: {"en": f"Land {j.code}"})
    languages = ["ro"]
    time_zone = "Europe/Bucharest"
    phone_numbers = [{"kind": "emergency", "number": "112"}]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@school.example")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        # Every test user is enrolled, as staff who must have a second factor will be, so
        # pages behave as for them; ``UserFactory(totp=False)`` makes one who is not.
        if create and extracted is not False:
            enrol_totp(obj)


# The authenticator app secret of every test user (base32). ``totp_code()`` gives its code now.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_totp(user: User, secret: str = TOTP_SECRET) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)


def totp_code(secret: str = TOTP_SECRET, offset: int = 0) -> str:
    """The code an authenticator app shows now (``offset`` periods later)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def unit(parent: OrgUnit | None, kind: str, code: str, jurisdiction: Jurisdiction | None = None):
    return services.orgunit_create(
        actor=None,
        parent=parent,
        kind=kind,
        code=code,
        name=f"Unit {code}",
        jurisdiction=jurisdiction,
    )


def member(role: str, on: OrgUnit, **kwargs) -> User:
    user = UserFactory(**kwargs)
    services.membership_grant(actor=None, user=user, unit=on, role=role)
    return user


@dataclass
class Tree:
    """country > county > (zone_a > school_a > class_a), (zone_b > school_b)."""

    country: OrgUnit
    county: OrgUnit
    zone_a: OrgUnit
    school_a: OrgUnit
    class_a: OrgUnit
    zone_b: OrgUnit
    school_b: OrgUnit
    users: dict[str, User]


def build_tree() -> Tree:
    ro = JurisdictionFactory()
    country = unit(None, OrgUnit.Kind.COUNTRY, "RO", ro)
    county = unit(country, OrgUnit.Kind.COUNTY, "CJ")
    zone_a = unit(county, OrgUnit.Kind.ZONE, "ZA")
    school_a = unit(zone_a, OrgUnit.Kind.SCHOOL, "SCH-A")
    class_a = unit(school_a, OrgUnit.Kind.CLASS, "5A")
    zone_b = unit(county, OrgUnit.Kind.ZONE, "ZB")
    school_b = unit(zone_b, OrgUnit.Kind.SCHOOL, "SCH-B")
    users = {
        "staff": member(Role.STAFF, school_a, email="staff@a.example"),
        "coordinator": member(Role.COORDINATOR, school_a, email="coordinator@a.example"),
        "psychologist": member(Role.PSYCHOLOGIST, school_a, email="psychologist@a.example"),
        "principal": member(Role.PRINCIPAL, school_a, email="principal@a.example"),
        "inspector": member(Role.INSPECTOR, county, email="inspector@county.example"),
        "agency": member(Role.AGENCY, county, email="agency@county.example"),
        "admin": member(Role.ADMIN, county, email="admin@county.example"),
        "other_coordinator": member(Role.COORDINATOR, school_b, email="coordinator@b.example"),
        "nobody": UserFactory(email="nobody@example.org"),
    }
    return Tree(country, county, zone_a, school_a, class_a, zone_b, school_b, users)
