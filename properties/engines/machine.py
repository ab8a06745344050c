"""The Hypothesis stateful machine: a thin adapter that lets Hypothesis drive the model.

Each `@rule` is one model action (`vmspec.model.spec.ACTIONS`), applied with `Spec.step`; its
`@precondition` asks `Spec.successors` whether the action has an enabled step, and its
arguments are drawn from exactly those enabled steps, so no guard is written here.  The
one `@invariant` walks the property registry (`Monitor.check_state`): state invariants,
the deadlock check (R20) and a bounded form of liveness (below).  Transition properties
are checked inside the rules, where the step and both states are at hand.  `note()` shows
each step's changes and the last state of a failing run.

Liveness in a finite run: the model keeps no absolute clock, so a run that gets stuck
returns to a state it has already visited.  When the run closes such a cycle, every state
on it leaves an obligation of an eventually-property pending (R18, R19), and the cycle is
*weakly fair* -- every fair step (platform actions and time, `ActionInfo.fair`) enabled in
all of its states is taken on it -- the run is a genuine fair infinite behaviour that
violates the property: a lasso.  A run that is merely too short to finish proves nothing
and is never reported.  A deadlock with a pending obligation is reported the same way, and
so is a state where only unfair actions are enabled: a fair behaviour may stutter there
forever (a lasso of one state, as TLA+ allows), whether or not an application approves.

Swarm over unfair actions: each run draws a set of unfair actions (`ActionInfo.fair`
false: approvals, cancellations, the in-place patch) that it never takes.  Every such run
is a behaviour the model allows -- nothing obliges those actions to happen -- and it
reaches what uniform choice among rules rarely does: a patch that never finishes, so the
watchdog resumes the VMs at the pause bound (R2).  Fair actions are never silenced, so a
lasso stays a fair lasso.

A deadlock ends a run: in a state with no enabled step, where no watched property fails
(the deadlock was found and is no longer watched, or only sometimes-properties are), the
run stutters, as a deadlocked behaviour does forever: the one rule left enabled is
`STUTTER_RULE` (time passing, which a deadlock also blocks), and taking it changes nothing
and takes no model step, until Hypothesis ends the run.  No rule is added for this, so the
choices Hypothesis makes in every run that never deadlocks stay as they were.

Coverage: each run records `event()`s (actions taken, sometimes-properties reached,
whether the rollout completed, "no VM was ever frozen") for Hypothesis' statistics,
`target()`s the number of hosts patched and the longest pause, and adds its counts to the class's `Coverage`,
which `vmspec fuzz` prints, so a run that never froze a VM is visible as such.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from typing import Any, ClassVar

from hypothesis import event, note, target
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from vmspec.model import ACTION_INFO, ACTIONS, EVENT_TYPES, MAX_ROUNDS, Spec, State, Step
from vmspec.model.state import SCHEDULED, Event
from vmspec.properties.catalogue.registry import (
    ALWAYS,
    DEADLOCK,
    EVENTUALLY,
    EVERYTHING,
    REGISTRY,
    SOMETIMES,
    STATE,
    STEP,
    TRANSITION,
    Incremental,
    Property,
    changed,
)
from vmspec.properties.engines.strategies import World
from vmspec.properties.evidence.counterexample import DEADLOCK_KIND, LASSO, SAFETY, STUTTER, spec_for
from vmspec.properties.evidence.diff import changes, describe_state

__all__ = [
    "Coverage",
    "ModelDisagreement",
    "Monitor",
    "PropertyViolated",
    "RolloutMachine",
    "STUTTER_RULE",
    "Violation",
    "argument_domains",
    "machine_class",
]


class ModelDisagreement(AssertionError):
    """`Spec.step` and `Spec.successors` disagree about a step: a bug in the model itself."""


@dataclass(frozen=True)
class Violation:
    """A property that failed, how (safety, deadlock, stutter or lasso) and where a lasso's cycle starts."""

    prop: Property
    message: str
    kind: str
    loop_start: int | None = None


class PropertyViolated(AssertionError):
    """Raised by the machine when a property fails.  Carries the path from the initial
    state, so the shrunk run can be turned into the shared counterexample value."""

    def __init__(self, violation: Violation, spec: Spec, world: World, path: list[tuple[Step, State]]) -> None:
        self.violation, self.spec, self.world, self.path = violation, spec, world, list(path)
        v = violation
        where = f"after {len(path)} steps" + (f", cycle from step {v.loop_start}" if v.loop_start else "")
        super().__init__(f"{v.prop.name} ({v.prop.rule}) violated {where}: {v.message}")


