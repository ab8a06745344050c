"""The interface through which a Python maintenance orchestrator is tested against the spec.

The implementation makes the platform's decisions; the environment -- time, applications
approving or not, patches that finish or overrun, rebooted VMs coming back -- is played
by a chooser (Hypothesis under the pytest plugin); the specification judges every
decision through `vmspec.properties.conformance.trace.TraceChecker`, so every guard is the model's and every
always-property of the registry is checked after every step (notes/trace-format.md,
"Testing a Python orchestrator").

An implementation is a factory ``factory(topology, params) -> Orchestrator``; its
``decide(observation)`` returns the platform steps to take now, built with the helpers
below (`announce`, `start`, `freeze`, ...).  The harness calls it until it returns
nothing, then lets the environment move.  Time is exact (`fractions.Fraction` seconds);
while a VM is frozen or a guest clock lags, the environment advances time by at most one
`Params.granularity`, so the watchdog window is (pause_bound - granularity, pause_bound].
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from vmspec.model import ACTION_INFO, EVENT_TYPES, Params, Spec, State, Step, Topology
from vmspec.properties.conformance.trace.conform import TraceChecker, Violation, write_violation

# The environment's moves besides time: an application approves, the in-place patch
# finishes (an overrunning patch is one that has not finished yet), rebooted VMs boot, a host
# fails (R34), a VM's owner restarts it (R35), the platform takes a Spot VM's capacity back (R36),
# the owner of a scale set deletes one of its VMs (R37).
ENVIRONMENT_ACTIONS = ("app_approve_event", "host_apply_patch", "host_boot_vms", "host_hardware_failure",
                       "user_reboot_vm", "platform_preempt_vm", "user_delete_vm")
# The environment's moves an implementation may be waiting for (a failure holds nothing up, R34).
AWAITED = ("app_approve_event", "host_apply_patch", "host_boot_vms")
DECISIONS = tuple(a.name for a in ACTION_INFO.values() if a.actor == "platform" and a.name not in ENVIRONMENT_ACTIONS)
MAX_SETTLE = 25  # decide() rounds without the environment moving before the implementation is deemed stuck


# ---------------------------------------------------------------- what the implementation sees


@dataclass(frozen=True, slots=True)
class HostView:
    name: str
    update: str  # "in_place" or "reboot": the pending update (S5)
    patched: bool  # the pending update has been applied
    needs_reboot: bool  # the update can only be applied with a reboot (also after an aborted freeze)


@dataclass(frozen=True, slots=True)
class VMView:
    name: str
    host: str  # the host it runs on now
    status: str  # running, frozen or rebooting
    clock_lag: Fraction  # seconds its guest wall clock is behind host time


@dataclass(frozen=True, slots=True)
class EventView:
    event_id: str  # EventId, stable for the event's life
    event_type: str  # Freeze, Reboot or Redeploy; Preempt or Terminate (R36, R37), announced by the environment
    host: str
    resources: tuple[str, ...]  # VM names
    status: str  # Scheduled or Started
    not_before: Fraction  # absolute time of NotBefore (seconds since the rollout began)
    approved: bool  # an application approved it
    approved_by: str | None = None  # who approved it (R28): a VM of the set, or "outside"
    source: str = "Platform"  # EventSource: Platform, or User for its user's restart, no maintenance (R35)


@dataclass(frozen=True, slots=True)
class Observation:
    """The world as the platform sees it before a decision."""

    now: Fraction  # seconds since the rollout began, exact
    hosts: Mapping[str, HostView]
    vms: Mapping[str, VMView]
    events: tuple[EventView, ...]  # the Scheduled Events document
    incarnation: int  # DocumentIncarnation

    def event_of(self, host: str) -> EventView | None:
        return next((e for e in self.events if e.host == host), None)


class Orchestrator(Protocol):
    """A maintenance orchestrator under test."""

    def decide(self, observation: Observation) -> Iterable[Step]:
        """The platform steps to take now, in order (empty: wait for the environment)."""


Factory = Callable[[Topology, Params], Orchestrator]


# ---------------------------------------------------------------- decisions


def announce(host: str, event_type: str = "Freeze") -> Step:
    return Step("platform_announce_event", (host, event_type))


def announce_group(host: str, event_type: str = "Reboot") -> Step:
    """One event for `host` and the other hosts of its slice that can share it (R30)."""
    return Step("platform_announce_group", (host, event_type))


def patch_empty_host(host: str) -> Step:
    return Step("platform_patch_empty_host", (host,))


def start(event_id: str) -> Step:
    return Step("platform_start_event", (event_id,))


def cancel(event_id: str) -> Step:
    return Step("platform_cancel_event", (event_id,))


def freeze(host: str) -> Step:
    return Step("host_freeze", (host,))


def resume(host: str) -> Step:
    return Step("platform_resume_host", (host,))


def watchdog_resume(host: str) -> Step:
    return Step("platform_watchdog_resume", (host,))


def reboot(host: str) -> Step:
    return Step("host_reboot", (host,))


def redeploy(host: str) -> Step:
    return Step("host_redeploy", (host,))


def live_migrate(host: str) -> Step:
    """Under live migration (R27): the host's frozen VMs resume on a patched host."""
    return Step("host_live_migrate", (host,))


