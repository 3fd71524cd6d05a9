"""Results builder, SVG chart and exports: every figure protected, nothing hidden leaks out."""

import csv
import io
import random
import re
import zipfile
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib import tabular
from haven.lib.disclosure import GT95, LT5, Link, protect_proportion
from haven.lib.stats import (
    Aggregate,
    AlphaSums,
    Moments,
    Proportion,
    newcombe,
    sum_aggregates,
    wilson,
)
from haven.surveys import exports
from haven.surveys.results import build_results, child_results, children_table, svg_bars
from haven.tests.test_disclosure_shares import recover_partition, sensitive
from haven.tests.test_stats import group

# Columns of exports.results_table.
KEY, N, MISSING, EST, LOW, HIGH = 1, 3, 4, 5, 6, 7
FIGURES = slice(5, None)


def designed() -> Aggregate:
    """A school of 100 with a hidden, a banded and a shown cell in each table."""
    return Aggregate(
        respondents=100,
        eligible=250,
        props={
            "victim": Proportion(3, 98, 2),  # "<5%"
            "bully": Proportion(20, 100, 0),
            "any_form_victim": Proportion(40, 100, 0),
            "any_form_bully": Proportion(97, 100, 0),  # ">95%"
            "role.victim": Proportion(3, 98, 2),
            "role.bully": Proportion(20, 98, 2),
            "role.bully_victim": Proportion(0, 98, 2),  # "<5%" (0 of 98)
            "role.not_involved": Proportion(75, 98, 2),
            "form_victim.verbal": Proportion(30, 100, 0),
            "form_victim.online": Proportion(45, 100, 0),
            "form_victim.sexual": Proportion(2, 100, 0),  # "<5%"
            "form_victim.rumours": Proportion(12, 100, 0),
        },
        means={
            "safety": Moments.from_values([3.0, 3.5, 2.5, 4.0] * 25),
            "wellbeing": Moments.from_values([4.0, 2.0] * 4),  # n = 8: hidden
        },
        alphas={"safety": AlphaSums.from_rows([[3, 3, 4], [2, 3, 2], [4, 4, 4], [1, 2, 2]] * 13)},
    )


def rows_by_key(results):
    return {row.key: row for row in results.prevalence_rows()}


# ---------------------------------------------------------------------------------------------
# build_results


def test_a_group_under_ten_shows_nothing():
    results = build_results(group(random.Random(1), 9))
    assert results.hidden
    assert results.respondents is None
    assert results.response_rate is None
    assert results.prevalence_rows() == ()
    assert results.scales == ()


def test_rows_carry_the_wilson_interval_n_and_missing():
    agg = group(random.Random(2), 80)
    results = build_results(agg)
    rows = rows_by_key(results)
    p = agg.props["bully"]
    cell = protect_proportion(p.x, p.n)
    assert rows["bully"].shown == cell
    if cell.exact:
        assert rows["bully"].shown.interval == wilson(p.x, p.n)
        assert rows["bully"].missing == p.missing
    assert [r.key for r in results.rows] == [
        "victim",
        "bully",
        "any_form_victim",
        "any_form_bully",
    ]
    assert [r.key for r in results.roles] == [
        "role.victim",
        "role.bully",
        "role.bully_victim",
        "role.not_involved",
    ]


def test_bands_and_hidden_cells_reach_the_results():
    rows = rows_by_key(build_results(designed()))
    assert rows["victim"].shown.label == LT5
    assert rows["victim"].missing == 2
    assert rows["any_form_bully"].shown.label == GT95
    assert rows["form_victim.sexual"].shown.label == LT5
    assert rows["bully"].shown.value == 0.2


def test_response_rate_is_flagged_under_half():
    results = build_results(designed())
    assert results.response_rate == 0.4
    assert results.low_response
    good = build_results(Aggregate(respondents=30, eligible=40))
    assert not good.low_response


