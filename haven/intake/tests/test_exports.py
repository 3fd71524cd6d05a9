"""The triage inbox as CSV and XLSX: the page's rows for the user, audited."""

import datetime
import re

from django.urls import reverse

from haven.intake.tests.helpers import submit
from haven.orgs.tests.export_helpers import SCRIPTS, csv_rows, last_export, xlsx_rows


def test_inbox_export_needs_login_and_a_reading_role(client, tree):
    submit(tree.school_a)
    assert client.get(reverse("intake:inbox"), {"export": "csv"}).status_code == 302
    client.force_login(tree.users["staff"])
    assert client.get(reverse("intake:inbox"), {"export": "csv"}).status_code == 404


def test_inbox_csv_holds_own_school_rows_with_every_script_and_is_audited(client, tree):
    tree.school_a.name = SCRIPTS
    tree.school_a.save()
    mine = submit(tree.school_a)[0]
    submit(tree.school_b)
    client.force_login(tree.users["coordinator"])
    page = client.get(reverse("intake:inbox")).content.decode()
    assert "export=csv" in page and "export=xlsx" in page
    rows = csv_rows(client.get(reverse("intake:inbox"), {"export": "csv", "status": "new"}))
    assert rows[0][0] == "Number" and len(rows) == 2
    assert rows[1][0] == str(mine.pk) and rows[1][2] == SCRIPTS
    # ISO dates, whatever the language
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[1][1])
    event = last_export("intake.export")
    assert event.actor_id == tree.users["coordinator"].pk
    assert event.details == {"format": "csv", "filters": {"status": "new"}, "rows": 1}


def test_inbox_export_keeps_the_filters_and_other_school_sees_only_its_own(client, tree):
    submit(tree.school_a)
    client.force_login(tree.users["coordinator"])
    assert (
        len(csv_rows(client.get(reverse("intake:inbox"), {"export": "csv", "status": "dismissed"})))
        == 1
    )
    client.force_login(tree.users["other_coordinator"])
    assert csv_rows(client.get(reverse("intake:inbox"), {"export": "csv"}))[1:] == []


def test_inbox_xlsx_numbers_and_dates_are_cells_of_their_kind(client, tree):
    report = submit(tree.school_a)[0]
    client.force_login(tree.users["coordinator"])
    rows = xlsx_rows(client.get(reverse("intake:inbox"), {"export": "xlsx"}))
    assert rows[1][0] == report.pk and isinstance(rows[1][0], int)
    assert isinstance(rows[1][1], datetime.datetime)


def test_inbox_export_queries_do_not_grow_with_reports(client, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submit(tree.school_a, place="yard")
    client.force_login(tree.users["coordinator"])
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("intake:inbox"), {"export": "csv"})
    for _n in range(5):
        submit(tree.school_a, place="toilets", time_of_day="breaks")
    with CaptureQueriesContext(connection) as six:
        rows = csv_rows(client.get(reverse("intake:inbox"), {"export": "csv"}))
    assert len(rows) == 7 and "Toilets" in rows[1] and "at break" in rows[1]
    assert len(six) <= len(one)  # the school's own places are read once a minute at most


def test_inbox_export_headers_and_values_in_the_readers_language(client, tree):
    from django.utils import translation

    submit(tree.school_a, place="toilets", time_of_day="breaks")
    client.force_login(tree.users["coordinator"])
    with translation.override("ro"):
        address = reverse("intake:inbox")
    rows = csv_rows(client.get(address, {"export": "csv"}))
    assert rows[0][0] == "Număr" and "Momentul zilei" in rows[0]
    assert "în pauză" in rows[1]
