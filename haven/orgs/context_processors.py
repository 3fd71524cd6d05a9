from typing import Any

from django.http import HttpRequest

from haven.orgs.navigation import entries_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"nav_entries": entries_for(request.user, request.path_info)}
