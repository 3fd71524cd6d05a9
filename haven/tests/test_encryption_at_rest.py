"""Content about people is encrypted at rest (issue 17, item 1).

A marker travels through the real pages and services: the public form (with a file), the
reporter's follow-up, the school's answer, a case's narrative, parties, notes (restricted too)
and files, the care registers. A copy of the database (the SQLite file, or a pg_dump on
PostgreSQL) and the media folder never hold it; the pages still show it to whoever may read
it; key rotation keeps it readable; a wrong master key fails loudly without leaking it.
"""

import datetime as dt
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from haven.care import services as care_services
from haven.care.models import ConcernEntry, ScreeningAnswer
from haven.care.tests.helpers import build_world
from haven.cases import services as case_services
from haven.cases.models import Case, CaseAttachment, CaseNote
from haven.intake.models import Report, ReportAttachment, ReportMessage
from haven.intake.tests.helpers import VALID, submit
from haven.lib import crypto
from haven.security import keys
from haven.security.checks import master_key_check
from haven.security.models import DataKey
from haven.surveys import services as survey_services
from haven.surveys.models import Response
from haven.surveys.tests import helpers as survey_helpers

pytestmark = pytest.mark.django_db(transaction=True)

MARK = "QZ7-marker-Ana-Popescu"


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def pdf_with(text: str) -> bytes:
    """A real PDF whose page content (uncompressed) carries ``text``."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(f"BT /F1 12 Tf ({text}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def database_copy(tmp_path: Path) -> bytes:
    """The bytes an attacker copying the database would hold."""
    if connection.vendor == "sqlite":
        target = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(target)])
        return target.read_bytes()
    db = settings.DATABASES["default"]
    environment = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    command = ["pg_dump", "--no-owner", "--data-only", "-d", connection.settings_dict["NAME"]]
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    done = subprocess.run(command, env=environment, capture_output=True, check=True)  # noqa: S603
    return done.stdout


def media_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def fill(client, tree):
    """Every kind of encrypted content, each carrying MARK, through pages and services."""
    school = tree.school_a
    coordinator = tree.users["coordinator"]
    posted = client.post(
        f"/r/{school.code}/",
        {
            **{k: v for k, v in VALID.items() if v is not None},
            "description": f"{MARK} pushes me every break",
            "contact": f"{MARK}@example.org",
            "submission_token": "tok-enc",
            "files": [SimpleUploadedFile("x.pdf", pdf_with(MARK), "application/pdf")],
        },
    )
    assert posted.status_code == 200
    web_report = Report.objects.get()
    report, receipt = submit(school, description=f"{MARK} in the corridor")
    written = client.post(
        "/follow-up/", {"receipt": str(receipt), "action": "write", "body": f"{MARK} again"}
    )
    assert written.status_code == 200
    case = case_services.case_open(
        actor=coordinator, school=school, title="Corridor", reports=[report, web_report]
    )
    case_services.case_update(actor=coordinator, case=case, changes={"narrative": f"{MARK} n"})
    client.force_login(coordinator)
    act = url("cases:case_act", case.pk)
    for data in (
        {"action": "reply", "report": report.pk, "body": f"{MARK} we answer"},
        {"action": "note", "body": f"{MARK} note"},
        {"action": "party", "role": "witness", "description": f"{MARK} witness"},
        {
            "action": "file",
            "description": f"{MARK} file",
            "file": SimpleUploadedFile("y.pdf", pdf_with(MARK), "application/pdf"),
        },
    ):
        assert client.post(act, data).status_code == 302, data
    # A restricted note, written by the psychologist on the case team.
    psychologist = tree.users["psychologist"]
    case_services.case_member_add(actor=coordinator, case=case, user=psychologist, role="member")
    other = Client()
    other.force_login(psychologist)
    restricted = {"action": "note", "body": f"{MARK} restricted", "restricted": "on"}
    assert other.post(act, restricted).status_code == 302
    world = build_world(tree)
    entry = care_services.concern_register(
        actor=coordinator,
        pupil=world.pupil,
        reasons=["other"],
        reason_note=f"{MARK} reason",
        review_on=world.today + dt.timedelta(days=30),
    )
    care_services.concern_follow_up(
        actor=coordinator, entry=entry, on=world.today, note=f"{MARK} follow-up"
    )
    round_ = care_services.screening_round_create(
        actor=coordinator,
        school=school,
        name="Autumn",
        starts_on=world.today - dt.timedelta(days=1),
        ends_on=world.today + dt.timedelta(days=7),
    )
    answer = ScreeningAnswer.objects.filter(round=round_).first()
    care_services.screening_item_add(
        actor=coordinator,
        answer=answer,
        description=f"{MARK} found",
        responsible=coordinator,
        measures=f"{MARK} measures",
        due_on=world.today + dt.timedelta(days=7),
    )
    # A pupil's open answer to the school's own question (a draft, then submitted).
    campaign = survey_helpers.campaign(
        coordinator,
        school,
        school_questions=[
            {"code": "school_wish", "kind": "text", "required": False, "text": {"en": "Wish?"}}
        ],
    )
    survey_helpers.pupils(tree.class_a, 2)
    (code_text,) = survey_services.codes_generate(
        actor=coordinator, campaign=campaign, class_unit=tree.class_a, count=1
    )
    code = survey_services.code_open(code_text=code_text)
    survey_helpers.answer(code, {**survey_helpers.full_answers(), "school_wish": f"{MARK} wish"})
    survey_services.response_submit(code=code)
    return web_report, report, case, entry


def shown(client, tree, web_report, report, case, entry):
    """The people who may read the content see all of it, files included."""
    client.force_login(tree.users["coordinator"])
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    for text in ("n", "we answer", "note", "witness", "file", "again"):
        assert f"{MARK} {text}" in page, text
    assert f"{MARK} restricted" not in page  # need-to-know holds as before
    other = Client()
    other.force_login(tree.users["psychologist"])
    page = other.get(url("cases:case_detail", case.pk)).content.decode()
    assert f"{MARK} restricted" in page
    page = client.get(url("intake:report_detail", web_report.pk)).content.decode()
    assert f"{MARK} pushes me" in page and f"{MARK}@example.org" in page
    page = client.get(url("care:concern_detail", entry.pk)).content.decode()
    assert f"{MARK} reason" in page and f"{MARK} follow-up" in page
    # Open answers are never published: the stored response still holds the pupil's words.
    assert Response.objects.get().answers["school_wish"] == f"{MARK} wish"
    for attachment, name in (
        (ReportAttachment.objects.get(), "intake:attachment_download"),
        (CaseAttachment.objects.get(), "cases:case_attachment"),
    ):
        owner = attachment.report_id if name.startswith("intake") else attachment.case_id
        response = client.get(url(name, owner, attachment.pk))
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == attachment.sha256


def assert_sealed(tmp_path):
    copy = database_copy(tmp_path)
    assert MARK.encode() not in copy
    assert b"hv1:" in copy  # sealed values are there, not merely missing
    files = media_files()
    assert len(files) == 2
    for path in files:
        raw = path.read_bytes()
        assert raw.startswith(crypto.FILE_MAGIC) and MARK.encode() not in raw


def test_the_marker_is_nowhere_at_rest_and_shown_to_who_may_read(client, tree, tmp_path):
    rows = fill(client, tree)
    assert_sealed(tmp_path)
    shown(client, tree, *rows)
    # Each school seals with its own key: school A's key does not open school B's content.
    assert set(DataKey.objects.values_list("unit_id", flat=True)) == {tree.school_a.pk}
    stored = Report.objects.filter(pk=rows[0].pk).values_list("description", flat=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM intake_report WHERE id = %s", [rows[0].pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("hv1:") and stored[0].startswith(MARK)


def test_rotation_keeps_everything_readable(client, tree, tmp_path, settings):
    rows = fill(client, tree)
    old_file = Path(settings.HAVEN_MASTER_KEY_FILE)
    old_id = crypto.master_keys()[0].id
    new_file = tmp_path / "new.key"
    call_command("keys_rotate", new_master_key_file=new_file)
    assert new_file.stat().st_mode & 0o777 == 0o600
    # Rolling restart: new key first, old one beside it; then the old one alone goes.
    settings.HAVEN_MASTER_KEY_FILE = f"{new_file},{old_file}"
    keys.forget()
    shown(client, tree, *rows)
    call_command("keys_rotate", drop_master=old_id)
    settings.HAVEN_MASTER_KEY_FILE = str(new_file)
    keys.forget()
    assert not DataKey.objects.filter(master_id=old_id).exists()
    shown(client, tree, *rows)
    # One school's content moves to a new data key; the old key is gone afterwards.
    old_keys = set(DataKey.objects.values_list("key_id", flat=True))
    call_command("keys_rotate", unit=tree.school_a.pk, settle=0, batch=2)
    keys.forget()
    new_keys = set(DataKey.objects.values_list("key_id", flat=True))
    assert new_keys and not new_keys & old_keys
    (new_key,) = new_keys
    for model, field in ((CaseNote, "body"), (ReportMessage, "body"), (Case, "narrative")):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {field} FROM {model._meta.db_table}")  # noqa: S608
            assert all(v.startswith(f"hv1:{new_key}:") for (v,) in cursor.fetchall())
    for path in media_files():
        assert crypto.bytes_key_id(path.read_bytes()) == new_key
    shown(client, tree, *rows)
    assert_sealed(tmp_path)


def test_a_wrong_master_key_fails_loudly_and_leaks_nothing(client, tree, tmp_path, settings):
    rows = fill(client, tree)
    wrong = tmp_path / "wrong.key"
    crypto.write_master_key_file(wrong)
    settings.HAVEN_MASTER_KEY_FILE = str(wrong)
    keys.forget()
    errors = master_key_check()
    assert [e.id for e in errors] == ["haven.E012"]
    assert "HAVEN_MASTER_KEY_FILE" in errors[0].msg
    # The same id with other key bytes (a damaged or swapped file): also refused.
    (stored_id,) = set(DataKey.objects.values_list("master_id", flat=True))
    wrong.write_text(crypto.master_key_line(key_id=stored_id))
    keys.forget()
    errors = master_key_check()
    assert [e.id for e in errors] == ["haven.E012"] and "does not open" in errors[0].msg
    client.raise_request_exception = False
    client.force_login(tree.users["coordinator"])
    response = client.get(url("cases:case_detail", rows[2].pk))
    assert response.status_code == 500
    assert MARK not in response.content.decode() and "hv1:" not in response.content.decode()
    with pytest.raises(crypto.CryptoError, match="does not open"):
        Case.objects.get(pk=rows[2].pk)


def test_production_refuses_to_start_without_a_master_key(settings, monkeypatch):
    from haven.security import checks

    settings.HAVEN_MASTER_KEY_FILE = ""
    settings.DEBUG = False
    monkeypatch.setattr(checks, "_testing", lambda: False)
    assert [e.id for e in master_key_check()] == ["haven.E010"]


def test_development_makes_its_key_file_once_readable_by_its_owner(settings, tmp_path):
    path = tmp_path / "var" / "master.key"
    settings.HAVEN_MASTER_KEY_FILE = str(path)
    settings.HAVEN_MASTER_KEY_GENERATE = True
    keys.forget()
    first = crypto.master_keys()[0].id
    assert path.stat().st_mode & 0o777 == 0o600
    keys.forget()
    assert crypto.master_keys()[0].id == first


def test_content_stored_before_encryption_reads_and_is_sealed_in_place(client, tree, tmp_path):
    report, _receipt = submit(tree.school_a, description=f"{MARK} old")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intake_report SET description = %s WHERE id = %s", [f"{MARK} plain", report.pk]
        )
    assert Report.objects.get(pk=report.pk).description == f"{MARK} plain"
    case = case_services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="T", reports=[report]
    )
    upload = SimpleUploadedFile("z.pdf", pdf_with(MARK), "application/pdf")
    attachment = case_services.case_file_add(
        actor=tree.users["coordinator"], case=case, upload=upload, description="d"
    )
    plain = attachment.file.plain()
    Path(attachment.file.path).write_bytes(plain)  # as a file stored before encryption
    assert CaseAttachment.objects.get().file.plain() == plain
    call_command("keys_rotate", encrypt_existing=True)
    assert Report.objects.get(pk=report.pk).description == f"{MARK} plain"
    assert MARK.encode() not in database_copy(tmp_path)
    stored = CaseAttachment.objects.get()
    assert stored.file.plain() == plain
    assert Path(stored.file.path).read_bytes().startswith(crypto.FILE_MAGIC)
    assert not ConcernEntry.objects.exists()


def test_a_sealed_value_moved_to_another_column_does_not_open(tree):
    report, _receipt = submit(tree.school_a, description="first", contact="second")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE intake_report SET contact = description WHERE id = %s", [report.pk])
    with pytest.raises(crypto.CryptoError, match=r"intake_report\.contact"):
        Report.objects.get(pk=report.pk)


def test_bulk_writes_that_would_store_plain_text_are_refused(tree):
    report, _receipt = submit(tree.school_a)
    with pytest.raises(crypto.CryptoError, match="save"):
        Report.objects.filter(pk=report.pk).update(description="plain")
    Report.objects.filter(pk=report.pk).update(contact="")  # erasing needs no key


def test_the_sqlite_copy_is_a_real_database(tmp_path):
    # The check above greps a real copy: it opens as a database with the reports table.
    if connection.vendor != "sqlite":
        assert shutil.which("pg_dump"), "pg_dump is needed to check a PostgreSQL copy"
        return
    target = database_copy(tmp_path)
    path = tmp_path / "again.sqlite3"
    path.write_bytes(target)
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "intake_report" in tables
