"""Procedure files: each jurisdiction's case procedure as data, validated on load.

A file that does not validate is refused with a message naming the file and the line, so
that whoever edits the law-as-data sees at once what is wrong and where.

Deadlines run on the procedure clock (haven.lib.clock), reminded before and escalated when
missed, each exactly once (haven.cases.services.clock_sweep). They come from two places:

- ``timers``: from an event (``starts``) until another (``stops``);
- ``notifications`` with ``within``: due that long after ``starts`` (default ``opened``),
  stopped when the notification is recorded with its proof; ``remind_before`` and
  ``escalate_to`` (default ``inspector``) as for timers. Their clock code is ``notify:<code>``.
  ``to: inspector`` marks a notification addressed to a level of Haven itself (the county
  inspectorate, the education bureau): once it is recorded, that level reads the case.

Every state, timer, notification and appeal names its ``source``: the law and article, or,
with ``default: true``, the words of the text that Haven turned into a number. A current file
without one is refused (kept earlier versions are read as they were).

``closing_messages`` (optional): what a reporter may be told when the case closes, each a
``code`` and a ``text`` in every language; the case lead picks one at the closing step (and may
add words of their own), and every reporter of the case reads it on the follow-up page with the
status their state's ``reporter_sees`` gives. They say how the school dealt with the report,
never which measures concern which child.

Either may carry ``when: {severity: [...], case_type: [...], pupils: [...]}``: it then applies
only to cases whose facts match (any listed code; every fact given). ``pupils`` lists party roles
(``victim``, ``aggressor``): the case has a pupil (a party who is not staff) in one of them.
A notification that does not apply is not asked for by the steps that list it, and its deadline
does not run; when a case's severity, type or pupils change, its conditional deadlines start
(from then) or are dropped.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from haven.lib.datafile import DataFileError, Reader, languages_for, read_yaml
from haven.lib.i18n import pick

DATA = Path(__file__).resolve().parent / "data"
ROLES = {"staff", "coordinator", "psychologist", "principal", "inspector", "agency", "admin"}
CASE_FIELDS = {"case_type", "severity", "determination", "categories", "narrative", "parties"}
DURATION_UNITS = {"hours", "calendar_days", "school_days"}
REPORTER_VIEWS = {"received", "handling", "closed"}
# What a condition (`when:`) may look at: the case's facts, as codes of the procedure's lists.
CONDITION_FACTS = {"severity": "severities", "case_type": "case_types", "pupils": "party roles"}
# The sides of a case a condition may ask for a pupil on (haven.cases.models.PartyRole).
PUPIL_SIDES = {"victim", "aggressor"}
# A notification's deadline runs as a case timer named after it (CaseTimer.code is 40 long).
NOTIFY_PREFIX = "notify:"
CODE_MAX = 40 - len(NOTIFY_PREFIX)


class ProcedureFileError(DataFileError):
    pass


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # hours, calendar_days, school_days


@dataclass(frozen=True)
class Named:
    code: str
    names: dict[str, str]

    @property
    def name(self) -> str:
        return pick(self.names)


@dataclass(frozen=True)
class Condition:
    """``when:`` on a notification or timer: it applies only to cases whose facts match.
    Each fact lists the codes it may have (any of them); all facts given must match. A fact not
    yet filled in matches nothing: the duty starts once the case is known to need it."""

    severity: frozenset[str] | None = None
    case_type: frozenset[str] | None = None
    pupils: frozenset[str] | None = None

    def holds(self, *, severity: str, case_type: str, pupils: frozenset[str] = frozenset()) -> bool:
        if self.severity is not None and severity not in self.severity:
            return False
        if self.pupils is not None and not self.pupils & pupils:
            return False
        return self.case_type is None or case_type in self.case_type


def applies(
    item: "Timer | Notification",
    *,
    severity: str,
    case_type: str,
    pupils: frozenset[str] = frozenset(),
) -> bool:
    return item.when is None or item.when.holds(
        severity=severity, case_type=case_type, pupils=pupils
    )


@dataclass(frozen=True)
class State(Named):
    initial: bool = False
    final: bool = False
    reporter_sees: str = "handling"
    source: str = ""


@dataclass(frozen=True)
class Transition(Named):
    sources: tuple[str, ...] = ()
    target: str = ""
    roles: frozenset[str] = frozenset()
    requires: tuple[str, ...] = ()
    notifications: tuple[str, ...] = ()  # notifications that must be recorded first
    # A body's decision (China's bullying committee): the step records who of it took part.
    members_present: bool = False
    # Statements to confirm before the step (the Dutch meldcode's questions at its decision).
    confirm: tuple[Named, ...] = ()


@dataclass(frozen=True)
class Timer(Named):
    starts: str = "opened"  # "opened" or "state:<code>"
    stops: tuple[str, ...] = ()  # "state:<code>" or "notification:<code>"
    deadline: Duration = Duration(24, "hours")
    remind_before: Duration | None = None
    escalate_to: str = "inspector"
    default: bool = False  # a Haven default, not confirmed in the official text
    when: Condition | None = None
    notification: str = ""  # set when this is the deadline of a mandatory notification
    source: str = ""  # the law and article, or what a Haven default stands for

    @property
    def name(self) -> str:
        if self.notification:
            return _("Notify: %(recipient)s") % {"recipient": pick(self.names)}
        return pick(self.names)


@dataclass(frozen=True)
class Notification(Named):
    """A notification the procedure requires, to be recorded with proof of delivery. With
    ``within`` it is due that long after ``starts`` (an event, as for timers); with ``when``
    it is required only of cases whose facts match."""

    within: Duration | None = None
    default: bool = False
    starts: str = "opened"
    remind_before: Duration | None = None
    escalate_to: str = "inspector"
    when: Condition | None = None
    source: str = ""
    to: str = ""  # a Haven role when the notification goes to that level (see the module)

    def deadline(self) -> "Timer | None":
        """The timer that carries this notification's deadline, if it has one."""
        if self.within is None:
            return None
        return Timer(
            code=NOTIFY_PREFIX + self.code,
            names=self.names,
            starts=self.starts,
            stops=(f"notification:{self.code}",),
            deadline=self.within,
            remind_before=self.remind_before,
            escalate_to=self.escalate_to,
            default=self.default,
            when=self.when,
            notification=self.code,
            source=self.source,
        )


