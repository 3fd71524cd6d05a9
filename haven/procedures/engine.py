"""The one engine every case change goes through: the procedure file decides, this applies it."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from haven.lib.errors import HavenError
from haven.procedures.loader import Procedure, Timer, Transition


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
) -> Transition:
    """The transition ``code`` if it may be taken now by someone in ``roles``; otherwise a
    translated refusal saying why."""
    transition = procedure.transition(code)
    if transition is None or state not in transition.sources:
        raise ProcedureError(
            _("This step is not possible while the case is in “%(state)s”.")
            % {"state": procedure.state(state).name}
        )
    if not transition.roles & set(roles):
        raise ProcedureError(_("Your role does not allow this step."))
    missing = [field for field in transition.requires if field not in filled]
    if missing:
        raise ProcedureError(
            _("Before “%(step)s”, fill in: %(fields)s.")
            % {"step": transition.name, "fields": ", ".join(field_label(f) for f in missing)}
        )
    pending = [code for code in transition.notifications if code not in notified]
    if pending:
        names = ", ".join(n.name for n in procedure.notifications if n.code in pending)
        raise ProcedureError(
            _("Before “%(step)s”, record these notifications: %(names)s.")
            % {"step": transition.name, "names": names}
        )
    return transition


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
    """``event`` is "opened" or "state:<code>"."""
    return [t for t in procedure.timers if t.starts == event]


def timers_stopped_by(procedure: Procedure, event: str) -> set[str]:
    """Codes of timers met by ``event`` ("state:<code>" or "notification:<code>")."""
    return {t.code for t in procedure.timers if event in t.stops}
