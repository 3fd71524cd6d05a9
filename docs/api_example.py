"""Use Haven's API with a personal token only: list the cases you may see, and take a step.

Create a token on your account page (Account > API tokens, "read and write" to take steps),
then:

    python docs/api_example.py --url http://localhost:8000 --token hvn_...
    python docs/api_example.py --url http://localhost:8000 --token hvn_... --case 12 --step assess

Standard library only, so it runs anywhere Python 3.11 does. The API answers refusals as
RFC 7807 problem documents (``title`` says what went wrong, in the token owner's language
when the request asks for it with Accept-Language).
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]):
        super().__init__(f"{status}: {problem.get('title', '')} {problem.get('errors') or ''}")
        self.status = status
        self.problem = problem


def call(base: str, token: str, method: str, path: str, body: Any = None) -> Any:
    """One request; the JSON answer, or ApiError with the problem document."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base.rstrip("/") + path, data=data, method=method)  # noqa: S310
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise ApiError(exc.code, json.loads(exc.read() or b"{}")) from None


def cases(base: str, token: str) -> list[dict[str, Any]]:
    """Every case the token's owner may see, page by page."""
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = call(base, token, "GET", f"/api/v1/cases?limit=100&offset={offset}")
        found += page["items"]
        offset += len(page["items"])
        if not page["items"] or offset >= page["count"]:
            return found


def step(base: str, token: str, case_id: int, code: str) -> dict[str, Any]:
    """Take one of the case's ``next_steps``; the case as it is after the step."""
    return call(base, token, "POST", f"/api/v1/cases/{case_id}/steps", {"step": code})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="Haven's address, e.g. https://haven.example")
    parser.add_argument("--token", required=True, help="a personal API token (hvn_...)")
    parser.add_argument("--case", type=int, help="the case to take a step on")
    parser.add_argument("--step", help="the step's code, one of the case's next_steps")
    args = parser.parse_args(argv)
    try:
        for case in cases(args.url, args.token):
            print(f"{case['id']}\t{case['state']}\t{case['title']}")
        if args.case and args.step:
            moved = step(args.url, args.token, args.case, args.step)
            following = ", ".join(moved["next_steps"]) or "-"
            print(f"case {moved['id']} is now {moved['state']}; next: {following}")
    except ApiError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
