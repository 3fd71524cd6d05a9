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