def evict(host: str) -> Step:
    """Under a Started Preempt or Terminate (R36, R37): its VM is evicted or deleted, the event removed."""
    return Step("host_evict_vm", (host,))


def resync(vm: str) -> Step:
    return Step("vm_clock_resync", (vm,))


def complete(event_id: str) -> Step:
    return Step("platform_complete_event", (event_id,))


# ---------------------------------------------------------------- errors


class ImplementationError(Exception):
    """The implementation misused the interface (not a Step, an environment action, never settles)."""


class SpecViolation(AssertionError):
    """The specification refused a decision or a property failed; carries the report files."""

    def __init__(self, violation: Violation, files: Sequence[Path], checker: TraceChecker | None = None) -> None:
        self.violation, self.files, self.checker = violation, tuple(files), checker
        report = "\n".join(f"  report: {f}" for f in files)
        super().__init__(f"{violation.describe()}\n{report}".rstrip())


class Stalled(SpecViolation):
    """The implementation stopped short of completing the rollout (R18, R19): for longer
    than `stall_bound` nothing but time moved while nothing held it up.  Its violation
    carries a lasso counterexample: the run so far, then time passing forever."""


def stall_bound(params: Params) -> Fraction:
    """How long (seconds) an implementation may let nothing but time pass, when nothing but
    time can move, before it is deemed stalled: the longest notice of any event type (it
    may wait for NotBefore), plus the pause bound (it may wait for its watchdog), plus the
    resync latency, plus two granules of polling slack.  TINY: 30 + 30 + 5 + 20 = 85 s;
    AZURE_DEFAULT: 900 + 30 + 5 + 20 = 955 s.  Time inside a recovery gap (R21) is not
    counted: the bound runs from the gap's end."""
    notice = max(params.notice_for(t) for t in EVENT_TYPES)
    return Fraction(notice + params.pause_bound + params.resync_latency + 2 * params.granularity)


def load_factory(spec: str, search: Sequence[Path] = ()) -> Factory:
    """Import ``package.module:factory``.  When the module is not importable as installed,
    the directories in `search` (the plugin passes the invocation directory and the
    rootdir) are put on the import path and the import tried again; when it still fails
    the error says where it looked."""
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise ImplementationError(f"expected package.module:factory, got {spec!r}")
    try:
        mod = _import(module, search)
    except ImportError as exc:
        looked = ", ".join(str(p) for p in dict.fromkeys(search)) or "the installed packages"
        top = module.split(".")[0]
        hint = (f"; looked in {looked} and the installed packages: run pytest from the directory that holds "
                f"{top}/ (or pip install it)" if getattr(exc, "name", None) and module.startswith(exc.name) else "")
        raise ImplementationError(f"cannot load {spec!r}: {exc}{hint}") from None
    try:
        obj = getattr(mod, attr)
    except AttributeError:
        raise ImplementationError(f"cannot load {spec!r}: module {module} has no attribute {attr!r}") from None
    if not callable(obj):
        raise ImplementationError(f"{spec!r} is not callable")
    return obj


def _import(module: str, search: Sequence[Path]) -> object:
    import sys

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if not search or not exc.name or not module.startswith(exc.name):
            raise  # a module the implementation itself imports is missing: say so as it is
    added = [str(p) for p in dict.fromkeys(Path(p).resolve() for p in search) if str(p) not in sys.path]
    sys.path[:0] = added
    importlib.invalidate_caches()
    return importlib.import_module(module)