def test_alpha_only_above_the_school_and_from_fifty_answers():
    agg = designed()
    school = build_results(agg)
    district = build_results(agg, allow_alpha=True)
    assert school.scales[0].alpha is None
    assert district.scales[0].key == "safety"
    assert district.scales[0].alpha == pytest.approx(agg.alphas["safety"].alpha())
    assert district.scales[0].alpha_n == 52
    small = Aggregate(
        respondents=40,
        means={"safety": Moments.from_values([1.0, 2.0] * 20)},
        alphas={"safety": AlphaSums.from_rows([[1, 2], [2, 2]] * 20)},
    )
    assert build_results(small, allow_alpha=True).scales[0].alpha is None


def test_a_scale_mean_under_ten_is_hidden():
    scales = {s.key: s for s in build_results(designed()).scales}
    assert scales["wellbeing"].hidden
    assert scales["wellbeing"].mean is None
    assert scales["safety"].mean == pytest.approx(3.25)
    assert scales["safety"].interval.low < 3.25 < scales["safety"].interval.high


def test_change_since_the_last_campaign_is_a_newcombe_interval_flagged_when_zero_is_outside():
    now = Aggregate(respondents=100, props={"bully": Proportion(40, 100, 0)})
    before = Aggregate(respondents=100, props={"bully": Proportion(20, 100, 0)})
    row = build_results(now, previous=before).rows[0]
    assert row.change == newcombe(40, 100, 20, 100)
    assert row.changed
    same = Aggregate(respondents=100, props={"bully": Proportion(37, 100, 0)})
    assert not build_results(now, previous=same).rows[0].changed


def test_no_change_is_shown_against_a_suppressed_previous_figure():
    now = Aggregate(respondents=100, props={"bully": Proportion(40, 100, 0)})
    banded = Aggregate(respondents=100, props={"bully": Proportion(3, 100, 0)})
    small = Aggregate(respondents=8, props={"bully": Proportion(3, 8, 0)})
    assert build_results(now, previous=banded).rows[0].change is None
    assert build_results(now, previous=small).rows[0].change is None


def test_the_benchmark_leaves_the_school_out():
    own = Aggregate(respondents=100, props={"bully": Proportion(30, 100, 0)})
    others = Aggregate(respondents=1000, props={"bully": Proportion(100, 1000, 0)})
    row = build_results(own, parent=own + others).rows[0]
    assert row.benchmark.value == 0.1  # not 130/1100
    assert row.comparison == newcombe(30, 100, 100, 1000)
    assert row.differs


def test_no_benchmark_beside_a_suppressed_figure():
    own = Aggregate(respondents=100, props={"bully": Proportion(3, 100, 0)})
    others = Aggregate(respondents=1000, props={"bully": Proportion(100, 1000, 0)})
    row = build_results(own, parent=own + others).rows[0]
    # parent minus benchmark would give the school's own 3 back.
    assert row.benchmark is None
    assert row.comparison is None


def test_top_forms_are_sorted_from_what_is_shown():
    forms = build_results(designed()).top_forms
    assert [r.key for r in forms] == [
        "form_victim.online",
        "form_victim.verbal",
        "form_victim.rumours",
        "form_victim.sexual",
    ]


def test_roles_cannot_be_recovered_from_the_roles_and_the_victim_and_bully_rows():
    agg = designed()
    results = build_results(agg)
    rows = rows_by_key(results)
    display = {r.key: r.shown for r in results.roles}
    links = [
        Link(("role.victim", "role.bully_victim"), rows["victim"].shown, 3, 98),
        Link(("role.bully", "role.bully_victim"), rows["bully"].shown, 20, 100),
    ]
    possible, _ = recover_partition(display, 98, links)
    assert len(possible["role.victim"]) > 1
    # Without the links the roles would look safe, yet "victim" (3) minus... is guarded too.
    for key, cell in display.items():
        if sensitive(agg.props[key].x, 98):
            assert not cell.exact


