from django.core.management import call_command

from haven.audit.models import AuditEvent
from haven.orgs.models import Jurisdiction, Membership, OrgUnit, Pupil, Role, User


def snapshot():
    return (
        list(Jurisdiction.objects.order_by("code").values()),
        list(OrgUnit.objects.order_by("path").values()),
        list(User.objects.order_by("email").values()),
        list(Membership.objects.order_by("pk").values()),
        list(Pupil.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def test_demo_loads_twice_without_change(db, capsys):
    call_command("demo_load")
    first = snapshot()
    call_command("demo_load")
    assert snapshot() == first
    assert "added: 0 jurisdictions, 0 units, 0 users, 0 memberships, 0 pupils" in (
        capsys.readouterr().out
    )


def test_demo_has_the_places_of_the_domain_notes_and_every_role(db):
    call_command("demo_load")
    names = set(OrgUnit.objects.values_list("name", flat=True))
    for zone in ("Huedin", "Dej", "Gherla", "Cluj-Napoca", "Turda", "Câmpia Turzii"):
        assert f"Zona {zone}" in names
    assert {
        "Акмолинская область",
        "Stichting Veilig Leren",
        "濮阳市",
        "Trường Mầm non Đông Mai",
    } <= names
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    for school in OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL):
        assert school.children.filter(kind=OrgUnit.Kind.CLASS).exists(), school.name
    assert set(Jurisdiction.objects.values_list("code", flat=True)) == {
        "GEN",
        "RO",
        "KZ",
        "NL",
        "CN",
        "VN",
    }


def test_demo_survey_shows_results_to_the_principal_and_the_county(db, client):
    from django.urls import reverse

    from haven.surveys.models import Campaign, Response, UnitAggregate

    call_command("demo_load")
    campaign = Campaign.objects.get(school__code="RO-CJ-CLJ-1")
    answered = Response.objects.filter(campaign=campaign).count()
    assert answered >= 10
    county = OrgUnit.objects.get(code="CJ")
    assert UnitAggregate.objects.get(unit=county).respondents == answered
    client.force_login(User.objects.get(email="principal@haven.example"))
    page = client.get(reverse("surveys:campaign_results", args=[campaign.pk])).content.decode()
    assert f"{answered} pupils answered" in page and "<svg" in page
    call_command("demo_load")
    assert Response.objects.count() == answered


def test_every_demo_school_has_a_roster_of_pupils_named_as_in_its_country(db):
    call_command("demo_load")
    schools = OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL)
    for school in schools:
        pupils = list(Pupil.objects.filter(school=school).select_related("class_unit"))
        assert len(pupils) >= 3, school.name
        assert all(p.class_unit.parent_id == school.pk for p in pupils), school.name
        assert len({p.class_unit_id for p in pupils}) >= 2, school.name

    def families(country):
        return set(
            Pupil.objects.filter(school__path__startswith=f"{country.path}").values_list(
                "family_name", flat=True
            )
        )

    country = {u.code: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTRY)}
    assert {"de Jong", "Bakker", "Visser"} <= families(country["NL"])
    assert {"张", "李", "王"} <= families(country["CN"])
    assert {"Nguyễn", "Trần", "Phạm"} <= families(country["VN"])
    assert {"Ахметов", "Кузнецов"} <= families(country["KZ"])
    assert "Popescu" in families(country["RO"])


def test_demo_accounts_share_the_totp_secret_printed_and_in_the_readme(db, client, capsys):
    import json
    import re
    from pathlib import Path

    from allauth.mfa.models import Authenticator

    from haven.orgs.demo import DATA
    from haven.orgs.tests.factories import totp_code

    call_command("demo_load")
    secret = json.loads((DATA / "demo.json").read_text(encoding="utf-8"))["totp_secret"]
    assert Authenticator.objects.filter(type="totp").count() == User.objects.count()
    call_command("print_demo_logins")
    assert f"Demo TOTP secret: {secret}\n" in capsys.readouterr().out
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^Demo TOTP secret: {secret}$", readme, re.MULTILINE)
    # The secret really signs the demo coordinator in.
    step = client.post(
        "/en/account/login/",
        {"username": "coordinator@haven.example", "password": "safe-school-demo"},
    )
    done = client.post(step["Location"], {"code": totp_code(secret)})
    assert done.status_code == 302
    assert client.session["_auth_user_id"]