@dataclass(frozen=True)
class Appeal:
    reviewer: str
    deadline: Duration
    default: bool = False
    extension: Duration | None = None  # the reviewer may extend the deadline once, by this much
    # A body whose judgment the reviewer records before deciding (a Dutch complaints committee).
    judged_by: Named | None = None
    source: str = ""


@dataclass(eq=False)
class Procedure:
    code: str
    names: dict[str, str]
    version: int = 1
    source: str = ""
    case_types: list[Named] = field(default_factory=list)
    severities: list[Named] = field(default_factory=list)
    determinations: list[Named] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    referrals: list[Named] = field(default_factory=list)
    appeal: Appeal | None = None
    # The case types graded by severity (``graded: [...]``); None: every type is.
    graded: frozenset[str] | None = None
    # What a reporter may be told when the case closes (``closing_messages``; names: the text).
    closing_messages: list[Named] = field(default_factory=list)

    @property
    def name(self) -> str:
        return pick(self.names)

    @property
    def initial_state(self) -> State:
        return next(s for s in self.states if s.initial)

    def state(self, code: str) -> State:
        return next(s for s in self.states if s.code == code)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def notification(self, code: str) -> "Notification | None":
        return next((n for n in self.notifications if n.code == code), None)

    def closing_message(self, code: str) -> Named | None:
        return next((m for m in self.closing_messages if m.code == code), None)

    def transition(self, code: str) -> Transition | None:
        return next((t for t in self.transitions if t.code == code), None)

    def is_graded(self, case_type: str) -> bool:
        """Whether a case of this type is graded by severity (Romania grades only violence
        between pupils). A type not chosen yet may be."""
        return self.graded is None or not case_type or case_type in self.graded

    def label(self, kind: str, code: str) -> str:
        """The translated name of a case type, severity, determination... by its code."""
        items: list[Any] = getattr(self, kind)
        found = next((item for item in items if item.code == code), None)
        return found.name if found else code


