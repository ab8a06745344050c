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

from vmspec.model import ACTION_INFO, Params, Spec, State, Step, Topology
from vmspec.properties.conformance.trace.conform import TraceChecker, Violation, write_violation

# The environment's moves besides time: an application approves, the in-place patch
# finishes (an overrunning patch is one that has not finished yet), rebooted VMs boot.
ENVIRONMENT_ACTIONS = ("app_approve_event", "host_apply_patch", "host_boot_vms")
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
    event_type: str  # Freeze, Reboot or Redeploy
    host: str
    resources: tuple[str, ...]  # VM names
    status: str  # Scheduled or Started
    not_before: Fraction  # absolute time of NotBefore (seconds since the rollout began)
    approved: bool  # an application approved it


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


class Stalled(AssertionError):
    """Under a cooperative environment the implementation did not complete the rollout."""

    def __init__(self, message: str, checker: TraceChecker | None = None) -> None:
        self.message, self.checker = message, checker
        super().__init__(message)


def load_factory(spec: str) -> Factory:
    """Import ``package.module:factory``."""
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise ImplementationError(f"expected package.module:factory, got {spec!r}")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ImplementationError(f"cannot load {spec!r}: {exc}") from None
    if not callable(obj):
        raise ImplementationError(f"{spec!r} is not callable")
    return obj


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
                  not_before[e.event_id], e.approved)
        for e in s.events
    )
    return Observation(now, hosts, vms, events, s.incarnation)


@dataclass
class Episode:
    """One rollout: the implementation decides, the environment moves, the spec judges."""

    spec: Spec
    orchestrator: Orchestrator
    config: str = "?"
    out: Path | None = None  # where a violation's report goes
    stem: str = "impl"
    moves: int = 40  # environment moves chosen by the environment under test
    drain: int = 400  # cooperative moves afterwards, within which the rollout must complete

    def __post_init__(self) -> None:
        self.checker = TraceChecker(self.spec, config=self.config, source=f"<{self.stem}>")
        self.not_before: dict[str, Fraction] = {}
        self.decisions = 0

    @property
    def state(self) -> State:
        return self.checker.state

    def run(self, env: Environment) -> TraceChecker:
        for _ in range(self.moves):
            if self._settle_and_done():
                return self.checker
            self._environment_move(env)
        cooperative = Cooperative()
        for _ in range(self.drain):
            if self._settle_and_done():
                return self.checker
            self._environment_move(cooperative)
        pending = sorted(o for p in ("every_host_patched", "frozen_vm_resumes") for o in _pending(self.spec, p, self.state))
        files = self._write() if self.out else []
        raise Stalled(
            f"the rollout did not complete within {self.drain} cooperative environment moves"
            + (f"; pending: {', '.join(pending)}" if pending else "")
            + "".join(f"\n  trace: {f}" for f in files),
            self.checker,
        )

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

    def _environment_move(self, env: Environment) -> None:
        s = self.state
        moves = [st for st in self.spec.enabled_actions(s) if st.name in ENVIRONMENT_ACTIONS] + [TIME]
        move = env.choose(moves)
        if move.name == "time_passes":
            (longest,) = self.spec.time_choices(s)
            dt = Fraction(env.duration(Fraction(longest)))
            if not 0 < dt <= longest:
                raise ValueError(f"the environment chose {dt} s; expected (0, {longest}]")
            self._judge(self.checker.apply(Step("time_passes", (dt,))))
        else:
            self._judge(self.checker.apply(move))

    def _judge(self, violation: Violation | None) -> None:
        for e in self.state.events:  # NotBefore in absolute time, fixed when the event appears
            if e.event_id not in self.not_before and e.not_before_in is not None:
                self.not_before[e.event_id] = self.checker.now + e.not_before_in
        if violation is not None:
            raise SpecViolation(violation, self._write() if self.out else [], self.checker)

    def _write(self) -> list[Path]:
        assert self.out is not None
        return write_report(self.checker, self.out, self.stem)


def write_report(checker: TraceChecker, out: Path, stem: str) -> list[Path]:
    """The counterexample report of a violation (or, for a stall, the trace so far)."""
    if checker.violation is not None:
        return write_violation(checker, out, stem)
    from vmspec.properties.evidence.counterexample import write_atomic

    return [write_atomic(out / f"{stem}.trace.jsonl", "\n".join(checker.prefix_lines()) + "\n")]


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
    "complete", "freeze", "load_factory", "write_report", "observe", "patch_empty_host", "reboot", "redeploy", "resume", "resync",
    "start", "watchdog_resume",
]
