"""Report posters: who may print them, what they say, and the record of each one printed."""

import subprocess

import pytest
import segno
from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent
from haven.intake import posters, selectors
from haven.intake.models import PosterPrint
from haven.lib.errors import AccessDenied, NotFound
from haven.orgs.models import Jurisdiction, OrgUnit
from haven.orgs.tests.factories import unit

BASE = "https://haven.example"


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def school_url(tree):
    return url("intake:poster_school", tree.school_a.pk)


def class_url(tree):
    return url("intake:poster_class", tree.school_a.pk, tree.class_a.pk)


def targets(tree):
    return [(school_url(tree), {}), (school_url(tree), {"classes": "all"}), (class_url(tree), {})]


def test_posters_are_made_by_post_only(client, tree):
    client.force_login(tree.users["coordinator"])
    assert client.get(school_url(tree)).status_code == 405
    assert not PosterPrint.objects.exists()


def test_posters_need_login(client, tree):
    for target, data in targets(tree):
        response = client.post(target, data)
        assert response.status_code == 302
        assert response["Location"].startswith(url("login"))


@pytest.mark.parametrize("role", ["staff", "psychologist", "inspector", "agency", "nobody"])
def test_roles_without_poster_permission_get_not_found(client, tree, role):
    client.force_login(tree.users[role])
    for target, data in targets(tree):
        assert client.post(target, data).status_code == 404
    assert not PosterPrint.objects.exists()


def test_coordinator_of_another_school_gets_not_found(client, tree):
    client.force_login(tree.users["other_coordinator"])
    for target, data in targets(tree):
        assert client.post(target, data).status_code == 404
    assert not PosterPrint.objects.exists()


def test_class_of_another_school_is_not_found_under_own_school(client, tree):
    class_b = unit(tree.school_b, OrgUnit.Kind.CLASS, "9B")
    client.force_login(tree.users["admin"])  # may print for both schools
    response = client.post(url("intake:poster_class", tree.school_a.pk, class_b.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "principal", "admin"])
def test_school_poster_is_a_pdf_download(client, tree, role):
    client.force_login(tree.users[role])
    response = client.post(school_url(tree))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")
    assert "SCH-A" in response["Content-Disposition"]
    print_ = PosterPrint.objects.get()
    assert print_.unit == tree.school_a
    assert print_.produced_by == tree.users[role]
    assert print_.language == "ro"


def test_class_poster_is_recorded_for_the_class(client, tree):
    client.force_login(tree.users["coordinator"])
    response = client.post(class_url(tree))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert "SCH-A" in response["Content-Disposition"]
    assert "5A" in response["Content-Disposition"]
    assert list(PosterPrint.objects.values_list("unit", flat=True)) == [tree.class_a.pk]


def test_all_classes_in_one_pdf_recorded_for_every_class_and_audited(client, tree):
    class_b = unit(tree.school_a, OrgUnit.Kind.CLASS, "6B")
    user = tree.users["coordinator"]
    client.force_login(user)
    response = client.post(school_url(tree), {"classes": "all"})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert "SCH-A" in response["Content-Disposition"]
    printed = set(PosterPrint.objects.values_list("unit", flat=True))
    assert printed == {tree.class_a.pk, class_b.pk}
    event = AuditEvent.objects.get(action="poster.produce")
    assert event.actor == user
    assert event.org_unit == tree.school_a
    assert sorted(event.details["units"]) == ["5A", "6B"]


def test_all_classes_of_a_school_without_classes_explains_and_records_nothing(client, tree):
    client.force_login(tree.users["other_coordinator"])
    response = client.post(url("intake:poster_school", tree.school_b.pk), {"classes": "all"})
    assert response.status_code == 302
    assert response["Location"] == url("orgunit_detail", tree.school_b.pk)
    assert not PosterPrint.objects.exists()
    assert not AuditEvent.objects.filter(action="poster.produce").exists()


