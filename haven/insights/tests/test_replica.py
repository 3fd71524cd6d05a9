"""With ``DATABASE_REPLICA_URL`` set, the figures are read from the replica (here a second
SQLite file), and nothing else is."""

import datetime as dt

import pytest
from django.db import connections

from haven.insights import selectors
from haven.insights.models import Cell
from haven.insights.routers import ReplicaRouter
from haven.intake.models import Report

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)


@pytest.fixture
def replica(tmp_path):
    config = {**connections.settings["default"], "NAME": str(tmp_path / "replica.sqlite3")}
    connections.settings["replica"] = config
    # Opened by hand: pytest-django only lets the test's declared databases connect lazily.
    connections["replica"].connect()
    with connections["replica"].schema_editor() as editor:
        editor.create_model(Cell)
    with connections["replica"].cursor() as cursor:
        # The copy holds only the count table, not the units it points to.
        cursor.execute("PRAGMA foreign_keys = OFF")
    yield "replica"
    connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]


def test_without_a_replica_everything_stays_on_the_primary():
    assert "replica" not in connections.settings
    assert ReplicaRouter().db_for_read(Cell) is None


def test_figures_are_read_from_the_replica(tree, replica):
    Cell.objects.create(
        unit=tree.county, kind="month", start=OCT, indicator="reports.total", value=12
    )
    Cell.objects.using(replica).create(
        unit_id=tree.county.pk, kind="month", start=OCT, indicator="reports.total", value=77
    )
    found = selectors.figures(
        user=tree.users["inspector"],
        unit=tree.county,
        start=OCT,
        end=dt.date(2026, 10, 31),
        codes=["reports.total"],
    )
    assert found["reports.total"].value == 77
    # Writes, and reads of anything else, stay on the primary.
    assert ReplicaRouter().db_for_write(Cell) == "default"
    assert ReplicaRouter().db_for_read(Report) is None
    assert Cell.objects.using("default").get(unit=tree.county).value == 12
