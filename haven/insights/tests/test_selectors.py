import datetime as dt

import pytest

from haven.insights import selectors
from haven.insights.models import Cell
from haven.lib.errors import InvalidInput, NotFound

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
OCT_END = dt.date(2026, 10, 31)


def put(unit, indicator, value, *, kind="month", start=OCT, breakdown=""):
    Cell.objects.create(
        unit=unit, kind=kind, start=start, indicator=indicator, breakdown=breakdown, value=value
    )


def counts(tree, a, b, indicator="reports.total"):
    """School a and b's counts, summed up the tree as the refresh does."""
    put(tree.school_a, indicator, a)
    put(tree.zone_a, indicator, a)
    put(tree.school_b, indicator, b)
    put(tree.zone_b, indicator, b)
    put(tree.county, indicator, a + b)
    put(tree.country, indicator, a + b)


def test_inspector_reads_county_figures_with_small_counts_hidden(tree):
    counts(tree, 3, 40)
    rows, total = selectors.children_figures(
        user=tree.users["inspector"],
        unit=tree.county,
        start=OCT,
        end=OCT_END,
        codes=["reports.total"],
    )
    assert total["reports.total"].value == 43
    by_unit = {unit.code: figures["reports.total"] for unit, figures in rows}
    assert by_unit["ZA"].hidden and by_unit["ZA"].text == "under 10"
    # The other zone would give zone A away (43 - 40): hidden too.
    assert by_unit["ZB"].hidden and by_unit["ZB"].value is None
    # ... and stays hidden on its own page.
    own = selectors.figures(
        user=tree.users["inspector"],
        unit=tree.zone_b,
        start=OCT,
        end=OCT_END,
        codes=["reports.total"],
    )
    assert own["reports.total"].hidden


def test_the_school_reads_its_own_exact_figures(tree):
    counts(tree, 3, 40)
    own = selectors.figures(
        user=tree.users["principal"],
        unit=tree.school_a,
        start=OCT,
        end=OCT_END,
        codes=["reports.total"],
    )
    assert own["reports.total"].value == 3 and not own["reports.total"].hidden


def test_a_school_cannot_read_another_school_nor_the_county(tree):
    for unit in (tree.school_b, tree.county):
        with pytest.raises(NotFound):
            selectors.figures(user=tree.users["coordinator"], unit=unit, start=OCT, end=OCT_END)
    with pytest.raises(NotFound):
        selectors.figures(user=tree.users["staff"], unit=tree.school_a, start=OCT, end=OCT_END)


def test_open_cases_are_the_flows_up_to_the_end(tree):
    put(tree.county, "cases.opened", 30, start=dt.date(2026, 9, 1))
    put(tree.county, "cases.opened", 5)
    put(tree.county, "cases.closed", 12, kind="day", start=dt.date(2026, 10, 10))
    put(tree.country, "cases.opened", 35)
    found = selectors.figures(
        user=tree.users["inspector"],
        unit=tree.county,
        start=OCT,
        end=dt.date(2026, 10, 20),
        codes=["cases.open_at_end", "cases.closed"],
    )
    assert found["cases.open_at_end"].value == 30 - 12
    assert found["cases.closed"].value == 12


def test_schools_without_data_are_counted(tree):
    counts(tree, 20, 0)
    put(tree.school_a, "coverage.reports", 1)
    put(tree.zone_a, "coverage.reports", 1)
    put(tree.county, "coverage.reports", 1)
    found = selectors.figures(
        user=tree.users["inspector"],
        unit=tree.county,
        start=OCT,
        end=OCT_END,
        codes=["reports.total"],
    )
    assert found["reports.total"].no_data == 1


def test_a_share_that_tells_every_answer_is_not_shown(tree):
    counts(tree, 12, 0)
    counts(tree, 12, 0, "reports.anonymous")
    found = selectors.figures(
        user=tree.users["inspector"],
        unit=tree.county,
        start=OCT,
        end=OCT_END,
        codes=["reports.anonymous_share"],
    )
    assert found["reports.anonymous_share"].value is None
    assert found["reports.anonymous_share"].text != "100%"


def test_bad_range_and_unknown_code_are_refused(tree):
    with pytest.raises(InvalidInput):
        selectors.figures(user=tree.users["inspector"], unit=tree.county, start=OCT_END, end=OCT)
    with pytest.raises(InvalidInput):
        selectors.figures(
            user=tree.users["inspector"],
            unit=tree.county,
            start=OCT,
            end=OCT_END,
            codes=["nope"],
        )