# ---------------------------------------------------------------- the environment


class Environment(Protocol):
    """Chooses the environment's moves (Hypothesis, a seeded RNG, or a script)."""

    def choose(self, moves: Sequence[Step]) -> Step: ...

    def duration(self, longest: Fraction) -> Fraction:
        """How long time passes: in (0, longest]."""


class Cooperative:
    """The fair environment of the drain phase: patches finish, VMs boot, time jumps to the next deadline."""

    def choose(self, moves: Sequence[Step]) -> Step:
        return next((m for m in moves if m.name in ("host_apply_patch", "host_boot_vms")), moves[-1])

    def duration(self, longest: Fraction) -> Fraction:
        return longest


TIME = Step("time_passes", ())


def observe(spec: Spec, s: State, now: Fraction, not_before: Mapping[str, Fraction]) -> Observation:
    hn, vn = spec.host_names, spec.vm_names
    hosts = {hn[h]: HostView(hn[h], spec.topology.hosts[h].update, x.patched, x.needs_reboot)
             for h, x in enumerate(s.hosts)}
    vms = {vn[i]: VMView(vn[i], hn[v.host], v.status, Fraction(v.clock_lag)) for i, v in enumerate(s.vms)}
    events = tuple(
        EventView(e.event_id, e.event_type, hn[e.host], tuple(vn[i] for i in e.resources), e.status,
                  not_before[e.event_id], e.approved,
                  None if e.approved_by is None else spec.approver_name(e.approved_by), e.source)
        for e in s.events
    )
    return Observation(now, hosts, vms, events, s.incarnation)


