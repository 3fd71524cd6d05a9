"""The example script in docs/ works against a running Haven with a token and nothing else."""

import importlib.util
from pathlib import Path

import pytest

from haven.cases import services as case_services
from haven.security.services import api_token_create

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "api_example.py"


def _example():
    spec = importlib.util.spec_from_file_location("api_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_example_lists_cases_and_takes_a_step_with_a_token_only(live_server, capsys):
    from haven.orgs.tests.factories import build_tree

    tree = build_tree()
    user = tree.users["coordinator"]
    case = case_services.case_open(actor=user, school=tree.school_a, title="Yard")
    case_services.case_update(actor=user, case=case, changes={"case_type": "child_child"})
    _token, secret = api_token_create(actor=user, name="example", scope="read-write")
    example = _example()

    argv = ["--url", live_server.url, "--token", secret]
    assert example.main([*argv, "--case", str(case.pk), "--step", "assess"]) == 0
    printed = capsys.readouterr().out
    assert f"{case.pk}\tregistered\tYard" in printed
    assert "is now assessment" in printed
    case.refresh_from_db()
    assert case.state == "assessment"

    # A step the procedure does not allow now: the problem document's title, exit code 1.
    assert example.main([*argv, "--case", str(case.pk), "--step", "assess"]) == 1
    assert "refused: 409" in capsys.readouterr().err
    # A wrong token is refused too.
    assert example.main(["--url", live_server.url, "--token", "hvn_wrong"]) == 1
    assert "refused: 401" in capsys.readouterr().err