def test_poster_shows_address_qr_code_and_numbers(tree):
    jurisdiction = tree.school_a.jurisdiction
    jurisdiction.phone_numbers = [
        {"kind": "emergency", "number": "112"},
        {"kind": "child_helpline", "number": "116 111", "label": {"ro": "Telefonul Copilului"}},
    ]
    jurisdiction.save()
    html = posters.poster_html(school=tree.school_a, classes=[tree.class_a], base_url=BASE + "/")
    address = BASE + reverse("report_form_class", args=["SCH-A", "5A"])
    assert address == "https://haven.example/r/SCH-A/5A/"
    assert "haven.example/r/SCH-A/5A/" in html  # printed, for those who type it
    qr = segno.make(address, error="m").svg_inline(scale=posters.QR_SCALE, omitsize=True)
    assert "<svg" in html
    assert qr in html  # the code drawn is the class's own address
    assert "112" in html
    assert "116 111" in html
    assert "Telefonul Copilului" in html
    assert "haven.example/follow-up/" in html
    assert html.count('<section class="page') == 1


def test_school_poster_points_at_the_school_address(tree):
    html = posters.poster_html(school=tree.school_a, classes=None, base_url=BASE)
    assert "haven.example/r/SCH-A/" in html
    assert "/r/SCH-A/5A/" not in html


def test_poster_is_in_the_languages_haven_speaks(tree):
    uz = Jurisdiction.objects.create(
        code="UZ", languages=["uz", "ru"], time_zone="Asia/Tashkent", phone_numbers=[]
    )
    school = tree.school_a
    school.jurisdiction = uz
    html = posters.poster_html(school=school, classes=None, base_url=BASE)
    assert '<html lang="ru">' in html
    assert 'lang="uz"' not in html


def test_kazakh_poster_prints_kazakh_then_russian(tree):
    kz = Jurisdiction.objects.create(
        code="KZ", languages=["kk", "ru"], time_zone="Asia/Almaty", phone_numbers=[]
    )
    school = tree.school_a
    school.jurisdiction = kz
    school.save(update_fields=["jurisdiction"])
    html = posters.poster_html(school=school, classes=None, base_url=BASE)
    assert '<html lang="kk">' in html and 'lang="ru"' in html
    pdf = posters.poster_produce(
        actor=tree.users["coordinator"], school=school, class_unit=None, base_url=BASE
    )
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    # Kazakh's own letters (ә, қ, ң, ө, ұ) come out as text, not as empty boxes.
    assert "Мектепте бірдеңе дұрыс емес пе? Бізге айтыңыз." in " ".join(text.split())
    assert "Анонимді қала аласыз" in text
    assert "Можно не называть себя" in text  # the Russian block follows


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (["kk", "ru"], ["kk", "ru"]),
        (["uz", "ru"], ["ru"]),
        (["zh-Hans"], ["zh-hans"]),
        (["zh"], ["zh-hans"]),
        (["nl", "en", "nl"], ["nl", "en"]),
        (["uz"], ["de"]),  # none that Haven speaks: the active language
        ([], ["de"]),
    ],
)
def test_poster_languages(languages, expected):
    with translation.override("de"):
        assert posters.poster_languages(languages) == expected


def test_service_refuses_a_user_without_the_permission(tree):
    with pytest.raises(AccessDenied):
        posters.poster_produce(actor=tree.users["staff"], school=tree.school_a, base_url=BASE)
    assert not PosterPrint.objects.exists()


def test_coverage_counts_classes_with_a_poster(tree):
    unit(tree.school_a, OrgUnit.Kind.CLASS, "6B")
    coordinator = tree.users["coordinator"]
    assert selectors.poster_coverage(user=coordinator, school=tree.school_a) == (0, 2)
    for _twice in range(2):
        posters.poster_produce(
            actor=coordinator, school=tree.school_a, class_unit=tree.class_a, base_url=BASE
        )
    assert selectors.poster_coverage(user=coordinator, school=tree.school_a) == (1, 2)
    with pytest.raises(NotFound):
        selectors.poster_coverage(user=tree.users["other_coordinator"], school=tree.school_a)


def test_unit_page_offers_posters_only_with_the_permission(client, tree):
    school_page = url("orgunit_detail", tree.school_a.pk)
    class_page = url("orgunit_detail", tree.class_a.pk)
    client.force_login(tree.users["coordinator"])
    content = client.get(school_page).content.decode()
    assert school_url(tree) in content
    assert 'name="classes" value="all"' in content
    assert class_url(tree) in client.get(class_page).content.decode()
    client.force_login(tree.users["staff"])
    content = client.get(school_page).content.decode()
    assert "/posters/" not in content
    assert "/posters/" not in client.get(class_page).content.decode()