# ---------------------------------------------------------------------- the registry walk


class Monitor:
    """One run of the model checked against the registry, step by step.

    Holds the path, the states visited and what `Spec.successors` enables in the current
    state.  The Hypothesis machine drives one; `vmspec.properties.engines.fuzz` drives others to replay
    and reduce a shrunk run.  `watch` limits which properties fail the run (None: all)."""

    def __init__(self, spec: Spec, watch: frozenset[str] | None = None) -> None:
        self.spec, self.watch = spec, watch
        self.path: list[tuple[Step, State]] = []
        self.states: list[State] = []  # states[i] is the state after i steps
        self.fair_enabled: list[frozenset[Step]] = []  # fair steps enabled in states[i]
        self.visits: dict[State, list[int]] = {}
        self.successors: dict[Step, State] = {}
        self.enabled: dict[str, list[tuple]] = {}
        self.reached: set[str] = set()
        self._always = [p for p in REGISTRY if p.kind == ALWAYS and self.watched(p)]
        self._eventually = [p for p in REGISTRY if p.kind == EVENTUALLY and self.watched(p)]
        # Incremental checks: after a step only the properties reading a part it changed are
        # re-checked, when the state before passed them all (`_clean`: its index, else -1).
        self._inc_trans = Incremental(p for p in REGISTRY if p.scope == TRANSITION)
        self._inc_state = Incremental(p for p in self._always if p.scope == STATE)
        self._inc_some = Incremental(p for p in REGISTRY if p.kind == SOMETIMES and p.scope == STATE)
        self._clean = -1
        self.arrive(spec.initial_state())

    @property
    def state(self) -> State:
        return self.states[-1]

    def watched(self, p: Property) -> bool:
        return self.watch is None or p.name in self.watch

    def arrive(self, s: State) -> None:
        """Make `s` the current state and list what is enabled in it."""
        self.successors = dict(self.spec.successors(s))
        self.enabled = {}
        for st_ in self.successors:
            self.enabled.setdefault(st_.name, []).append(st_.args)
        self.visits.setdefault(s, []).append(len(self.states))
        self.states.append(s)
        self.fair_enabled.append(frozenset(x for x in self.successors if ACTION_INFO[x.name].fair))

    def take(self, step: Step) -> Violation | None:
        """Apply an enabled step with `Spec.step`, check the transition properties, move on."""
        before = self.state
        after = self.spec.step(before, step)
        if after != self.successors.get(step):
            raise ModelDisagreement(f"step({step}) and successors() lead to different states")
        self.path.append((step, after))
        found = self.check_transition(before, step, after)
        self.arrive(after)
        return found

    def check_transition(self, s: State, step: Step, t: State) -> Violation | None:
        due, skipped = self._inc_trans.split(changed(s, t) | STEP)
        for p in due:
            if p.kind == SOMETIMES:
                if p.name not in self.reached and p.check(self.spec, s, step, t):
                    self.reached.add(p.name)
            elif p.kind == ALWAYS and self.watched(p):
                msg = p.check(self.spec, s, step, t)
                if msg:
                    return Violation(p, msg, SAFETY)
        if self._inc_trans.debug:
            for p in skipped:
                if (p.kind == ALWAYS and self.watched(p)) or (p.kind == SOMETIMES and p.name not in self.reached):
                    p.skipped_wrongly(p.check(self.spec, s, step, t))
        return None

    def check_state(self) -> Violation | None:
        """Every state-level property of the registry, in registry order."""
        spec, s = self.spec, self.state
        here = len(self.states) - 1
        mask = changed(self.states[-2], s) if here and self._clean == here - 1 else EVERYTHING
        _, skipped = self._inc_state.split(mask)
        for p in self._always:
            if p.scope == STATE:
                if not p.reads & mask:
                    continue
                msg = p.check(spec, s)
                if msg:
                    return Violation(p, msg, SAFETY)
            elif p.scope == DEADLOCK:
                msg = p.check(spec, s, len(self.successors))
                if msg:
                    return Violation(p, msg, DEADLOCK_KIND)
        debug = self._inc_state.debug
        if debug:
            for p in skipped:
                p.skipped_wrongly(p.check(spec, s))
        due, skipped = self._inc_some.split(mask)
        for p in due:
            if p.name not in self.reached and p.check(spec, s):
                self.reached.add(p.name)
        if debug:
            for p in skipped:
                if p.name not in self.reached:
                    p.skipped_wrongly(p.check(spec, s))
        self._clean = here  # every always-property over states holds here
        for p in self._eventually:
            found = self.check_eventually(p)
            if found:
                return found
        return None

    def check_eventually(self, p: Property) -> Violation | None:
        """A deadlock, a state with only unfair actions enabled (a fair run may stutter
        there forever), or a fair cycle just closed, that keeps an obligation of `p` pending."""
        spec, s = self.spec, self.state
        if not self.successors:
            pending = p.check(spec, s)
            return Violation(p, "stuck with " + ", ".join(sorted(pending)), DEADLOCK_KIND) if pending else None
        if not self.fair_enabled[-1]:
            pending = p.check(spec, s)
            if pending:
                only = ", ".join(sorted(self.enabled))
                return Violation(p, f"only unfair actions ({only}) are enabled, so the run may stay here forever "
                                    "while " + ", ".join(sorted(pending)) + " is still pending", STUTTER)
        here = len(self.states) - 1
        earlier = set(self.visits[s][:-1])
        if not earlier:
            return None
        pending: frozenset[str] | None = None
        always_enabled: frozenset[Step] | None = None
        taken: set[Step] = set()
        for k in range(here - 1, min(earlier) - 1, -1):  # grow the cycle backwards from here
            obligations = p.check(spec, self.states[k])
            pending = obligations if pending is None else pending & obligations
            if not pending:
                return None
            fair = self.fair_enabled[k]
            always_enabled = fair if always_enabled is None else always_enabled & fair
            taken.add(self.path[k][0])
            if k in earlier and always_enabled <= taken:
                return Violation(p, "pending forever on a fair cycle: " + ", ".join(sorted(pending)), LASSO, k + 1)
        return None


