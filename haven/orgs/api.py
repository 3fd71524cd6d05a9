from ninja import Router, Schema
from ninja.pagination import paginate

from haven.lib.schemas import Id, RefId
from haven.orgs import access, selectors
from haven.orgs.access import Perm
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest

router = Router()


class OrgUnitOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    parent_id: int | None
    jurisdiction: str

    @staticmethod
    def resolve_jurisdiction(obj: OrgUnit) -> str:
        return obj.jurisdiction.code


@router.get("", response=list[OrgUnitOut])
@paginate
def orgunit_list(request: AuthedRequest, parent: RefId | None = None) -> object:
    """Units the caller may see, optionally only the children of ``parent``."""
    units = access.units(request.user, Perm.UNIT_VIEW).select_related("jurisdiction")
    if parent is not None:
        units = units.filter(parent_id=parent)
    return units.order_by("path")


@router.get("/{unit_id}", response=OrgUnitOut)
def orgunit_detail(request: AuthedRequest, unit_id: Id) -> OrgUnit:
    return selectors.orgunit_get(user=request.user, pk=unit_id)
