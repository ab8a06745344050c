"""Refinement checks: both Z3 encodings agree with the Python model, state by state and
step by step (notes/proofs.md, "Refinement checks").

A proof is only as good as the encoding it is about.  These checks evaluate the very
formulas the solvers are given (`evaluate.Compiled`) on concrete model states:

- the concrete encoding (`encode`): on a state, the guard of every action instance is
  true exactly for the steps `Spec.successors` produces, and each post-state it builds
  is the model's successor; every property formula agrees with its Python predicate,
  state formulas on the state and transition formulas on each step;
- the all-sizes encoding (`params_proof`): each invariant, with its quantifiers ranging
  over the concrete hosts and VMs, agrees with its Python predicate, and every step of
  the model is allowed by the abstract transition of the same action, with the state
  before and after fixed (the abstraction over-approximates the model).

Every disagreement is returned as a `Disagreement` naming the state, the action and
both answers, never raised half-way, so one run reports all of them.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import z3

from vmspec.model import EVENT_TYPES, MAX_ROUNDS, Spec, State, Step
from vmspec.model.state import OUTSIDE, USER_SOURCE, Event
from vmspec.properties.catalogue.registry import by_name
from vmspec.properties.engines.z3 import params_properties as PP
from vmspec.properties.engines.z3 import params_vocabulary as V
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.concrete_model import Encoding
from vmspec.properties.engines.z3.concrete_state import NONE, _leaves, _rebuild
from vmspec.properties.engines.z3.decode import IDENTITY, decode_state, step_of
from vmspec.properties.engines.z3.evaluate import Compiled, enum_values
from vmspec.properties.engines.z3.params_actions import Model


@dataclass(frozen=True)
class Disagreement:
    """The two sides answer differently: `encoding` is Z3's formula, `model` the Python side."""

    check: str  # which comparison
    state: State
    action: str  # the step, or "-" for a state formula
    encoding: object
    model: object

    def __str__(self) -> str:
        return (f"{self.check}: on {self.state}\n  action {self.action}: encoding says {self.encoding!r}, "
                f"model says {self.model!r}")


@dataclass
class Tally:
    """What a run of a check covered."""

    states: int = 0
    steps: int = 0
    skipped: int = 0  # states the encoding cannot represent (see `ConcreteRefinement.representable`)
    disagreements: list[Disagreement] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.states += other.states
        self.steps += other.steps
        self.skipped += other.skipped
        self.disagreements += other.disagreements


def breadth_first(spec: Spec) -> Iterator[State]:
    """Every state reachable from the initial one, breadth-first, as they are found."""
    start = spec.initial_state()
    seen = {start}
    queue = deque([start])
    yield start
    while queue:
        for _, t in spec.successors(queue.popleft()):
            if t not in seen:
                seen.add(t)
                queue.append(t)
                yield t


def reachable(spec: Spec, max_states: int | None = None) -> list[State]:
    """The first `max_states` reachable states (all of them by default), breadth-first."""
    return list(itertools.islice(breadth_first(spec), max_states))


# ---------------------------------------------------------------------- the concrete encoding


