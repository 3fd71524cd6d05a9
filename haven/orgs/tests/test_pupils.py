"""Class rosters: CSV import with a report of rejected rows, and each pupil's chronology."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from haven.cases import services as case_services
from haven.lib.errors import AccessDenied, InvalidInput
from haven.orgs.models import Pupil
from haven.orgs.pupils import pupils_import, read_csv

CSV = """class,number,given_name,family_name
5A,101,Ana,Pop
5a,102,Ion,Rusu
9Z,103,Eva,Marin
5A,,Dan,Ilie
5A,101,Ana,Duplicate
5A,104,,Moldovan
"""


def test_import_reports_rejected_rows_with_their_line(tree, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(CSV, encoding="utf-8")
    call_command("pupils_import", tree.school_a.code, str(path))
    out = capsys.readouterr()
    assert "2 added, 0 updated, 0 unchanged, 4 rejected." in out.out
    assert "line 4: no class 9Z in this school" in out.out
    assert "line 5: the pupil number is missing" in out.out
    assert "line 6: pupil number 101 appears twice" in out.out
    assert "line 7: the given name and the family name are both needed" in out.out
    assert "6/6" in out.err  # the progress bar reached the end
    assert set(Pupil.objects.values_list("external_id", flat=True)) == {"101", "102"}


def test_import_again_changes_only_what_changed(tree):
    rows = read_csv(CSV)
    pupils_import(actor=None, school=tree.school_a, rows=rows)
    rows[1]["family_name"] = "Rusu-Pop"
    result = pupils_import(actor=None, school=tree.school_a, rows=rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)


def test_import_needs_the_columns_and_the_permission(tree, tmp_path):
    with pytest.raises(InvalidInput, match="lacks the column"):
        read_csv("klasse,nummer\n5A,1\n")
    with pytest.raises(AccessDenied):
        pupils_import(actor=tree.users["staff"], school=tree.school_a, rows=read_csv(CSV))
    path = tmp_path / "x.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("pupils_import", "NO-SUCH", str(path))


def test_chronology_shows_only_cases_the_viewer_may_see(client, tree):
    pupils_import(actor=None, school=tree.school_a, rows=read_csv(CSV))
    ana = Pupil.objects.get(external_id="101")
    case = case_services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="Hol"
    )
    case_services.case_party_add(
        actor=tree.users["coordinator"], case=case, role="victim", pupil=ana
    )
    with translation.override("en"):
        target = reverse("pupil_detail", args=[ana.pk])
        class_page = reverse("orgunit_detail", args=[tree.class_a.pk])
    client.force_login(tree.users["coordinator"])
    assert "Hol" in client.get(target).content.decode()
    assert "Pop Ana" in client.get(class_page).content.decode()
    client.force_login(tree.users["psychologist"])  # sees the roster, not this case
    page = client.get(target).content.decode()
    # As a word: a CSRF token in the page may hold the letters.
    assert not re.search(r"\bHol\b", page) and "Ana Pop" in page
    for role in ("staff", "other_coordinator", "inspector"):
        client.force_login(tree.users[role])
        assert client.get(target).status_code == 404, role


def test_party_pupil_must_be_at_the_case_school(tree):
    from haven.orgs.tests.factories import unit

    class_b = unit(tree.school_b, "class", "6B")
    pupils_import(
        actor=None,
        school=tree.school_b,
        rows=[{"class": "6B", "number": "9", "given_name": "B", "family_name": "C"}],
    )
    other = Pupil.objects.get(class_unit=class_b)
    case = case_services.case_open(actor=tree.users["coordinator"], school=tree.school_a, title="x")
    with pytest.raises(case_services.InvalidInput):
        case_services.case_party_add(
            actor=tree.users["coordinator"], case=case, role="victim", pupil=other
        )
