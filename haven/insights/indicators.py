"""The indicators: what each figure counts, its translated name and definition, how it rolls up.

Every stored indicator is a count that rolls up by summing over schools (never an average of
percentages). Derived ones are computed from stored counts when read:
- a *stock* (``cases.open_at_end``) is the sum of its flows up to the period's end
  (cases opened minus cases closed), so it needs no cell per day and no refresh as time passes;
- a *share* is numerator / denominator, both summed first;
- a *mean* is sum / n from stored n, sum and sum of squares (survey scale scores, the sums in
  thousandths so that they stay integers), with a normal 95% interval;
- a *change* is a share minus the same share of the school year before (percentage points).

Survey indicators are ``yearly``: they come from the surveys app's school-year aggregates (a
school's whole year: every campaign of the year, one per class, see
``surveys.aggregates.school_year_rows``) and are stored only in school-year cells; any range
reads the school year it ends in.

``family`` names what a school must have recorded in a period to count as having data for the
indicator (its ``coverage.<family>`` cell); schools without it are counted as "no data".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.intake.models import Channel


class Rollup(Enum):
    SUM = "sum"  # a count: the sum over the subtree and the period
    STOCK = "stock"  # flows[0] minus flows[1], summed from the beginning to the period's end
    SHARE = "share"  # numerator / denominator, each summed first
    MEAN = "mean"  # parts: n, sum and sum of squares (thousandths), each summed first
    CHANGE = "change"  # a SHARE's parts: this school year's share minus last year's


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str | Promise
    definition: str | Promise
    family: str
    rollup: Rollup = Rollup.SUM
    # Breakdown values, in display order; empty for a single figure. The figure is the sum of
    # its categories (for harms, a report naming two counts twice): the disclosure rule
    # protects them together (``selectors._Tree.breakdown``).
    breakdowns: tuple[str, ...] = ()
    parts: tuple[str, ...] = field(default_factory=tuple)  # STOCK flows / SHARE num, den
    yearly: bool = False  # stored per school year only (surveys)

    @property
    def stored(self) -> bool:
        return self.rollup is Rollup.SUM


# Stored survey counts that are parts of a figure, not figures themselves (not registered).
SURVEY_SCALES = ("safety", "wellbeing")
SURVEY_SUM_SCALE = 1000  # sums of scale scores are stored in thousandths


def survey_parts(scale: str) -> tuple[str, str, str]:
    return (f"surveys.{scale}_n", f"surveys.{scale}_sum", f"surveys.{scale}_sumsq")


VICTIM_PARTS = ("surveys.victims", "surveys.victim_answers")
BULLY_PARTS = ("surveys.perpetrators", "surveys.perpetrator_answers")

FIRST_RESPONSE_BUCKETS = ("0-1h", "1-4h", "4-24h", "1-3d", "over3d", "none")
MONTH_BUCKETS = ("0-1m", "1-3m", "3-6m", "over6m")
ANSWER_BUCKETS = ("0-1d", "1-3d", "3-7d", "over7d")

REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.code in REGISTRY:
        raise ValueError(f"indicator {indicator.code} registered twice")
    REGISTRY[indicator.code] = indicator
    return indicator


def get(code: str) -> Indicator:
    return REGISTRY[code]


def codes() -> list[str]:
    return list(REGISTRY)


for _ind in (
    # Reports (counted on the day they were received; merged duplicates left out).
    Indicator("reports.total", _("Reports"), _("Reports received in the period."), "reports"),
    Indicator(
        "reports.urgent",
        _("Urgent reports"),
        _("Reports received in the period and marked urgent."),
        "reports",
    ),
    Indicator(
        "reports.anonymous",
        _("Anonymous reports"),
        _("Reports received without a contact and not entered by staff."),
        "reports",
    ),
    Indicator(
        "reports.anonymous_share",
        _("Share of anonymous reports"),
        _("Anonymous reports as a share of all reports received in the period."),
        "reports",
        rollup=Rollup.SHARE,
        parts=("reports.anonymous", "reports.total"),
    ),
    Indicator(
        "reports.by_channel",
        _("Reports by channel"),
        _("Reports received in the period, by the way they came in."),
        "reports",
        breakdowns=tuple(Channel.values),
    ),
    Indicator(
        "reports.by_harm",
        _("Reports by kind of harm"),
        _("Reports received in the period, by kind of harm (a report may name several)."),
        "reports",
    ),
    Indicator(
        "reports.by_place",
        _("Reports by place"),
        _("Reports received in the period, by where it happened."),
        "reports",
    ),
    Indicator(
        "reports.by_reporter_role",
        _("Reports by reporter"),
        _("Reports received in the period, by who reported."),
        "reports",
    ),
    Indicator(
        "reports.first_response",
        _("Time to first response"),
        _("Reports received in the period, by the time until the school first responded."),
        "reports",
        breakdowns=FIRST_RESPONSE_BUCKETS,
    ),
    # Cases.
    Indicator("cases.opened", _("Cases opened"), _("Cases opened in the period."), "cases"),
    Indicator("cases.closed", _("Cases closed"), _("Cases closed in the period."), "cases"),
    Indicator(
        "cases.open_at_end",
        _("Open cases"),
        _("Cases still open at the end of the period."),
        "cases",
        rollup=Rollup.STOCK,
        parts=("cases.opened", "cases.closed"),
    ),
    Indicator(
        "cases.by_type",
        _("Cases by type"),
        _("Cases opened in the period, by case type."),
        "cases",
    ),
    Indicator(
        "cases.by_severity",
        _("Cases by severity"),
        _("Cases opened in the period, by severity."),
        "cases",
    ),
    Indicator(
        "cases.by_determination",
        _("Cases by determination"),
        _("Cases closed in the period, by what was determined."),
        "cases",
    ),
    Indicator(
        "cases.report_to_case",
        _("Time from report to case"),
        _("Cases opened in the period, by the time since their first report."),
        "cases",
        breakdowns=MONTH_BUCKETS,
    ),
    Indicator(
        "cases.duration",
        _("Time from opening to closing"),
        _("Cases closed in the period, by how long they were open."),
        "cases",
        breakdowns=MONTH_BUCKETS,
    ),
    Indicator(
        "deadlines.met",
        _("Deadlines met"),
        _("Deadlines falling due in the period that were met in time."),
        "cases",
    ),
    Indicator(
        "deadlines.missed",
        _("Deadlines missed"),
        _("Deadlines falling due in the period that were not met in time."),
        "cases",
    ),
    Indicator(
        "cases.escalations",
        _("Escalations"),
        _("Missed deadlines escalated to the level above in the period."),
        "cases",
    ),
    Indicator(
        "referrals.sent",
        _("Referrals"),
        _("Referrals sent to partner agencies in the period, by kind."),
        "cases",
    ),
    Indicator(
        "referrals.answer_time",
        _("Referral answer times"),
        _("Referrals answered in the period, by the time the agency took to answer."),
        "cases",
        breakdowns=ANSWER_BUCKETS,
    ),
    Indicator("appeals.filed", _("Appeals"), _("Appeals made against a determination."), "cases"),
    Indicator(
        "appeals.decided",
        _("Appeals decided"),
        _("Appeals decided in the period, by outcome."),
        "cases",
    ),
    # Prevention (dated by when it happened; a plan on the first day of its school year).
    Indicator(
        "prevention.plans",
        _("Schools with a plan"),
        _("Schools with a prevention plan for the school year."),
        "prevention",
    ),
    Indicator(
        "prevention.activities_due",
        _("Plan activities due"),
        _("Planned activities (not cancelled) whose end date fell in the period."),
        "prevention",
    ),
    Indicator(
        "prevention.activities_done",
        _("Plan activities done"),
        _("Activities due in the period that were done."),
        "prevention",
    ),
    Indicator(
        "prevention.activities_done_share",
        _("Share of plan activities done"),
        _("Activities done as a share of the activities due in the period."),
        "prevention",
        rollup=Rollup.SHARE,
        parts=("prevention.activities_done", "prevention.activities_due"),
    ),
    Indicator(
        "prevention.trainings",
        _("Trainings held"),
        _("Training sessions held for the school's staff in the period."),
        "prevention",
    ),
    Indicator(
        "prevention.staff_trained",
        _("Staff attendances at trainings"),
        _("Staff members recorded at the trainings held in the period (one per session)."),
        "prevention",
    ),
    Indicator(
        "prevention.pledges",
        _("Pledges signed"),
        _("Pledges signed by staff in the period."),
        "prevention",
    ),
    Indicator(
        "prevention.parent_meetings",
        _("Parent meetings held"),
        _("Parent meetings on safety held in the period."),
        "prevention",
    ),
    Indicator(
        "prevention.channels_published",
        _("Channels made known"),
        _("Report channels made known to a class or to the school in the period."),
        "prevention",
    ),
    # Care (restricted registers: only counts leave the school).
    Indicator(
        "care.concerns_opened",
        _("Pupils of concern registered"),
        _("Pupils entered in the register of concern in the period."),
        "care",
    ),
    Indicator(
        "care.concerns_closed",
        _("Pupils of concern closed"),
        _("Entries of the register of concern closed in the period."),
        "care",
    ),
    Indicator(
        "care.concerns_open_at_end",
        _("Pupils of concern open"),
        _("Entries of the register of concern still open at the end of the period."),
        "care",
        rollup=Rollup.STOCK,
        parts=("care.concerns_opened", "care.concerns_closed"),
    ),
    Indicator(
        "care.reviews",
        _("Reviews of pupils of concern"),
        _("Follow-ups recorded for pupils of concern in the period."),
        "care",
    ),
    Indicator(
        "care.screening_rounds",
        _("Screening rounds done"),
        _("Conflict screening rounds that ended in the period."),
        "care",
    ),
    Indicator(
        "care.decisions_overdue",
        _("Committee decisions overdue"),
        _("Committee decisions due in the period and not done by their date."),
        "care",
    ),
    # Surveys (per school year: the school's whole year, see the module's note).
    Indicator(
        "surveys.respondents",
        _("Survey respondents"),
        _("Pupils who answered the school's surveys of the school year (each pupil once)."),
        "surveys",
        yearly=True,
    ),
    Indicator(
        "surveys.invited",
        _("Pupils invited to the survey"),
        _("Pupils in the classes the school's surveys of the school year were given to."),
        "surveys",
        yearly=True,
    ),
    Indicator(
        "surveys.response_rate",
        _("Survey response rate"),
        _("Pupils who answered as a share of the pupils invited."),
        "surveys",
        rollup=Rollup.SHARE,
        parts=("surveys.respondents", "surveys.invited"),
        yearly=True,
    ),
    Indicator(
        "surveys.victimisation",
        _("Pupils bullied"),
        _("Pupils bullied two or three times a month or more, as a share of those who answered."),
        "surveys",
        rollup=Rollup.SHARE,
        parts=VICTIM_PARTS,
        yearly=True,
    ),
    Indicator(
        "surveys.perpetration",
        _("Pupils who bullied others"),
        _(
            "Pupils who bullied others two or three times a month or more, as a share of those "
            "who answered."
        ),
        "surveys",
        rollup=Rollup.SHARE,
        parts=BULLY_PARTS,
        yearly=True,
    ),
    Indicator(
        "surveys.victimisation_change",
        _("Change in pupils bullied"),
        _("The share of pupils bullied minus the same share a school year earlier."),
        "surveys",
        rollup=Rollup.CHANGE,
        parts=VICTIM_PARTS,
        yearly=True,
    ),
    Indicator(
        "surveys.perpetration_change",
        _("Change in pupils who bullied others"),
        _("The share of pupils who bullied others minus the same share a school year earlier."),
        "surveys",
        rollup=Rollup.CHANGE,
        parts=BULLY_PARTS,
        yearly=True,
    ),
    Indicator(
        "surveys.safety",
        _("Feeling safe (mean score)"),
        _("Mean score of the safety scale (with its confidence interval)."),
        "surveys",
        rollup=Rollup.MEAN,
        parts=survey_parts("safety"),
        yearly=True,
    ),
    Indicator(
        "surveys.wellbeing",
        _("Wellbeing (mean score)"),
        _("Mean score of the wellbeing scale (with its confidence interval)."),
        "surveys",
        rollup=Rollup.MEAN,
        parts=survey_parts("wellbeing"),
        yearly=True,
    ),
):
    register(_ind)

# What the API documents and guarantees at least (the enum of the figures endpoint).
API_CODES = (
    "reports.total",
    "reports.urgent",
    "reports.anonymous",
    "reports.anonymous_share",
    "cases.opened",
    "cases.closed",
    "cases.open_at_end",
    "deadlines.met",
    "deadlines.missed",
    "cases.escalations",
    "referrals.sent",
    "appeals.filed",
    "surveys.respondents",
    "surveys.response_rate",
    "surveys.victimisation",
    "surveys.perpetration",
    "surveys.victimisation_change",
    "surveys.perpetration_change",
    "surveys.safety",
    "surveys.wellbeing",
)