def test_series_has_one_figure_per_month(tree):
    counts(tree, 20, 30)
    found = selectors.series(
        user=tree.users["inspector"],
        unit=tree.county,
        code="reports.total",
        start=dt.date(2026, 9, 1),
        end=OCT_END,
    )
    assert [(d, f.value) for d, f in found] == [(dt.date(2026, 9, 1), 0), (OCT, 50)]


def test_figures_read_a_fixed_number_of_queries_whatever_the_number_of_units(
    tree, django_assert_max_num_queries
):
    from haven.orgs.tests.factories import unit

    counts(tree, 20, 30)
    for i in range(30):
        school = unit(tree.zone_b, "school", f"EXTRA-{i}")
        put(school, "reports.total", 12)
    args = {"unit": tree.county, "start": OCT, "end": OCT_END}
    inspector = tree.users["inspector"]
    selectors.figures(user=inspector, **args)  # grants cached on the user
    # One query per kind of period read (each answered by the cells' index), whatever the
    # number of units.
    with django_assert_max_num_queries(10):
        selectors.figures(user=inspector, **args)
    with django_assert_max_num_queries(18):
        selectors.children_figures(user=inspector, **args)
    with django_assert_max_num_queries(18):
        selectors.children_figures(user=inspector, unit=tree.zone_b, start=OCT, end=OCT_END)


def test_a_small_category_cannot_be_read_off_its_column_or_its_row(tree):
    """Zone A had 3 reports by hotline. Its hotline count is hidden; so is zone B's (else the
    county's 23 minus B's 20 gives it away), and in each zone's row one more cell (else the
    zone's total minus its web count does); each zone's own page shows the same cells."""
    rows = {"web": (25, 20), "hotline": (3, 20)}
    for channel, (a, b) in rows.items():
        for unit, value in (
            (tree.school_a, a),
            (tree.zone_a, a),
            (tree.school_b, b),
            (tree.zone_b, b),
            (tree.county, a + b),
            (tree.country, a + b),
        ):
            put(unit, "reports.by_channel", value, breakdown=channel)
    inspector = tree.users["inspector"]
    args = {"start": OCT, "end": OCT_END, "codes": ["reports.by_channel"]}
    found, total = selectors.children_figures(user=inspector, unit=tree.county, **args)
    figure = {unit.code: figures["reports.by_channel"] for unit, figures in found}
    county = total["reports.by_channel"]
    assert county.value == 68 and county.parts["hotline"].value == 23
    for code in ("ZA", "ZB"):
        parts = figure[code].parts
        assert parts["hotline"].hidden
        assert figure[code].hidden or parts["web"].hidden
        own = selectors.figures(
            user=inspector, unit=getattr(tree, f"zone_{code[1].lower()}"), **args
        )
        assert own["reports.by_channel"].hidden == figure[code].hidden
        assert {k: p.hidden for k, p in own["reports.by_channel"].parts.items()} == {
            k: p.hidden for k, p in parts.items()
        }


@pytest.mark.parametrize("who", ["inspector", "admin", "principal"])
def test_the_children_tables_total_row_is_the_units_own_figures(tree, who):
    """The dashboard reads its headline figures from the total row: they must be the same."""
    counts(tree, 3, 40)
    counts(tree, 12, 7, indicator="cases.opened")
    for channel, (a, b) in {"web": (25, 20), "hotline": (3, 20)}.items():
        for unit, value in ((tree.school_a, a), (tree.zone_a, a), (tree.school_b, b)):
            put(unit, "reports.by_channel", value, breakdown=channel)
        for unit in (tree.zone_b, tree.county, tree.country):
            value = b if unit == tree.zone_b else a + b
            put(unit, "reports.by_channel", value, breakdown=channel)
    user = tree.users[who]
    unit = tree.school_a if who == "principal" else tree.county
    for start, end in ((OCT, OCT_END), (OCT, dt.date(2026, 11, 14))):
        own = selectors.figures(user=user, unit=unit, start=start, end=end)
        _rows, total = selectors.children_figures(user=user, unit=unit, start=start, end=end)
        assert total == own


def test_a_category_with_an_empty_name_is_kept_apart_from_the_figure(tree):
    """The walk names the figure's own column ""; a category called "" must not replace it."""
    for unit in (tree.school_a, tree.zone_a, tree.county, tree.country):
        put(unit, "reports.by_place", 30, breakdown="")
        put(unit, "reports.by_place", 20, breakdown="yard")
    found = selectors.figures(
        user=tree.users["inspector"],
        unit=tree.county,
        start=OCT,
        end=OCT_END,
        codes=["reports.by_place"],
    )["reports.by_place"]
    assert found.value == 50
    assert (found.parts[""].value, found.parts["yard"].value) == (30, 20)
