"""Synthetic national organisation tree for benchmarks: fast bulk inserts, real paths."""

from django.db import transaction

from haven.orgs.models import PATH_SEGMENT, Jurisdiction, OrgUnit


def build(counties: int, zones: int, schools: int, classes: int) -> OrgUnit:
    """country > counties > zones > schools > classes; returns the country."""
    jurisdiction, _ = Jurisdiction.objects.get_or_create(
        code="BENCH", defaults={"names": {"en": "Bench"}, "time_zone": "UTC"}
    )
    next_id = (OrgUnit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    rows: list[OrgUnit] = []

    def add(parent: OrgUnit | None, kind: str, code: str) -> OrgUnit:
        nonlocal next_id
        unit = OrgUnit(
            pk=next_id,
            kind=kind,
            code=code,
            name=code,
            parent=parent,
            jurisdiction=jurisdiction,
            path=(parent.path if parent else "") + str(next_id).zfill(PATH_SEGMENT),
            depth=(parent.depth + 1) if parent else 0,
        )
        next_id += 1
        rows.append(unit)
        return unit

    country = add(None, "country", f"BENCH-{next_id}")
    for c in range(counties):
        county = add(country, "county", f"C{c}")
        for z in range(zones):
            zone = add(county, "zone", f"Z{z}")
            for s in range(schools):
                school = add(zone, "school", f"S{country.pk}-{c}-{z}-{s}")
                for k in range(classes):
                    add(school, "class", f"K{k}")
    with transaction.atomic():
        OrgUnit.objects.bulk_create(rows, batch_size=5000)
    return country
