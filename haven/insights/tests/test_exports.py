"""Above the school, exports are of figures: the dashboard's table of units below, with the
same hidden cells as the page (lib.disclosure), audited."""

from typing import Any

from haven.insights.tests.test_dashboard import _get, world  # noqa: F401 (the fixture)
from haven.orgs.tests.export_helpers import csv_rows, last_export, xlsx_rows


def test_children_table_exports_hide_what_the_page_hides(world: dict[str, Any]) -> None:  # noqa: F811
    tree = world["tree"]
    inspector = tree.users["inspector"]
    page = _get(inspector, tree.county)
    assert "export=xlsx" in page.content.decode()
    rows = xlsx_rows(_get(inspector, tree.county, "?period=school_year&export=xlsx"))
    shown = {row.unit.name: row.cells for row in page.context["rows"]}
    assert {r[0] for r in rows[1:-1]} == set(shown) == {tree.zone_a.name, tree.zone_b.name}
    assert rows[-1][0] == "Total"
    for line in rows[1:-1]:
        for value, cell in zip(line[1:], shown[line[0]], strict=True):
            if cell.figure is not None and cell.figure.hidden:
                assert value == cell.figure.text and not isinstance(value, int)
            elif cell.figure is not None and cell.figure.value is not None:
                assert value == cell.figure.value and isinstance(value, (int, float))
    assert any(c.figure is not None and c.figure.hidden for cs in shown.values() for c in cs)
    assert "3" not in [str(v) for v in rows[1 + [r[0] for r in rows[1:]].index(tree.zone_b.name)]]
    event = last_export("insights.export")
    assert event.org_unit_id == tree.county.pk and event.details["rows"] == 3


def test_figures_export_needs_the_dashboard(world: dict[str, Any]) -> None:  # noqa: F811
    tree = world["tree"]
    assert _get(None, tree.county, "?export=csv").status_code == 302
    assert _get(tree.users["staff"], tree.school_a, "?export=csv").status_code == 404
    assert _get(tree.users["inspector"], world["other_county"], "?export=csv").status_code == 404
    rows = csv_rows(_get(tree.users["coordinator"], tree.school_a, "?export=csv"))
    assert rows[0][0] == "Unit" and rows[-1][0] == "Total"
