"""One rule function for every channel: the web form, staff entry and the JSON API refuse the
same input with the same translated messages, because each calls ``rules.report_clean``."""

import json

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from haven.intake import rules
from haven.intake.forms import ReportForm
from haven.intake.models import Affected, Harm, Report, ReporterRole, SchoolPlace, TimeOfDay
from haven.intake.rules import FIELDS, report_clean
from haven.intake.tests.helpers import VALID
from haven.lib import ttlcache
from haven.lib.errors import FieldErrors
from haven.orgs.tests.factories import build_tree

TEXTS = st.one_of(
    st.none(),
    st.just(""),
    st.just("   "),
    st.text(max_size=30),
    st.text(alphabet="ab \x00\n", min_size=190, max_size=210),  # around when/contact's limit
    st.just("x" * 5001),  # over the description's limit
)
CHOICE = st.one_of(
    TEXTS,
    st.sampled_from(
        [
            *Affected.values,
            *ReporterRole.values,
            *Harm.values,
            *TimeOfDay.values,
            "yard",
            "sports-hall",
            "nowhere",
        ]
    ),
)
VALUES = {
    "description": TEXTS,
    "when_text": TEXTS,
    "contact": TEXTS,
    "place": CHOICE,
    "time_of_day": CHOICE,
    "affected": CHOICE,
    "reporter_role": CHOICE,
    "harms": st.one_of(CHOICE, st.lists(st.sampled_from([*Harm.values, "flying", ""]), max_size=4)),
}
REPORTS = st.fixed_dictionaries({}, optional={name: VALUES[name] for name in FIELDS})


def outcome(call):
    try:
        return call(), {}
    except FieldErrors as refused:
        return None, refused.errors


class FormsCallTheRules(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = build_tree()
        SchoolPlace.objects.create(school=cls.tree.school_a, code="sports-hall", label="Gym")

    def setUp(self):
        ttlcache.clear()

    @settings(max_examples=200)
    @given(data=REPORTS, language=st.sampled_from(["en", "ro", "zh-hans"]))
    def test_the_web_form_gives_the_rules_answer_whatever_comes_in(self, data, language):
        school, given_class = self.tree.school_a, self.tree.class_a
        post = {k: v for k, v in data.items() if v is not None}
        with translation.override(language):
            form = ReportForm(data=post, school=school, class_unit=given_class)
            form.is_valid()
            clean, errors = outcome(
                lambda: report_clean(post, school=school, channel="web", class_unit=given_class)
            )
            form_errors = {name: list(messages) for name, messages in form.errors.items()}
        assert form_errors == errors
        assert form.report == clean


# One bad report, sent through each channel: blank description, unknown answers, a place the
# school does not have, an unknown kind of harm and a "when" over its limit.
BAD = {
    "description": "   ",
    "affected": "everyone",
    "place": "moon",
    "harms": ["flying"],
    "when_text": "w" * 201,
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ro", "vi"])
def test_every_channel_refuses_the_same_input_with_the_same_translated_messages(
    client, tree, language
):
    with translation.override(language):
        _clean, expected = outcome(lambda: report_clean(BAD, school=tree.school_a, channel="web"))
        assert expected["description"] == [str(rules.DESCRIPTION_REQUIRED)]
    assert set(expected) == {
        "description",
        "affected",
        "reporter_role",
        "place",
        "harms",
        "when_text",
    }
    assert expected["description"] != ["Please tell us what happened."]  # translated
    headers = {"HTTP_ACCEPT_LANGUAGE": language}

    # The JSON API (its "when" is the rules' "when_text").
    payload = {**{k: v for k, v in BAD.items() if k != "when_text"}, "when": BAD["when_text"]}
    payload["school"] = tree.school_a.code
    response = client.post(
        "/api/v1/reports", json.dumps(payload), content_type="application/json", **headers
    )
    assert response.status_code == 422
    assert response.json()["errors"] == expected

    # The public web form.
    response = client.post(f"/r/{tree.school_a.code}/", BAD, **headers)
    assert response.status_code == 422
    assert dict(response.context["form"].errors) == expected

    # Staff entry, by a member whose language is the reporter's.
    staff = tree.users["staff"]
    staff.language = language
    staff.save(update_fields=["language"])
    client.force_login(staff)
    response = client.post(reverse("intake:report_enter"), {**BAD, "channel": "hotline"}, **headers)
    assert dict(response.context["form"].errors) == expected
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_a_channel_a_staff_member_does_not_record_is_refused_by_the_rules(tree):
    with translation.override("ro"):
        _clean, errors = outcome(
            lambda: report_clean(VALID, school=tree.school_a, channel="web", staff=True)
        )
        _clean, public = outcome(
            lambda: report_clean(VALID, school=tree.school_a, channel="hotline")
        )
    with translation.override("ro"):
        message = translation.gettext("Choose how the report reached you.")
    assert message != "Choose how the report reached you."
    assert errors == public == {"channel": [message]}


@pytest.mark.django_db
def test_a_class_of_another_school_is_refused(tree):
    _clean, errors = outcome(
        lambda: report_clean(VALID, school=tree.school_b, channel="api", class_unit=tree.class_a)
    )
    assert errors == {"class_unit": ["This class is not part of the school."]}


@pytest.mark.django_db
def test_too_many_files_are_refused_before_any_is_read(tree, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from haven.intake.tests.test_file_metadata import pdf_with_author

    settings.HAVEN_ATTACHMENTS_PER_MESSAGE = 1
    files = [SimpleUploadedFile(f"{n}.pdf", pdf_with_author()) for n in range(2)]
    _clean, errors = outcome(
        lambda: report_clean(VALID, school=tree.school_a, channel="web", files=files)
    )
    assert errors == {"files": ["At most 1 files at a time."]}
    clean = report_clean(VALID, school=tree.school_a, channel="web", files=files[:1])
    assert [f.content_type for f in clean.files] == ["application/pdf"]
