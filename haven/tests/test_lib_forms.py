"""haven.lib.forms: ids from forms are read strictly, never into a server error."""

import json

import pytest
from django.core.exceptions import ValidationError

from haven.lib.forms import LARGEST_ID, ModelMultipleChoiceField, parse_id
from haven.orgs.models import OrgUnit


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("7", 7),
        (str(LARGEST_ID), LARGEST_ID),
        (str(LARGEST_ID + 1), None),
        ("0", None),
        ("-1", None),
        (" 7", None),
        ("7_0", None),
        ("²", None),
        ("١٢", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id_reads_only_plain_digits_in_range(sent, expected):
    assert parse_id(sent) == expected


@pytest.mark.django_db
def test_an_id_too_large_for_the_database_is_a_wrong_choice(tree):
    field = ModelMultipleChoiceField(queryset=OrgUnit.objects.all())
    assert list(field.clean([str(tree.school_a.pk)])) == [tree.school_a]
    with pytest.raises(ValidationError) as refused:
        field.clean([str(tree.school_a.pk), "9" * 25])
    assert refused.value.code == "invalid_choice"


@pytest.mark.django_db
def test_a_nul_character_in_a_form_value_is_refused_in_the_readers_language(client, tree):
    client.force_login(tree.users["coordinator"])
    report_form = f"/ro/r/{tree.school_a.code}/"
    refused = client.post(report_form, {"description": "a\x00b"})
    assert refused.status_code == 400
    assert refused.content.decode() == "Unele dintre informațiile introduse nu sunt valide."
    assert client.get("/ro/inbox/", {"status": "\x00"}).status_code == 400
    assert client.get("/ro/inbox/", {"status": "new"}).status_code == 200


@pytest.mark.django_db
def test_a_nul_character_in_a_json_body_is_refused_before_the_database(client, tree):
    """PostgreSQL cannot store it: the fuzzer's school code "...\\u0000" was a server error."""
    body = {"school": tree.school_a.code + "\x00", "description": "x", "harms": ["verbal"]}
    refused = client.post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["status"] == 400
    # A backslash before "u0000" is text, not a NUL: such a report is taken.
    body = {"school": tree.school_a.code, "description": "typed \\u0000 as text"}
    body |= {"harms": ["verbal"], "affected": "me", "reporter_role": "pupil"}
    taken = client.post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert taken.status_code == 201, taken.content