class ConcreteRefinement:
    """The concrete encoding of one spec (model or mutant) against `Spec.successors` and
    the registry's predicates."""

    def __init__(self, spec: Spec, enc: Encoding) -> None:
        self.spec, self.enc = spec, enc
        pre, post = enc.variables("s"), enc.variables("t")
        self.template = pre
        self.pre_names = [str(x) for x in _leaves(pre)]
        self.post_names = [str(x) for x in _leaves(post)]
        self.instances = enc.instances(pre)
        self.guards = Compiled([i.guard for i in self.instances])
        self.posts = [Compiled(_leaves(i.post) + ([i.dt] if i.dt is not None else [])) for i in self.instances]
        self.state_names = list(P.STATE_FORMULAS)
        self.state_formulas = Compiled([f(enc, pre) for f in P.STATE_FORMULAS.values()] + [P.deadlock_free(enc, pre)])
        self.is_time, self.dt = z3.Bool("step.is_time"), z3.Int("step.dt")
        info = P.StepInfo(self.is_time, self.dt)
        self.transition_names = list(P.TRANSITION_FORMULAS)
        self.transition_formulas = Compiled([f(enc, pre, post, info) for f in P.TRANSITION_FORMULAS.values()])
        self._values: dict[State, list] = {}

    def with_spec(self, spec: Spec) -> ConcreteRefinement:
        """The same compiled encoding judged against another spec (a mismatched pair shows
        that the check catches a difference)."""
        other = copy.copy(self)
        other.spec, other._values = spec, {}
        return other

    @staticmethod
    def one_event_per_host(s: State) -> bool:
        """The slot layout's limit (notes/decisions.md D7)."""
        hosts = [e.host for e in s.events]
        return len(hosts) == len(set(hosts))

    def representable(self, s: State) -> bool:
        return self.one_event_per_host(s) and self.expressible(s)

    def expressible(self, s: State) -> bool:
        """Every phase and status of `s` is one the encoding has (a mutant may add one)."""
        return (all(x.phase in self.enc.phases for x in s.hosts)
                and all(e.status in self.enc.statuses for e in s.events))

    def values(self, s: State) -> list:
        """The encoding's variables' values for `s` (via `Encoding.concrete`)."""
        out = self._values.get(s)
        if out is None:
            out = self._values[s] = _leaves(self.enc.concrete(s, python=True))
        return out

    def _state_formulas(self, s: State, env: dict, out: Tally) -> bool:
        """Each state formula against its predicate; returns the deadlock formula's answer."""
        answers = self.state_formulas(env)
        for name, holds in zip(self.state_names, answers):
            expected = by_name(name).check(self.spec, s)
            if holds != (expected is None):
                out.disagreements.append(Disagreement(f"state formula {name}", s, "-", holds, expected or "holds"))
        return answers[-1]

    def check_state(self, s: State) -> Tally:
        """The state formulas only (for states the model's actions are not defined on)."""
        out = Tally()
        if not self.representable(s):
            out.skipped = 1
            return out
        out.states = 1
        self._state_formulas(s, dict(zip(self.pre_names, self.values(s))), out)
        return out

    def check(self, s: State) -> Tally:
        out = Tally()
        if not self.representable(s):
            out.skipped = 1
            return out
        out.states = 1
        spec, enc = self.spec, self.enc
        env = dict(zip(self.pre_names, self.values(s)))
        bad = out.disagreements.append
        python = dict(spec.successors(s))
        live = self._state_formulas(s, env, out)
        if live != bool(python):
            bad(Disagreement("deadlock_free", s, "-", live, bool(python)))
        # the enabled steps and their post-states
        z3side: dict[Step, State] = {}
        for inst, guard, post in zip(self.instances, self.guards(env), self.posts):
            if not guard:
                continue
            values = list(post(env))
            dt = values.pop() if inst.dt is not None else None
            z3side[step_of(enc, inst, s, lambda _term, dt=dt: dt)] = values
        for step in sorted(set(python) | set(z3side), key=str):
            if step not in python:
                bad(Disagreement("enabled", s, str(step), "enabled", "not enabled"))
            elif step not in z3side:
                bad(Disagreement("enabled", s, str(step), "not enabled", "enabled"))
            elif not self.one_event_per_host(python[step]):
                out.skipped += 1  # past a mutant's first violation: two events of one host
            elif not self.expressible(python[step]) or z3side[step] != self.values(python[step]):
                # the same variables mean the same state; otherwise decode (an empty slot's
                # fields are free, so different values may still denote the model's successor)
                claimed = decode_state(enc, _rebuild(self.template, z3side[step]), IDENTITY)  # type: ignore[arg-type]
                if claimed != python[step]:
                    bad(Disagreement("post-state", s, str(step), claimed, python[step]))
        # the transition formulas on every step of the model
        for step, t in python.items():
            out.steps += 1
            if not self.representable(t):
                out.skipped += 1
                continue
            env2 = dict(env)
            env2.update(zip(self.post_names, self.values(t)))
            env2["step.is_time"] = step.name == "time_passes"
            env2["step.dt"] = step.args[0] if step.name == "time_passes" else 0
            for name, holds in zip(self.transition_names, self.transition_formulas(env2)):
                expected = by_name(name).check(spec, s, step, t)
                if holds != (expected is None):
                    bad(Disagreement(f"transition formula {name}", s, str(step), holds, expected or "holds"))
        return out

    def check_all(self, states: Iterable[State]) -> Tally:
        total = Tally()
        for s in states:
            total.add(self.check(s))
        return total