def argument_domains(spec: Spec) -> dict[str, tuple[tuple, ...]]:
    """The fixed argument tuples each action can take in `spec` (time excepted): hosts,
    hosts with an event type, VMs, EventIds host#round for every possible round, and
    EventIds with an approver (a VM or "outside", R28)."""
    hosts, vms = spec.host_names, spec.vm_names
    events = tuple(dict.fromkeys(spec.event_id(h, r) for h in range(len(hosts)) for r in range(1, MAX_ROUNDS + 1)))
    by_kind = {"host": hosts, "vm": vms, "event": events, "event_type": EVENT_TYPES}
    out = {a.name: tuple(product(*(by_kind[k] for k in a.args))) for a in ACTIONS if a.args[-1] not in ("seconds",
                                                                                                        "approver")}
    for a in ACTIONS:
        if a.args == ("event", "approver"):
            out[a.name] = tuple((eid, who) for eid in events for who in _likely_approvers(spec, eid))
    return out


def _likely_approvers(spec: Spec, event_id: str) -> tuple[str, ...]:
    """Who may approve an event of the host `event_id` names while its first VMs are on it (R28):
    one name per event under the narrow scope of one VM per host, so approvals are drawn as
    before approvers were recorded.  An approver enabled elsewhere is still drawn (`draw_args`
    adds every enabled argument)."""
    h = spec.host_ix[event_id.rsplit("#", 1)[0]]
    s = spec.initial_state()
    resident = spec.residents(s, h)
    if not resident:
        return ()
    e = Event(event_id, "Freeze", h, resident, SCHEDULED, 1, 1, -1, False)
    return tuple(spec.approver_name(who) for who in spec.approvers_for(s, e))


# ---------------------------------------------------------------------- coverage


@dataclass
class Coverage:
    """What a series of runs exercised, summed over every run of one machine class."""

    runs: int = 0
    steps: int = 0
    completed: int = 0  # runs in which the rollout completed
    actions: Counter = field(default_factory=Counter)  # steps taken per action
    runs_with: Counter = field(default_factory=Counter)  # runs that took each action at least once
    reached: Counter = field(default_factory=Counter)  # runs that reached each sometimes-property

    def never_taken(self) -> list[str]:
        return [a.name for a in ACTIONS if not self.actions[a.name]]

    def add_run(self, monitor: Monitor) -> bool:
        """Count one finished run; return whether its rollout completed."""
        taken = {st_.name for st_, _ in monitor.path}
        complete = any(monitor.spec.rollout_complete(x) for x in monitor.states)
        self.runs += 1
        self.steps += len(monitor.path)
        self.completed += complete
        self.actions.update(st_.name for st_, _ in monitor.path)
        self.runs_with.update(taken)
        self.reached.update(monitor.reached)
        return complete

    def to_json(self) -> dict:
        return {"runs": self.runs, "steps": self.steps, "completed": self.completed,
                "actions": {a.name: self.actions[a.name] for a in ACTIONS},
                "runs_with": {a.name: self.runs_with[a.name] for a in ACTIONS},
                "reached": {p.name: self.reached[p.name] for p in REGISTRY if p.kind == SOMETIMES}}

    def summary(self) -> str:
        top = ", ".join(f"{a.name} {self.actions[a.name]}" for a in ACTIONS if self.actions[a.name])
        never = self.never_taken()
        return (f"{self.runs} runs, {self.steps} steps, {self.completed} completed rollouts; actions: {top}"
                + (f"; never taken: {', '.join(never)}" if never else ""))