def test_children_table_hides_a_small_school_and_the_next_smallest():
    rng = random.Random(5)
    schools = {"a": group(rng, 6), "b": group(rng, 30), "c": group(rng, 45), "d": group(rng, 60)}
    district = sum_aggregates(schools.values())
    table = {row.key: row for row in children_table(district, schools)}
    assert table["a"].size.hidden
    assert table["b"].size.hidden
    assert table["c"].size.n == 45
    for key in ("victim", "safety"):
        assert table["a"].measures[key].hidden
        assert table["b"].measures[key].hidden
        assert table["a"].measures[key].n is None


# ---------------------------------------------------------------------------------------------
# SVG


def test_svg_bars_are_accessible_escaped_and_show_no_hidden_figure():
    results = build_results(designed())
    labels = {"form_victim.online": "Online <script>alert(1)</script> & co"}
    svg = svg_bars(results.top_forms, labels, title='Forms "now"')
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg
    assert "<title>Forms &quot;now&quot;</title>" in svg
    assert "<script" not in svg
    assert "Online &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
    assert "45% (36%\u201355%)" in svg
    assert "&lt;5%" in svg  # the band, as text
    assert svg.count("<rect") == 3  # no bar for the banded form
    ElementTree.fromstring(svg)  # noqa: S314 (our own output) - well-formed


# ---------------------------------------------------------------------------------------------
# Exports