# ---------------------------------------------------------------------- the all-sizes encoding


_POST = {  # PState field -> (argument sorts, how a model State defines it)
    "patched": ("H",), "needs_reboot": ("H",), "phase": ("H",), "rounds": ("H",),
    "status": ("V",), "host": ("V",), "memory": ("V",), "snapshot": ("V",), "frozen_for": ("V",),
    "clock_lag": ("V",), "unsynced": ("V",), "present": ("H",),
}
_EVENT_FIELDS = ("etype", "estatus", "nbi", "notice", "duration", "approved", "user")  # meaningful while present


def _opt(x: int | None) -> int:
    return NONE if x is None else x


def _approver_kind(e: Event | None) -> int:
    """R28: nobody (0), a VM (1) or the API from outside (2) approved `e` (`params_vocabulary`)."""
    if e is None or e.approved_by is None:
        return 0
    return 2 if e.approved_by == OUTSIDE else 1


class Abstraction:
    """A model `State` as an interpretation of the all-sizes vocabulary: hosts and VMs are
    their indices, the availability sets their indices, a slice unit is (set, (kind, unit)):
    `unit` is the freeze slice, `update_domain` the slice of a Reboot or Redeploy."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        p = spec.params
        n_sets = len(spec.topology.availability_sets)
        self.domains = {
            "Host": range(len(spec.host_names)), "VM": range(len(spec.vm_names)), "AvailabilitySet": range(n_sets),
            "Unit": sorted(set(spec.slice_of["Freeze"]) | set(spec.slice_of["Reboot"])),
            "Int": range(-1, MAX_ROUNDS + 2), "Bool": (False, True),
        }
        self.rigid = {
            "aset": spec.vm_aset.__getitem__, "unit": spec.slice_of["Freeze"].__getitem__,
            "update_domain": spec.slice_of["Reboot"].__getitem__, "vm_before": lambda v, w: v < w,
            "notice_for": p.notice_for, "required_notice": p.required_notice,
            "spot": lambda v: spec.topology.vms[v].spot,
            "scale_set": lambda a: spec.topology.availability_sets[a].scale_set,
        }
        self.params = {"pause_bound": p.pause_bound, "granularity": p.granularity,
                       "resync_latency": p.resync_latency, "allow_redeploy": p.allow_redeploy,
                       "expected_pause": p.expected_pause,
                       "freeze_slice_is_update_domain": p.freeze_slice == "update_domain",
                       "resources_one_update_domain": p.resources_one_update_domain,
                       "recovery_gap": p.gap(),
                       "watchdog_any_time": p.watchdog_any_time,
                       "hardware_failures": p.hardware_failures,
                       "user_events": p.user_events,
                       "spot_evictions": p.spot_evictions,
                       "terminate_notifications": p.terminate_timeout is not None,
                       "approval_from_outside": p.approval_from_outside,
                       "approval_scope_is_resources": p.approval_scope == "resources",
                       "all_tenants_approve": p.all_tenants_approve,
                       "live_migration": p.live_migration}

    def functions(self, s: State, prefix: str = "") -> dict[str, Any]:
        """The state functions of `params_vocabulary.pre_state`, named with `prefix`."""
        hosts, vms = s.hosts, s.vms
        ev = [s.event_of_host(h) for h in range(len(hosts))]
        names = self.spec.host_names
        fns: dict[str, Any] = {
            "patched": lambda h: hosts[h].patched, "needs_reboot": lambda h: hosts[h].needs_reboot,
            "phase": lambda h: hosts[h].phase, "rounds": lambda h: hosts[h].rounds,
            "status": lambda v: vms[v].status, "host": lambda v: vms[v].host, "memory": lambda v: vms[v].memory,
            "snapshot": lambda v: _opt(vms[v].snapshot), "frozen_for": lambda v: _opt(vms[v].frozen_for),
            "clock_lag": lambda v: vms[v].clock_lag, "unsynced_for": lambda v: _opt(vms[v].unsynced_for),
            "present": lambda h: ev[h] is not None,
            "event_type": lambda h: ev[h].event_type if ev[h] else "Freeze",
            "res": lambda h, v: ev[h] is not None and v in ev[h].resources,
            "event_status": lambda h: ev[h].status if ev[h] else "Scheduled",
            "not_before_in": lambda h: _opt(ev[h].not_before_in) if ev[h] else NONE,
            "notice": lambda h: ev[h].notice if ev[h] else 0, "duration": lambda h: ev[h].duration if ev[h] else 0,
            "approved": lambda h: bool(ev[h] and ev[h].approved),
            "removed": lambda h, r: f"{names[h]}#{r}" in s.removed,
            "gap_left": lambda a: NONE if s.recovering[a] is None else s.recovering[a][1],
            "recovering": lambda a, u: s.recovering[a] is not None and u == (a, ("update_domain", s.recovering[a][0])),
            "approver_kind": lambda h: _approver_kind(ev[h]),
            "approver_in_set": lambda h: _approver_kind(ev[h]) == 1 and any(
                self.spec.vm_aset[i] == self.spec.vm_aset[ev[h].approved_by] for i in ev[h].resources),
            "approver_named": lambda h: bool(ev[h] and ev[h].approved_by in ev[h].resources),
            "tenant_approved": lambda h, a: bool(ev[h] and a in ev[h].tenants_approved),
            "user": lambda h: bool(ev[h] and ev[h].source == USER_SOURCE),
        }
        return {prefix + k: f for k, f in fns.items()}

    def representable(self, s: State) -> bool:
        """One event per host, naming the host's latest round (EventIds are host and round, D4), and
        no event naming the VMs of several hosts (R30: the all-sizes proof does not encode them)."""
        seen = set()
        for e in s.events:
            if e.also_hosts or e.host in seen or e.event_id != self.spec.event_id(e.host, s.hosts[e.host].rounds):
                return False
            seen.add(e.host)
        phases = {"idle", "announced", "started", "frozen", "rebooting", "recovered"}
        return all(x.phase in phases for x in s.hosts) and all(e.status in ("Scheduled", "Started") for e in s.events)


def _target_state(prefix: str) -> V.PState:
    """Uninterpreted functions standing for a given post-state (`Abstraction.functions(t, prefix)`)."""
    s = V.pre_state()
    renamed = {}
    for f in V.PState.__dataclass_fields__:
        term = getattr(s, f)
        if f == "incarnation":
            renamed[f] = z3.Int(prefix + "incarnation")
        else:
            renamed[f] = z3.Function(prefix + term.name(), *[term.domain(i) for i in range(term.arity())], term.range())
    return V.PState(**renamed)


def _post_matches(post: V.PState, t: V.PState) -> z3.BoolRef:
    """The abstract post-state equals the target, event fields compared only while present."""
    h, v, r = z3.Const("eq_h", V.HostS), z3.Const("eq_v", V.VMS), z3.Int("eq_r")
    a, u = z3.Const("eq_a", V.ASetS), z3.Const("eq_u", V.UnitS)
    hosts = [getattr(post, f)(h) == getattr(t, f)(h) for f, (kind,) in _POST.items() if kind == "H"]
    vms = [getattr(post, f)(v) == getattr(t, f)(v) for f, (kind,) in _POST.items() if kind == "V"]
    event = z3.And([getattr(post, f)(h) == getattr(t, f)(h) for f in _EVENT_FIELDS]
                   + [z3.ForAll([v], post.res(h, v) == t.res(h, v))]
                   + [z3.ForAll([a], post.tenant_approved(h, a) == t.tenant_approved(h, a))]
                   + [z3.Implies(t.approved(h), z3.And(post.approver_kind(h) == t.approver_kind(h),
                                                       post.approver_named(h) == t.approver_named(h),
                                                       z3.Implies(t.approver_kind(h) == V.APPROVER_VM,
                                                                  post.approver_in_set(h) == t.approver_in_set(h))))])
    return z3.And(
        z3.ForAll([h], z3.And(*hosts, z3.Implies(t.present(h), event))), z3.ForAll([v], z3.And(vms)),
        z3.ForAll([h, r], post.removed(h, r) == t.removed(h, r)), post.incarnation == t.incarnation,
        z3.ForAll([a], post.gap_left(a) == t.gap_left(a)), z3.ForAll([a, u], post.recovering(a, u) == t.recovering(a, u)),
    )


_ARGS = {"h0": "Host", "target": "Host", "v0": "VM", "etype": None, "outside0": "Bool"}  # the actions' arguments


class AllSizesRefinement:
    """The all-sizes encoding (`params_actions.Model`, one variant) against the model."""

    def __init__(self, spec: Spec, variant: str | None = None) -> None:
        self.spec, self.variant = spec, variant
        self.alpha = Abstraction(spec)
        s = V.pre_state()
        invariants = {"encoding_wellformed": PP.inv_wellformed, **PP.INVARIANTS}
        self.invariant_names = list(invariants)
        enums = enum_values(V.Status, V.Phase, V.EvStatus, V.EvType)
        self.invariants = Compiled([f(s) for f in invariants.values()] + [f(s) for f in PP.CONSEQUENCES.values()],
                                   enums)
        self.consequence_names = list(PP.CONSEQUENCES)
        t = _target_state("t.")
        self.actions = {}
        for act in Model(variant).actions(s):
            c = Compiled([z3.And(act.guard, _post_matches(act.post, t)), act.guard], enums)
            args = [a for a in _ARGS if a in c.constants]
            self.actions[act.name] = (c, args)

    def representable(self, s: State) -> bool:
        return self.alpha.representable(s)

    def with_spec(self, spec: Spec) -> AllSizesRefinement:
        """The same compiled abstraction judged against another spec of the same topology."""
        other = copy.copy(self)
        other.spec, other.alpha = spec, Abstraction(spec)
        return other

    def _functions(self, s: State) -> dict[str, Any]:
        return {**self.alpha.rigid, **self.alpha.functions(s)}

    def check_state(self, s: State) -> Tally:
        """Each invariant (and R16's consequence) on `s` against its Python predicate."""
        out = Tally()
        if not self.representable(s):
            out.skipped = 1
            return out
        out.states = 1
        env = {**self.alpha.params, "incarnation": s.incarnation}
        answers = self.invariants(env, self._functions(s), self.alpha.domains)
        for name, holds in zip(self.invariant_names + self.consequence_names, answers):
            if name == "encoding_wellformed":
                expected = None if by_name("type_ok").check(self.spec, s) is None else "not well-formed"
                if not holds and expected is None:
                    out.disagreements.append(Disagreement("all-sizes encoding_wellformed", s, "-", holds, "holds"))
                continue
            expected = by_name(name).check(self.spec, s)
            if holds != (expected is None):
                out.disagreements.append(Disagreement(f"all-sizes invariant {name}", s, "-", holds,
                                                      expected or "holds"))
        return out

    def allows(self, s: State, step: Step, t: State) -> bool | None:
        """Whether some arguments of the abstract action take `s` to `t` (None: not representable)."""
        if not (self.representable(s) and self.representable(t)):
            return None
        compiled, args = self.actions[step.name]
        env = {**self.alpha.params, "incarnation": s.incarnation, "t.incarnation": t.incarnation,
               "dt": step.args[0] if step.name == "time_passes" else 0}
        fns = {**self._functions(s), **self.alpha.functions(t, "t.")}
        choices = [EVENT_TYPES if a == "etype" else self.alpha.domains[_ARGS[a]] for a in args]  # type: ignore[index]
        for values in itertools.product(*choices):
            env.update(zip(args, values))
            if compiled(env, fns, self.alpha.domains)[0]:
                return True
        return False

    def check_steps(self, s: State, steps: Iterable[tuple[Step, State]]) -> Tally:
        out = Tally()
        for step, t in steps:
            ok = self.allows(s, step, t)
            if ok is None:
                out.skipped += 1
                continue
            out.steps += 1
            if not ok:
                out.disagreements.append(Disagreement("all-sizes transition", s, str(step), "not allowed", str(t)))
        return out

    def check(self, s: State) -> Tally:
        out = self.check_state(s)
        out.add(self.check_steps(s, self.spec.successors(s)))
        return out

    def check_all(self, states: Iterable[State]) -> Tally:
        total = Tally()
        for s in states:
            total.add(self.check(s))
        return total


def walk_states(spec: Spec, seed: int, length: int) -> Iterator[State]:
    """Every state along one seeded random walk of `length` steps."""
    rng = random.Random(seed)
    s = spec.initial_state()
    yield s
    for _ in range(length):
        succ = list(spec.successors(s))
        if not succ:
            return
        s = rng.choice(succ)[1]
        yield s


__all__ = ["AllSizesRefinement", "ConcreteRefinement", "Disagreement", "Tally", "breadth_first", "reachable",
           "walk_states"]