class _Reader(Reader):
    """Reads one procedure file, raising ProcedureFileError with the nearest line."""

    error = ProcedureFileError
    require_sources = True

    def source(self, node: Any) -> str:
        """Where an item comes from; required in a current file (see the module's comment)."""
        source = self.get(node, "source", str, required=self.require_sources) or ""
        if self.require_sources and not source.strip():
            raise self.fail(node, "'source' must name the law and article, or why the default")
        return str(source).strip()

    def named_list(self, root: Any, key: str, required: bool = True) -> list[Named]:
        items = self.get(root, key, list, required) or []
        out = [
            Named(code=str(self.get(item, "code", str)), names=self.texts(item, "name"))
            for item in items
        ]
        self.unique(root, key, [n.code for n in out])
        return out

    def unique(self, node: Any, key: str, codes: list[str]) -> None:
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                raise self.fail(node, f"{key}: code {code!r} is used twice")
            seen.add(code)

    def duration(self, node: Any, key: str, required: bool = True) -> Duration | None:
        value = self.get(node, key, dict, required)
        if value is None:
            return None
        if len(value) != 1 or next(iter(value)) not in DURATION_UNITS:
            raise self.fail(node, f"{key!r} must be one of {sorted(DURATION_UNITS)} with a number")
        unit, amount = next(iter(value.items()))
        if not isinstance(amount, int) or amount < 0:
            raise self.fail(node, f"{key!r}: {unit} must be a whole number of at least 0")
        return Duration(amount=amount, unit=unit)

    def code(self, node: Any) -> str:
        code = self.get(node, "code", str)
        if ":" in code or len(code) > CODE_MAX:
            raise self.fail(node, f"code {code!r} must be at most {CODE_MAX} long, without ':'")
        return str(code)

    def condition(self, node: Any, procedure: "Procedure") -> Condition | None:
        when = self.get(node, "when", dict, required=False)
        if when is None:
            return None
        unknown = sorted(str(key) for key in when if key not in CONDITION_FACTS)
        if unknown or not when:
            raise self.fail(
                when,
                f"'when' may test {', '.join(sorted(CONDITION_FACTS))}"
                + (f" (unexpected: {', '.join(unknown)})" if unknown else ""),
            )
        facts: dict[str, frozenset[str]] = {}
        for fact, kind in CONDITION_FACTS.items():
            if fact not in when:
                continue
            codes = when[fact]
            if not isinstance(codes, list) or not codes:
                raise self.fail(when, f"'when': {fact} must be a list of {kind} codes")
            known = (
                PUPIL_SIDES
                if fact == "pupils"
                else {item.code for item in getattr(procedure, kind)}
            )
            wrong = sorted(str(code) for code in codes if code not in known)
            if wrong:
                raise self.fail(
                    when, f"'when': unknown {fact} {wrong}; the procedure's are {sorted(known)}"
                )
            facts[fact] = frozenset(codes)
        return Condition(**facts)

    def event(self, node: Any, event: Any, states: set[str], notifications: set[str]) -> str:
        kind, _sep, ref = str(event).partition(":")
        valid = (
            event == "opened"
            or (kind == "state" and ref in states)
            or (kind == "notification" and ref in notifications)
        )
        if not isinstance(event, str) or not valid:
            raise self.fail(
                node, f"unknown event {event!r}: use opened, state:<code> or notification:<code>"
            )
        return event

    def role(self, node: Any, key: str, default: str | None = None) -> str:
        role = self.get(node, key, str, required=default is None) or default
        if role not in ROLES:
            raise self.fail(node, f"unknown role {role!r}")
        return str(role)

    def roles(self, node: Any, key: str) -> frozenset[str]:
        roles = self.get(node, key, list)
        unknown = set(roles) - ROLES
        if unknown:
            raise self.fail(node, f"unknown role(s) {sorted(unknown)}; roles are {sorted(ROLES)}")
        return frozenset(roles)


