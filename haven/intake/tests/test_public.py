"""The public report form, the receipt page and the follow-up, as a reporter meets them."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from haven.audit.models import AuditEvent
from haven.intake.models import Report, ReportAttachment, Status
from haven.intake.tests.helpers import VALID, jpeg_with_gps, submit

RECEIPT = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}")


def form_data(**overrides):
    data = {**VALID, "submission_token": "tok-1", **overrides}
    return {k: v for k, v in data.items() if v is not None}


def post_report(client, school, **overrides):
    return client.post(f"/r/{school.code}/", form_data(**overrides))


def test_form_shows_danger_numbers_and_anonymity_first(client, tree):
    page = client.get(f"/r/{tree.school_a.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.index("In danger right now?") < page.index("Tell us what happened</h1>")
    assert 'href="tel:112"' in page
    assert "You do not have to say who you are" in page
    assert "Unit 5A" in page  # the class can be chosen on the school's form


def test_class_address_needs_no_class_choice_and_codes_ignore_case(client, tree):
    response = client.get(f"/r/{tree.school_a.code.lower()}/{tree.class_a.code}/")
    assert response.status_code == 200
    assert 'name="class_unit"' not in response.content.decode()


def test_unknown_school_gets_a_clear_translated_message(client, tree):
    response = client.get("/r/NO-SUCH-SCHOOL/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert b"There is no school with this code" in response.content


def test_sending_stores_the_report_and_shows_the_receipt_once(client, tree, mailoutbox):
    response = post_report(client, tree.school_a)
    assert response.status_code == 200
    page = response.content.decode()
    receipt = RECEIPT.search(page).group(0)
    assert "shown only this once" in page
    assert response["Cache-Control"].startswith("max-age=0")
    report = Report.objects.get()
    assert report.status == Status.NEW and report.channel == "web"
    assert report.receipt_lookup == receipt.replace("-", "")[:8]
    event = AuditEvent.objects.get(action="report.submit")
    assert event.actor is None and event.org_unit == tree.school_a


def test_class_report_is_filed_under_the_class(client, tree):
    client.post(f"/r/{tree.school_a.code}/{tree.class_a.code}/", form_data())
    assert Report.objects.get().class_unit == tree.class_a


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": "   "}, "Please tell us what happened."),
        ({"description": "x" * 5001}, "at most 5000 characters"),
        ({"affected": None}, "This field is required."),
        ({"harms": ["not-a-harm"]}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(client, tree, overrides, message):
    response = post_report(client, tree.school_a, **overrides)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Report.objects.count() == 0
    assert not AuditEvent.objects.filter(action="report.submit").exists()


def test_sending_twice_with_the_same_form_stores_one_report(client, tree):
    post_report(client, tree.school_a)
    again = post_report(client, tree.school_a)
    assert Report.objects.count() == 1
    assert b"already received" in again.content


def test_honeypot_looks_sent_but_stores_nothing(client, tree):
    response = post_report(client, tree.school_a, website="http://spam.example")
    assert response.status_code == 200
    assert RECEIPT.search(response.content.decode()) is None
    assert Report.objects.count() == 0


def test_reports_per_school_are_rate_limited(client, tree, settings):
    settings.HAVEN_REPORTS_PER_SCHOOL = 2
    for token in ("a", "b"):
        assert post_report(client, tree.school_a, submission_token=token).status_code == 200
    response = post_report(client, tree.school_a, submission_token="c")
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert Report.objects.count() == 2
    # another school's channel stays open
    assert post_report(client, tree.school_b, submission_token="d").status_code == 200


def test_oversize_body_is_refused_before_reading(client, tree, settings):
    settings.HAVEN_MAX_REQUEST_BYTES = 1000
    response = post_report(client, tree.school_a, description="x" * 2000)
    assert response.status_code == 413
    assert Report.objects.count() == 0


def test_photo_loses_its_gps_and_camera(client, tree):
    photo = SimpleUploadedFile("IMG_ana_popescu.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(f"/r/{tree.school_a.code}/", {**form_data(), "files": [photo]})
    assert response.status_code == 200
    attachment = ReportAttachment.objects.get()
    assert attachment.content_type == "image/jpeg"
    assert "ana_popescu" not in attachment.file.name
    with attachment.file.open("rb") as handle:
        data = handle.read()
    assert b"SecretPhone" not in data and b"PhoneMaker" not in data
    # The stored file is sealed; its opened (decrypted) content is the cleaned photo.
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()


def test_file_type_comes_from_content_not_name(client, tree):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    response = client.post(f"/r/{tree.school_a.code}/", {**form_data(), "files": [fake]})
    assert response.status_code == 422
    assert b"Only photos, screenshots" in response.content
    assert Report.objects.count() == 0 and ReportAttachment.objects.count() == 0


def test_oversize_file_is_refused(client, tree, settings):
    settings.HAVEN_ATTACHMENT_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2000)
    response = client.post(f"/r/{tree.school_a.code}/", {**form_data(), "files": [big]})
    assert response.status_code == 422
    assert b"The file is too large" in response.content
    assert Report.objects.count() == 0


def test_followup_shows_status_and_lets_the_reporter_write(client, tree):
    report, receipt = submit(tree.school_a)
    page = client.post("/follow-up/", {"receipt": str(receipt).lower()}).content.decode()
    assert "Received" in page and tree.school_a.name in page
    assert report.description not in page  # the follow-up shows no private details
    response = client.post(
        "/follow-up/", {"receipt": str(receipt), "action": "write", "body": "It happened again."}
    )
    assert b"Sent. The school will see it." in response.content
    assert report.messages.get().body == "It happened again."


def test_receipt_is_never_put_in_a_url(client, tree):
    _report, receipt = submit(tree.school_a)
    response = client.get("/follow-up/", {"receipt": str(receipt)})
    assert str(receipt) not in response.content.decode()
    assert b'method="post"' in response.content


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "This does not look like a receipt"),
        ("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345", "This receipt was not found"),
    ],
)
def test_wrong_receipts_get_a_clear_message(client, tree, text, message):
    response = client.post("/follow-up/", {"receipt": text})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_guessing_one_receipt_is_throttled(client, tree, settings):
    settings.HAVEN_FOLLOWUP_FAILURES_PER_RECEIPT = 3
    _report, receipt = submit(tree.school_a)
    wrong = receipt.lookup + "0" * 20
    for _ in range(3):
        assert client.post("/follow-up/", {"receipt": wrong}).status_code == 400
    # Even the right secret is refused for a while once that receipt was attacked.
    assert client.post("/follow-up/", {"receipt": str(receipt)}).status_code == 429


def test_guessing_across_receipts_is_throttled_overall(client, tree, settings):
    settings.HAVEN_FOLLOWUP_FAILURES_OVERALL = 2
    client.post("/follow-up/", {"receipt": "nonsense"})
    client.post("/follow-up/", {"receipt": "more nonsense"})
    assert client.post("/follow-up/", {"receipt": "x"}).status_code == 429


def test_coordinators_are_emailed_in_their_language_without_details(
    client, tree, django_capture_on_commit_callbacks
):
    coordinator = tree.users["coordinator"]
    coordinator.language = "ro"
    coordinator.save()
    with django_capture_on_commit_callbacks(execute=True):
        post_report(client, tree.school_a, harms=["self_harm"])
    # Urgent: the school's responders, coordinators and principal alike.
    assert sorted(m.to for m in mail.outbox) == [
        [coordinator.email],
        [tree.users["principal"].email],
    ]
    message = next(m for m in mail.outbox if m.to == [coordinator.email])
    assert message.subject.startswith("URGENT") or "URGENT" in message.subject.upper()
    assert VALID["description"] not in message.body
    assert "/ro/inbox/" in message.body
    assert Report.objects.get().urgent


def test_times_are_shown_in_the_schools_time_zone(client, tree):
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        _report, receipt = submit(tree.school_a)
    page = client.post(
        "/follow-up/", {"receipt": str(receipt)}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Nov. 23, 2026, noon" in page  # 10:00 UTC is 12:00 in Bucharest