# ---------------------------------------------------------------------- the machine


# Actions the model does not promise ever to take (`ActionInfo.fair` false): an
# application may never approve, the platform may never cancel, a patch may never finish.
UNFAIR_ACTIONS = tuple(a.name for a in ACTIONS if not a.fair)

# The rule a deadlocked run stutters under (no step is taken; see the module's docstring).
STUTTER_RULE = "time_passes"

# Actions only the profiles with a parameter on can take, by that `Params` field.  A machine has
# their rules (and may silence them) only when its worlds can take them (`machine_class`), so the
# derandomised campaigns of every other world draw exactly as without them.
OPTIONAL_ACTIONS: dict[str, str | tuple[str, ...]] = {
    "host_hardware_failure": "hardware_failures", "user_reboot_vm": "user_events",
    "host_live_migrate": "live_migration", "platform_announce_group": "multi_host_events",
    # R36, R37: evictions, and the eviction itself where either kind can be announced
    "platform_preempt_vm": "spot_evictions", "user_delete_vm": "terminate_timeout",
    "host_evict_vm": ("spot_evictions", "terminate_timeout"),
}


def optional_actions(params: Any) -> frozenset[str]:
    """The optional actions a world with these parameters can take (any of its fields on, or set)."""
    return frozenset(name for name, fields_ in OPTIONAL_ACTIONS.items()
                     if any(getattr(params, f) not in (False, None) for f in ((fields_,) if isinstance(fields_, str)
                                                                              else fields_)))


def _should_note() -> bool:
    """Whether a note() would be shown (the final, minimal run): skip building it otherwise."""
    from hypothesis.control import should_note

    return should_note()


