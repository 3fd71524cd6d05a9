"""The API's plain report check gives the web form's answers, whatever comes in."""

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from haven.intake.forms import ReportForm
from haven.intake.models import Affected, Harm, ReporterRole, SchoolPlace
from haven.intake.validation import FIELDS, check_report
from haven.lib import ttlcache
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
        [*Affected.values, *ReporterRole.values, *Harm.values, "yard", "sports-hall", "nowhere"]
    ),
)
VALUES = {
    "description": TEXTS,
    "when_text": TEXTS,
    "contact": TEXTS,
    "place": CHOICE,
    "affected": CHOICE,
    "reporter_role": CHOICE,
    "harms": st.one_of(CHOICE, st.lists(st.sampled_from([*Harm.values, "flying", ""]), max_size=4)),
}
REPORTS = st.fixed_dictionaries({}, optional={name: VALUES[name] for name in FIELDS})


class SameRulesAsTheForm(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = build_tree()
        SchoolPlace.objects.create(school=cls.tree.school_a, code="sports-hall", label="Gym")

    def setUp(self):
        ttlcache.clear()

    @settings(max_examples=300)
    @given(data=REPORTS, language=st.sampled_from(["en", "ro", "zh-hans"]))
    def test_check_report_accepts_refuses_and_cleans_like_the_form(self, data, language):
        with translation.override(language):
            form = ReportForm(data=data, school=self.tree.school_a, with_class_choice=False)
            form_valid = form.is_valid()
            cleaned, errors = check_report(data, school=self.tree.school_a)
            form_errors = {name: list(messages) for name, messages in form.errors.items()}
        # The honeypot and files are the web page's; the API has neither.
        form_errors = {name: m for name, m in form_errors.items() if name in FIELDS}
        assert errors == form_errors
        if form_valid:
            assert cleaned == {name: form.cleaned_data[name] for name in FIELDS}

    def test_a_known_bad_report_gets_translated_messages_per_field(self):
        with translation.override("ro"):
            cleaned, errors = check_report(
                {"description": "  ", "affected": "everyone", "place": "moon"},
                school=self.tree.school_a,
            )
        assert set(errors) == {"description", "affected", "reporter_role", "place"}
        assert errors["description"] == ["Te rugăm să ne spui ce s-a întâmplat."]
        assert "description" not in cleaned
