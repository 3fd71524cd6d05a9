"""Every page as anonymous, wrong role, right role and a user of another school."""

import pytest
from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def test_home_is_public_and_offers_login(client, db):
    response = client.get(url("home"))
    assert response.status_code == 200
    assert url("login").encode() in response.content


def test_bare_root_redirects_to_a_language(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_home_lists_own_roles_and_emergency_numbers(client, tree):
    client.force_login(tree.users["coordinator"])
    response = client.get(url("home"))
    assert b"Safety coordinator" in response.content
    assert b"Unit SCH-A" in response.content
    assert b'href="tel:112"' in response.content


def test_organisation_pages_need_login(client, tree):
    for target in (url("orgunit_list"), url("orgunit_detail", tree.school_a.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(url("login"))


def test_coordinator_sees_own_school_and_its_classes(client, tree):
    client.force_login(tree.users["coordinator"])
    response = client.get(url("orgunit_detail", tree.school_a.pk))
    assert response.status_code == 200
    assert b"Unit 5A" in response.content
    assert b"coordinator" in response.content.lower()


def test_coordinator_cannot_see_another_school(client, tree):
    client.force_login(tree.users["coordinator"])
    assert client.get(url("orgunit_detail", tree.school_b.pk)).status_code == 404
    # nor the zone or county above their school
    assert client.get(url("orgunit_detail", tree.county.pk)).status_code == 404
    listing = client.get(url("orgunit_list")).content
    assert b"Unit SCH-B" not in listing
    assert b"Unit SCH-A" in listing


def test_other_school_coordinator_cannot_see_first_school(client, tree):
    client.force_login(tree.users["other_coordinator"])
    assert client.get(url("orgunit_detail", tree.school_a.pk)).status_code == 404
    assert client.get(url("orgunit_detail", tree.class_a.pk)).status_code == 404


def test_inspector_sees_every_school_of_the_county(client, tree):
    client.force_login(tree.users["inspector"])
    for unit in (tree.county, tree.school_a, tree.school_b, tree.class_a):
        assert client.get(url("orgunit_detail", unit.pk)).status_code == 200
    assert client.get(url("orgunit_detail", tree.country.pk)).status_code == 404


def test_agency_does_not_browse_schools(client, tree):
    client.force_login(tree.users["agency"])
    assert client.get(url("orgunit_detail", tree.school_a.pk)).status_code == 404
    nav = client.get(url("home")).content
    assert url("orgunit_list").encode() not in nav


def test_members_visible_to_coordinator_not_to_staff(client, tree):
    client.force_login(tree.users["staff"])
    assert b"principal@a.example" not in client.get(url("orgunit_detail", tree.school_a.pk)).content
    page = client.get(url("orgunit_detail", tree.school_a.pk)).content.decode()
    assert "People with a role here" not in page
    client.force_login(tree.users["coordinator"])
    page = client.get(url("orgunit_detail", tree.school_a.pk)).content.decode()
    assert "People with a role here" in page


def test_htmx_request_gets_only_the_children_partial(client, tree):
    client.force_login(tree.users["coordinator"])
    response = client.get(url("orgunit_detail", tree.school_a.pk), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Unit 5A" in response.content


def test_navigation_depends_on_role(client, tree):
    client.force_login(tree.users["staff"])
    page = client.get(url("home")).content.decode()
    assert url("orgunit_list") in page and url("admin:index") not in page
    client.force_login(tree.users["admin"])
    page = client.get(url("home")).content.decode()
    assert url("admin:index") in page


def test_unit_list_query_count_does_not_grow_with_units(
    client, tree, django_assert_max_num_queries
):
    from haven.orgs.tests.factories import unit

    client.force_login(tree.users["inspector"])
    client.get(url("orgunit_list"))
    for i in range(15):
        unit(tree.zone_b, "school", f"EXTRA-{i}")
    with django_assert_max_num_queries(8):
        client.get(url("orgunit_detail", tree.zone_b.pk))


@pytest.mark.parametrize("lang", ["ro", "zh-hans"])
def test_language_switch_is_remembered_for_signed_in_user(client, tree, lang):
    user = tree.users["coordinator"]
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": lang, "next": url("orgunit_list")})
    assert response.status_code == 302
    assert response["Location"] == url("orgunit_list", lang=lang)
    user.refresh_from_db()
    assert user.language == lang
    assert AuditEvent.objects.filter(action="user.language", actor=user).exists()


def test_unknown_language_is_not_saved(client, tree):
    user = tree.users["coordinator"]
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/en/"})
    user.refresh_from_db()
    assert user.language == ""


def test_csrf_failure_page_is_translated_and_plain(tree):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url("login", lang="en"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert b"The form expired" in response.content