class RolloutMachine(RuleBasedStateMachine):
    """Drives one rollout of the model (or a mutant) through Hypothesis.  Use
    `machine_class` to make a subclass bound to worlds, a mutant and the properties watched."""

    worlds: ClassVar[st.SearchStrategy[World]]
    mutant: ClassVar[str | None] = None
    watch: ClassVar[frozenset[str] | None] = None  # None: every property fails the run
    coverage: ClassVar[Coverage]
    unfair: ClassVar[tuple[str, ...]] = tuple(a for a in UNFAIR_ACTIONS if a not in OPTIONAL_ACTIONS)

    def __init__(self) -> None:
        super().__init__()
        self.world: World | None = None
        self.monitor: Monitor | None = None
        self.domains: dict[str, tuple[tuple, ...]] = {}
        self.silenced: frozenset[str] = frozenset()
        self.stutters = 0  # steps taken in a deadlock, each one changing nothing

    @initialize(data=st.data())
    def start(self, data: st.DataObject) -> None:
        """Draw the world (topology and parameters) and start from its initial state."""
        self.world = data.draw(self.worlds, label="world")
        spec = spec_for(self.world.topology, self.world.params, self.mutant)
        self.monitor = Monitor(spec, self.watch)
        self.domains = argument_domains(spec)
        self.silenced = data.draw(st.frozensets(st.sampled_from(self.unfair)), label="silenced")
        if _should_note():
            note(f"world {self.world.label}: {len(spec.host_names)} hosts, {len(spec.vm_names)} VMs, "
                 f"{self.world.params}")

    def is_enabled(self, name: str) -> bool:
        """The action has an enabled step, and is not silenced in this run (unless every
        enabled action is: then the run goes on with what there is).  In a deadlock only
        `STUTTER_RULE` is, and the run stutters."""
        m = self.monitor
        if m is not None and not m.successors:
            return name == STUTTER_RULE
        if m is None or name not in m.enabled:
            return False
        return name not in self.silenced or all(n in self.silenced for n in m.enabled)

    def fail(self, v: Violation | None) -> None:
        if v is None:
            return
        m = self.monitor
        assert m is not None and self.world is not None
        if _should_note():
            note(f"last state: {describe_state(m.spec, m.state)}")
        raise PropertyViolated(v, m.spec, self.world, m.path)

    def take(self, name: str, data: st.DataObject) -> None:
        """Take one enabled step of action `name`, with arguments drawn from the enabled ones."""
        m = self.monitor
        assert m is not None
        if not m.successors:  # deadlocked: stutter (the state was checked when the run got here)
            self.stutters += 1
            if self.stutters == 1 and _should_note():
                note(f"{len(m.path)}. deadlocked: no step is enabled; the run stutters until it ends")
            return
        step, before = Step(name, self.draw_args(name, data)), m.state
        found = m.take(step)
        if _should_note():
            note(f"{len(m.path)}. {step}: " + "; ".join(changes(m.spec, before, m.state)))
        self.fail(found)

    def draw_args(self, name: str, data: st.DataObject) -> tuple:
        """Arguments of an enabled step of `name`.  One integer is drawn over the action's
        fixed argument domain (host names, VM names, EventIds by host and round) and the
        first enabled arguments from there on are taken: a step keeps naming the same
        host or event when Hypothesis deletes earlier steps, which keeps shrinking local.
        When several event types are enabled for that host (a Reboot or a Redeploy), a
        second integer picks one, each equally likely: the first from there on would be a
        Reboot five times in six."""
        assert self.monitor is not None
        enabled = self.monitor.enabled[name]
        domain = self.domains.get(name, ())
        domain = domain + tuple(a for a in enabled if a not in domain)  # e.g. a mutant's odd EventIds
        if len(domain) == 1:
            return domain[0]
        i = data.draw(st.integers(0, len(domain) - 1), label=name)
        chosen = next(a for a in domain[i:] + domain[:i] if a in enabled)
        if "event_type" in ACTION_INFO[name].args:
            types = [a for a in enabled if a[0] == chosen[0]]
            if len(types) > 1:
                return types[data.draw(st.integers(0, len(types) - 1), label=f"{name} type")]
        return chosen

    @invariant()
    def registry_holds(self) -> None:
        """Every property of the registry, in registry order, on the current state."""
        assert self.monitor is not None
        if self.stutters:
            return  # nothing changed since the deadlock was checked
        self.fail(self.monitor.check_state())

    def teardown(self) -> None:
        """Add this run's counts to the class coverage and steer the search toward progress
        and toward long pauses."""
        m = self.monitor
        if m is None:
            return
        complete = self.coverage.add_run(m)
        for name in sorted({st_.name for st_, _ in m.path}):
            event(f"action {name}")
        for name in sorted(m.reached):
            event(f"reached {name}")
        event("rollout completed" if complete else "rollout not completed")
        if not any(st_.name == "host_freeze" for st_, _ in m.path):
            event("no VM was ever frozen")
        target(float(sum(h.patched for h in m.state.hosts)), label="hosts patched")
        longest = max((v.frozen_for or 0 for x in m.states for v in x.vms), default=0)
        target(float(longest), label="longest pause")  # toward the pause bound and the watchdog (R2)


def _action_rule(name: str) -> Callable[..., None]:
    """The rule for model action `name`: enabled when `Spec.successors` offers a step of it."""

    def take_action(self: RolloutMachine, data: st.DataObject) -> None:
        self.take(name, data)

    take_action.__name__ = take_action.__qualname__ = name
    take_action.__doc__ = ACTION_INFO[name].doc
    return precondition(lambda self: self.is_enabled(name))(rule(data=st.data())(take_action))


for _info in ACTIONS:
    if _info.name not in OPTIONAL_ACTIONS:
        setattr(RolloutMachine, _info.name, _action_rule(_info.name))
del _info


def machine_class(worlds: st.SearchStrategy[World], *, mutant: str | None = None,
                  watch: frozenset[str] | None = None, name: str = "Rollout",
                  optional: frozenset[str] = frozenset()) -> type[RolloutMachine]:
    """A machine class bound to the worlds it draws, the mutant it runs and the properties
    whose violation fails the run; it carries its own fresh `Coverage`.  `optional` names the
    optional actions its worlds can take (`optional_actions(params)`): only those get a rule."""
    unknown = optional - set(OPTIONAL_ACTIONS)
    if unknown:
        raise ValueError(f"not optional actions: {sorted(unknown)}; optional: {sorted(OPTIONAL_ACTIONS)}")
    attrs: dict[str, Any] = {"worlds": worlds, "mutant": mutant, "watch": watch, "coverage": Coverage(),
                             "unfair": tuple(a for a in UNFAIR_ACTIONS if a not in OPTIONAL_ACTIONS or a in optional)}
    attrs.update({a: _action_rule(a) for a in sorted(optional)})
    return type(f"{name}Machine", (RolloutMachine,), attrs)
