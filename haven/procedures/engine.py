"""The one engine every case change goes through: the procedure file decides, this applies it."""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from haven.lib.errors import HavenError
from haven.procedures.loader import Notification, Procedure, Timer, Transition, applies


class ProcedureError(HavenError):
    status = 409


def check_transition(
    procedure: Procedure,
    *,
    state: str,
    code: str,
    roles: Iterable[str],
    filled: set[str],
    notified: set[str],
    facts: dict[str, str] | None = None,
    members_present: str = "",
    confirmed: Iterable[str] = (),
) -> Transition:
    """The transition ``code`` if it may be taken now by someone in ``roles``; otherwise a
    translated refusal saying why. A body's decision names its ``members_present``."""
    transition = procedure.transition(code)
    if transition is None or state not in transition.sources:
        raise ProcedureError(
            _("This step is not possible while the case is in “%(state)s”.")
            % {"state": procedure.state(state).name}
        )
    if not transition.roles & set(roles):
        raise ProcedureError(_("Your role does not allow this step."))
    fields, notifications = still_needed(procedure, transition, filled, notified, facts)
    if fields:
        raise ProcedureError(
            _("Before “%(step)s”, fill in: %(fields)s.")
            % {"step": transition.name, "fields": ", ".join(fields)}
        )
    if notifications:
        raise ProcedureError(
            _("Before “%(step)s”, record these notifications: %(names)s.")
            % {"step": transition.name, "names": ", ".join(notifications)}
        )
    unconfirmed = [item.name for item in transition.confirm if item.code not in set(confirmed)]
    if unconfirmed:
        raise ProcedureError(
            _("Before “%(step)s”, confirm: %(items)s.")
            % {"step": transition.name, "items": "; ".join(unconfirmed)}
        )
    if transition.members_present and not members_present.strip():
        raise ProcedureError(
            _("Before “%(step)s”, name the members present.") % {"step": transition.name}
        )
    return transition


def still_needed(
    procedure: Procedure,
    transition: Transition,
    filled: set[str],
    notified: set[str],
    facts: dict[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """What a step still needs, as translated names: fields to fill, notifications to record.
    A notification with a condition (``when``) is needed only if the case's ``facts``
    (severity, case type) meet it. The case page shows it beside each step, the engine refuses
    with it."""
    fields = [field_label(f) for f in transition.requires if f not in filled]
    notifications = [
        n.name
        for n in required_notifications(procedure, facts or {})
        if n.code in transition.notifications and n.code not in notified
    ]
    return fields, notifications


def required_notifications(procedure: Procedure, facts: dict[str, str]) -> list[Notification]:
    """The procedure's notifications that apply to a case with these facts."""
    return [n for n in procedure.notifications if applies(n, **_condition_facts(facts))]


def timer_applies(timer: Timer, facts: dict[str, str]) -> bool:
    return applies(timer, **_condition_facts(facts))


def _condition_facts(facts: dict[str, str]) -> dict[str, Any]:
    """``facts["pupils"]`` is the space-separated sides (victim, aggressor) with a pupil."""
    return {
        "severity": facts.get("severity", ""),
        "case_type": facts.get("case_type", ""),
        "pupils": frozenset(facts.get("pupils", "").split()),
    }


def field_label(name: str) -> str:
    labels = {
        "case_type": _("case type"),
        "severity": _("severity"),
        "determination": _("determination"),
        "categories": _("categories"),
        "narrative": _("what happened"),
        "parties": _("parties"),
    }
    return labels.get(name, name)


def timers_started_by(procedure: Procedure, event: str) -> list[Timer]:
    """``event`` is "opened", "state:<code>" or "notification:<code>". Timers with a condition
    are among them: whoever starts them checks it against the case (``timer_applies``)."""
    return [t for t in procedure.timers if t.starts == event]


def conditional_timers(procedure: Procedure) -> list[Timer]:
    """Timers and notification deadlines that depend on the case's facts: looked at again
    whenever a fact changes."""
    return [t for t in procedure.timers if t.when is not None]


def timer(procedure: Procedure, code: str) -> Timer | None:
    return next((t for t in procedure.timers if t.code == code), None)


def timers_stopped_by(procedure: Procedure, event: str) -> set[str]:
    """Codes of timers met by ``event`` ("state:<code>" or "notification:<code>")."""
    return {t.code for t in procedure.timers if event in t.stops}