def parse_xlsx(data: bytes) -> list[list]:
    """The cells of the first sheet, read straight from the XML in the zip (our own output,
    so the stdlib parser is fine)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))  # noqa: S314
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    grid: list[list] = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        line: list = []
        for cell in row.iter(f"{{{ns['m']}}}c"):
            column = re.match(r"[A-Z]+", cell.get("r")).group()
            index = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(column))) - 1
            line += [""] * (index + 1 - len(line))
            value = cell.find("m:v", ns)
            if cell.get("t") == "s":
                line[index] = shared[int(value.text)]
            elif value is not None:
                number = float(value.text)
                line[index] = int(number) if number.is_integer() else number
        grid.append(line)
    return grid


def assert_no_hidden_figure(table, results):
    """Every exported line of a non-exact cell carries text only, never a number."""
    shown = {r.key: r.shown for r in results.prevalence_rows()}
    checked = 0
    for line in table[1:]:
        if line[0] in ("group", "scale", "alpha"):
            continue
        cell = shown[line[KEY]]
        if not cell.exact:
            checked += 1
            assert isinstance(line[EST], str)
            assert line[EST] in (
                "<5%",
                ">95%",
                "Hidden to protect privacy",
                "Too few answers to show",
            )
            assert all(v in ("", None) for v in line[EST + 1 :]), line
    return checked


def test_csv_export_contains_no_hidden_cell():
    results = build_results(designed(), allow_alpha=True)
    text = tabular.to_csv(exports.results_table(results))
    table = list(csv.reader(io.StringIO(text)))
    assert assert_no_hidden_figure(table, results) >= 4
    by_key = {line[KEY]: line for line in table[1:]}
    assert by_key["victim"][EST] == "<5%"
    assert by_key["victim"][MISSING] == "2"
    assert by_key["bully"][EST] == "0.2"
    # 0 of 98: "0%" would tell every answer, so it is banded like a small count.
    assert by_key["role.bully_victim"][EST] == "<5%"
    assert by_key["wellbeing"][EST] == "Too few answers to show"
    assert by_key["wellbeing"][N] == ""
    # The protected cells' own shares (3/98, 97/100, 2/100) appear nowhere in the file.
    figures = [v for line in table[1:] for v in line[FIGURES]]
    for secret in ("0.0306", "0.97", "0.02"):
        assert secret not in figures


def test_xlsx_export_holds_the_same_protected_table():
    results = build_results(designed(), allow_alpha=True)
    grid = parse_xlsx(tabular.to_xlsx([tabular.Sheet("Results", exports.results_table(results))]))
    table = exports.results_table(results)
    assert assert_no_hidden_figure(grid, results) >= 4
    assert len(grid) == len(table)
    for got, want in zip(grid, table, strict=True):
        want = [("" if v is None else v) for v in want]
        got = got + [""] * (len(want) - len(got))
        assert got == pytest.approx(want)


def test_exports_of_a_small_group_carry_no_figure():
    results = build_results(group(random.Random(8), 7))
    table = list(csv.reader(io.StringIO(tabular.to_csv(exports.results_table(results)))))
    assert table[1][EST] == "Too few answers to show"
    assert not any(re.fullmatch(r"[\d.]+", v) for line in table[1:] for v in line)
    grid = parse_xlsx(tabular.to_xlsx([tabular.Sheet("Results", exports.results_table(results))]))
    assert not any(isinstance(v, (int, float)) for line in grid for v in line)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), size=st.integers(0, 40))
def test_no_export_shows_a_group_under_the_threshold_or_a_small_count(seed, size):
    agg = group(random.Random(seed), size)
    results = build_results(agg)
    table = list(csv.reader(io.StringIO(tabular.to_csv(exports.results_table(results)))))
    if size < 10:
        numbers = [v for line in table[1:] for v in line if re.fullmatch(r"[\d.]+", v)]
        assert numbers == []
        return
    assert_no_hidden_figure(table, results)
    for line in table[1:]:
        if line[0] in ("prevalence", "role", "form_victim", "form_bully") and line[EST]:
            p = agg.props[line[KEY]]
            if re.fullmatch(r"[\d.]+", line[EST]):
                assert not sensitive(p.x, p.n)


def test_formula_like_text_is_neutralised():
    results = build_results(designed())
    text = tabular.to_csv(
        exports.results_table(results, labels={"bully": '=HYPERLINK("http://x")'})
    )
    assert "'=HYPERLINK" in text
    grid = parse_xlsx(
        tabular.to_xlsx(
            [tabular.Sheet("Results", exports.results_table(results, labels={"bully": "=1+1"}))]
        )
    )
    assert ["'=1+1"] == [line[2] for line in grid if line[KEY] == "bully"]


def test_inspectorate_export_gives_three_domain_means_per_school():
    rng = random.Random(11)
    big, small = group(rng, 40), group(rng, 6)
    rows = exports.nl_domains_rows([("01AB", "De Linde", big), ("02CD", "Klein", small)])
    assert rows[0][:4] == ["School code", "School", "Respondents", "Perceived safety"]
    assert rows[1][:3] == ["01AB", "De Linde", 40]
    assert rows[1][3] == round(big.means["safety"].mean, 3)
    assert rows[1][5] == round(big.means["violations"].mean, 3)
    assert rows[1][7] == round(big.means["wellbeing"].mean, 3)
    assert rows[1][4] == big.means["safety"].n
    assert rows[2][2:] == ["Too few answers to show", "Too few answers to show", ""] * 1 + [
        "Too few answers to show",
        "",
        "Too few answers to show",
        "",
    ]
    grid = parse_xlsx(tabular.to_xlsx([tabular.Sheet("Inspectie", rows)]))
    assert grid[1][:3] == ["01AB", "De Linde", 40]
    assert not any(isinstance(v, (int, float)) for v in grid[2])
    assert "De Linde" in tabular.to_csv(rows)


def test_a_class_page_hides_what_the_school_list_hides():
    rng = random.Random(5)
    classes = {"a": group(rng, 6), "b": group(rng, 30), "c": group(rng, 45), "d": group(rng, 60)}
    school = sum_aggregates(classes.values())
    # 1B has 30 answers, enough on its own, but its page would give 1A back by subtraction.
    assert not build_results(classes["b"]).hidden
    assert child_results(school, classes, "b").hidden
    assert child_results(school, classes, "a").hidden
    page = child_results(school, classes, "d")
    assert not page.hidden
    table = {row.key: row for row in children_table(school, classes)}
    for row in page.rows:
        if table["d"].measures[row.key].hidden:
            assert row.shown.hidden
    for scale in page.scales:
        if table["d"].measures[scale.key].hidden:
            assert scale.hidden