@dataclass
class Episode:
    """One rollout: the implementation decides, the environment moves, the spec judges.

    A stall is detected when nothing but time has moved for longer than `stall_after`
    (default: `stall_bound` of the parameters) while no environment move but time is
    possible, and time passing no longer changes the state: the implementation is then
    waiting for nothing, and the run is reported as a lasso under R18/R19."""

    spec: Spec
    orchestrator: Orchestrator
    config: str = "?"
    out: Path | None = None  # where a violation's report goes
    stem: str = "impl"
    moves: int = 40  # environment moves chosen by the environment under test
    drain: int = 400  # cooperative moves afterwards, within which the rollout must complete
    stall_after: Fraction | None = None  # seconds of nothing but time before a stall; None: stall_bound

    def __post_init__(self) -> None:
        self.checker = TraceChecker(self.spec, config=self.config, source=f"<{self.stem}>")
        self.not_before: dict[str, Fraction] = {}
        self.decisions = 0
        self.moved_at = self.checker.now  # when a step other than time last changed something
        if self.stall_after is None:
            self.stall_after = stall_bound(self.spec.params)

    @property
    def state(self) -> State:
        return self.checker.state

    def run(self, env: Environment) -> TraceChecker:
        for _ in range(self.moves):
            if self._settle_and_done():
                return self.checker
            self._environment_move(env)
            self._check_stall()
        cooperative = Cooperative()
        for _ in range(self.drain):
            if self._settle_and_done():
                return self.checker
            self._environment_move(cooperative)
            self._check_stall()
        pending = sorted(o for p in ("every_host_patched", "frozen_vm_resumes") for o in _pending(self.spec, p, self.state))
        prop = "every_host_patched" if any(o.startswith("host ") for o in pending) else (
            "frozen_vm_resumes" if pending else "reach_rollout_complete")
        violation = self.checker._fail(
            None, prop, "R19" if prop == "frozen_vm_resumes" else "R18",
            f"the rollout did not complete within {self.drain} cooperative environment moves"
            + (f"; pending: {', '.join(pending)}" if pending else ""), None)
        raise Stalled(violation, self._write() if self.out else [], self.checker)

    def _check_stall(self) -> None:
        gaps = [gap[1] for gap in self.state.recovering if gap is not None]
        if gaps:  # a recovery gap holds maintenance up (R21): quiet time counts from its end
            self.moved_at = max(self.moved_at, self.checker.now + max(gaps))
        quiet = self.checker.now - self.moved_at
        if quiet <= self.stall_after:  # type: ignore[operator]
            return
        s = self.state
        if any(st.name in AWAITED for st in self.spec.enabled_actions(s)):
            return  # the environment holds it up (an approval, a patch, a boot not yet given)
        (dt,) = self.spec.time_choices(s)
        waiting = [str(st) for st in self.spec.enabled_actions(s) if st.name in DECISIONS]
        why = (f"the implementation stalled: for {_seconds(quiet)} s only time passed (a stall after "
               f"{_seconds(self.stall_after)} s: notice + pause bound + resync latency + 2 granules)"
               + (f", while it could have taken {', '.join(waiting[:4])}" + (" ..." if len(waiting) > 4 else "")
                  if waiting else ", with no platform step enabled"))
        violation = self.checker.stall(Step("time_passes", (Fraction(dt),)), why)
        if violation is not None:
            raise Stalled(violation, self._write() if self.out else [], self.checker)

    def _settle_and_done(self) -> bool:
        for _ in range(MAX_SETTLE):
            obs = observe(self.spec, self.state, self.checker.now, self.not_before)
            steps = list(self.orchestrator.decide(obs) or ())
            if not steps:
                return self.spec.rollout_complete(self.state)
            for st in steps:
                self._apply(_as_step(st))
        raise ImplementationError(f"decide() still returned steps after {MAX_SETTLE} rounds without the "
                                  "environment moving; return nothing to wait")

    def _apply(self, st: Step) -> None:
        if st.name not in DECISIONS:
            raise ImplementationError(f"{st} is not a platform decision; choose from {', '.join(DECISIONS)}")
        self.decisions += 1
        self._judge(self.checker.apply(st))
        self.moved_at = self.checker.now

    def _environment_move(self, env: Environment) -> None:
        s = self.state
        moves = [st for st in self.spec.enabled_actions(s) if st.name in ENVIRONMENT_ACTIONS] + [TIME]
        move = env.choose(moves)
        if move.name == "time_passes":
            (longest,) = self.spec.time_choices(s)
            # a lagging clock may wait out its resync latency (R3) but no longer: time stops there
            room = [self.spec.params.resync_latency - v.unsynced_for for v in s.vms if v.unsynced_for is not None]
            if room and 0 < min(room) < longest:
                longest = min(room)
            dt = Fraction(env.duration(Fraction(longest)))
            if not 0 < dt <= longest:
                raise ValueError(f"the environment chose {dt} s; expected (0, {longest}]")
            self._judge(self.checker.apply(Step("time_passes", (dt,))))
        else:
            self._judge(self.checker.apply(move))
            self.moved_at = self.checker.now

    def _judge(self, violation: Violation | None) -> None:
        for e in self.state.events:  # NotBefore in absolute time, fixed when the event appears
            if e.event_id not in self.not_before and e.not_before_in is not None:
                self.not_before[e.event_id] = self.checker.now + e.not_before_in
        if violation is not None:
            raise SpecViolation(violation, self._write() if self.out else [], self.checker)

    def _write(self) -> list[Path]:
        assert self.out is not None
        return write_report(self.checker, self.out, self.stem)


def _seconds(t: Fraction | None) -> str:
    from vmspec.properties.conformance.trace.format import format_time

    try:
        return format_time(Fraction(t or 0))
    except ValueError:
        return str(t)


def write_report(checker: TraceChecker, out: Path, stem: str) -> list[Path]:
    """The evidence of the checker's violation: the counterexample with its reports, and
    the run as a trace, named after what they show (`write_violation`)."""
    return write_violation(checker, out, stem)


def _pending(spec: Spec, name: str, s: State) -> frozenset[str]:
    from vmspec.properties.catalogue.registry import by_name

    return by_name(name).check(spec, s)


def _as_step(obj: object) -> Step:
    if isinstance(obj, Step):
        return obj
    if isinstance(obj, tuple) and obj and isinstance(obj[0], str):
        return Step(obj[0], tuple(obj[1:]))
    raise ImplementationError(f"decide() must return Steps (see vmspec.properties.conformance.impl.announce ...), got {obj!r}")


__all__ = [
    "DECISIONS", "ENVIRONMENT_ACTIONS", "Cooperative", "Environment", "Episode", "EventView", "Factory", "HostView",
    "ImplementationError", "Observation", "Orchestrator", "SpecViolation", "Stalled", "VMView", "announce", "cancel",
    "stall_bound",
    "complete", "freeze", "load_factory", "write_report", "observe", "patch_empty_host", "reboot", "redeploy", "live_migrate", "resume", "resync",
    "start", "watchdog_resume",
]