def load_file(path: Path, code: str | None = None, *, require_sources: bool = True) -> Procedure:
    """Read and validate one procedure file. Kept earlier versions predate the ``source`` rule
    and are read with ``require_sources=False``."""
    root = read_yaml(path, ProcedureFileError)
    r = _Reader(path)
    r.require_sources = require_sources
    found = r.get(root, "code", str)
    if found != (code or path.stem):
        raise r.fail(root, f"the file of procedure {found!r} must be named {found}.yaml")
    code = found
    # Kept versions predate Kazakh too: only the current file must give the jurisdiction's own.
    if require_sources:
        r.languages = languages_for(code)
    procedure = Procedure(
        code=code,
        names=r.texts(root, "name"),
        version=r.get(root, "version", int),
        source=r.get(root, "source", str, required=False) or "",
        case_types=r.named_list(root, "case_types"),
        severities=r.named_list(root, "severities"),
        determinations=r.named_list(root, "determinations"),
        referrals=r.named_list(root, "referrals", required=False),
    )
    procedure.closing_messages = [
        Named(code=r.code(item), names=r.texts(item, "text", entry=str(item.get("code", ""))))
        for item in r.get(root, "closing_messages", list, required=False) or []
    ]
    r.unique(root, "closing_messages", [m.code for m in procedure.closing_messages])
    graded = r.get(root, "graded", list, required=False)
    if graded is not None:
        wrong = sorted(str(c) for c in graded if c not in {t.code for t in procedure.case_types})
        if wrong or not graded:
            raise r.fail(root, f"graded: unknown case type(s) {wrong}; list the graded types")
        procedure.graded = frozenset(graded)
    for item in r.get(root, "states", list):
        reporter_sees = r.get(item, "reporter_sees", str, required=False) or "handling"
        if reporter_sees not in REPORTER_VIEWS:
            raise r.fail(item, f"reporter_sees must be one of {sorted(REPORTER_VIEWS)}")
        procedure.states.append(
            State(
                code=r.get(item, "code", str),
                names=r.texts(item, "name"),
                initial=bool(r.get(item, "initial", bool, required=False)),
                final=bool(r.get(item, "final", bool, required=False)),
                reporter_sees=reporter_sees,
                source=r.source(item),
            )
        )
    states = {s.code for s in procedure.states}
    r.unique(root, "states", [s.code for s in procedure.states])
    if sum(s.initial for s in procedure.states) != 1:
        raise r.fail(root, "exactly one state must be initial: true")
    if not any(s.final for s in procedure.states):
        raise r.fail(root, "at least one state must be final: true")

    items = r.get(root, "notifications", list, required=False) or []
    codes = [r.code(item) for item in items]
    r.unique(root, "notifications", codes)
    notifications = set(codes)
    for item in items:
        within = r.duration(item, "within", required=False)
        timing = [key for key in ("starts", "remind_before", "escalate_to") if key in item]
        if within is None and timing:
            raise r.fail(item, f"{', '.join(timing)} need a deadline: add 'within'")
        starts = r.get(item, "starts", str, required=False) or "opened"
        r.event(item, starts, states, notifications - {item["code"]})
        procedure.notifications.append(
            Notification(
                code=item["code"],
                names=r.texts(item, "name"),
                within=within,
                default=bool(r.get(item, "default", bool, required=False)),
                starts=starts,
                remind_before=r.duration(item, "remind_before", required=False),
                escalate_to=r.role(item, "escalate_to", default="inspector"),
                when=r.condition(item, procedure),
                source=r.source(item),
                to=r.role(item, "to") if "to" in item else "",
            )
        )

    for item in r.get(root, "transitions", list):
        sources = r.get(item, "from", list)
        target = r.get(item, "to", str)
        for state in [*sources, target]:
            if state not in states:
                raise r.fail(item, f"unknown state {state!r}")
        requires = r.get(item, "requires", list, required=False) or []
        unknown = set(requires) - CASE_FIELDS
        if unknown:
            raise r.fail(
                item, f"cannot require {sorted(unknown)}; fields are {sorted(CASE_FIELDS)}"
            )
        needs = r.get(item, "notifications", list, required=False) or []
        if set(needs) - notifications:
            raise r.fail(item, f"unknown notification(s) {sorted(set(needs) - notifications)}")
        procedure.transitions.append(
            Transition(
                code=r.get(item, "code", str),
                names=r.texts(item, "name"),
                sources=tuple(sources),
                target=target,
                roles=r.roles(item, "roles"),
                requires=tuple(requires),
                notifications=tuple(needs),
                members_present=bool(r.get(item, "members_present", bool, required=False)),
                confirm=tuple(r.named_list(item, "confirm", required=False)),
            )
        )
    r.unique(root, "transitions", [t.code for t in procedure.transitions])

    for item in r.get(root, "timers", list, required=False) or []:
        starts = r.event(item, r.get(item, "starts", str), states, notifications)
        stops = [
            r.event(item, event, states, notifications) for event in r.get(item, "stops", list)
        ]
        procedure.timers.append(
            Timer(
                code=r.code(item),
                names=r.texts(item, "name"),
                starts=starts,
                stops=tuple(stops),
                deadline=r.duration(item, "deadline"),  # type: ignore[arg-type]
                remind_before=r.duration(item, "remind_before", required=False),
                escalate_to=r.role(item, "escalate_to"),
                default=bool(r.get(item, "default", bool, required=False)),
                when=r.condition(item, procedure),
                source=r.source(item),
            )
        )
    r.unique(root, "timers", [t.code for t in procedure.timers])
    # Notification deadlines run on the same clock as the timers: started, reminded, escalated
    # and stopped by the same code.
    for notification in procedure.notifications:
        deadline = notification.deadline()
        if deadline is not None:
            procedure.timers.append(deadline)

    appeal = r.get(root, "appeal", dict, required=False)
    if appeal is not None:
        reviewer = r.role(appeal, "reviewer")
        procedure.appeal = Appeal(
            reviewer=reviewer,
            deadline=r.duration(appeal, "deadline"),  # type: ignore[arg-type]
            default=bool(r.get(appeal, "default", bool, required=False)),
            extension=r.duration(appeal, "extension", required=False),
            judged_by=(
                Named(code="judged_by", names=r.texts(appeal, "judged_by"))
                if "judged_by" in appeal
                else None
            ),
            source=r.source(appeal),
        )
    return procedure


