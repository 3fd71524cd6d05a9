from typing import Any

from django.http import HttpRequest

from haven.orgs.navigation import entries_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    parts = request.path_info.strip("/").split("/")
    section = parts[1] if len(parts) > 1 else ""
    return {"nav_entries": entries_for(request.user), "nav_section": section}