_CACHE: dict[tuple[str, int | None], Procedure] = {}
# Earlier versions live on as data/versions/<code>.v<version>.yaml: a case keeps the version
# it started under. Before changing a procedure file, copy it there and raise its version.
VERSIONS = DATA / "versions"


def get(code: str, version: int | None = None) -> Procedure:
    """The procedure ``code``, the current one or an earlier ``version`` (read once)."""
    key = (code, version)
    if key not in _CACHE:
        current = _load(DATA / f"{code}.yaml", code)
        if version is None or current.version == version:
            _CACHE[key] = current
        else:
            older = _load(VERSIONS / f"{code}.v{version}.yaml", code, require_sources=False)
            if older.version != version:
                raise ProcedureFileError(
                    VERSIONS / f"{code}.v{version}.yaml", None, f"holds version {older.version}"
                )
            _CACHE[key] = older
    return _CACHE[key]


def _load(path: Path, code: str, *, require_sources: bool = True) -> Procedure:
    if not path.exists():
        raise ProcedureFileError(path, None, "no such procedure file")
    return load_file(path, code=code, require_sources=require_sources)


def load_all() -> dict[str, Procedure]:
    """Every current procedure and every kept earlier version, validated."""
    for path in sorted(VERSIONS.glob("*.v*.yaml")):
        code, _sep, version = path.stem.rpartition(".v")
        get(code, int(version))
    return {path.stem: get(path.stem) for path in sorted(DATA.glob("*.yaml"))}


def every_version() -> list[Procedure]:
    """Every procedure a case may follow: the current ones and the kept earlier versions
    (the API's schema lists their codes)."""
    current = list(load_all().values())
    earlier = []
    for path in sorted(VERSIONS.glob("*.v*.yaml")):
        code, _sep, version = path.stem.rpartition(".v")
        earlier.append(get(code, int(version)))
    return current + earlier
