"""From Z3 back to the model: symbolic states to `State`s, chosen actions to `Step`s, and a
bounded trace to the shared `Counterexample` (engine ``bmc``).

A decoded trace is never trusted on its own: `to_counterexample` re-runs its steps
through the Python model (`Spec.step`) and compares every state the model produces with
the state Z3 claimed.  Any difference is an `EngineDisagreement`, reported with the step
and the fields that differ, because one of the two encodings is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import z3

from vmspec.model import ALL_EVENT_TYPES, EVENT_TYPES, ActionNotEnabled, State, Step
from vmspec.model.state import VM_STATUSES, Event, HostState, VMState
from vmspec.properties.engines.z3.concrete_model import Encoding
from vmspec.properties.engines.z3.concrete_state import NONE, ROUNDS, Instance, SymState, state_map
from vmspec.properties.evidence import counterexample as cx
from vmspec.properties.evidence.diff import changes

ENGINE = "z3"  # one name for the engine: verdicts, counterexamples, files and docs


class EngineDisagreement(AssertionError):
    """Z3 and the Python model disagree about a step: one encoding is wrong."""

    def __init__(self, index: int, step: Step, detail: str) -> None:
        self.index, self.step, self.detail = index, step, detail
        super().__init__(f"step {index} {step}: {detail}")


def _py(term: z3.ExprRef | int | bool) -> int | bool:
    if isinstance(term, (bool, int)):  # already a Python value (`evaluate.Compiled`)
        return term
    if z3.is_true(term):
        return True
    if z3.is_false(term):
        return False
    if z3.is_int_value(term):
        return term.as_long()
    raise ValueError(f"not a constant: {term}")


def _identity(term: object) -> object:
    return term


IDENTITY = _identity  # `decode_state(enc, s, IDENTITY)`: `s` already holds Python values


def evaluator(model: z3.ModelRef) -> Callable[[z3.ExprRef], z3.ExprRef]:
    return lambda term: model.eval(term, model_completion=True)


def decode_state(enc: Encoding, s: SymState, evaluate: Callable[[z3.ExprRef], z3.ExprRef] | None = None) -> State:
    """The model `State` a symbolic state denotes once every term is a constant
    (after `evaluate`, a model evaluation, or `z3.simplify` by default)."""
    c = s if evaluate is _identity else state_map(s, evaluate or z3.simplify)

    def opt(term: z3.ExprRef) -> int | None:
        x = _py(term)
        return None if x == NONE else int(x)

    hosts = tuple(HostState(bool(_py(x.patched)), bool(_py(x.needs_reboot)), enc.phases[int(_py(x.phase))],
                            int(_py(x.rounds))) for x in c.hosts)
    vms = tuple(
        VMState(VM_STATUSES[int(_py(v.status))], int(_py(v.host)), int(_py(v.memory)), opt(v.snapshot),
                opt(v.frozen_for), int(_py(v.clock_lag)), opt(v.unsynced_for))
        for v in c.vms
    )
    events = []
    for h, e in enumerate(c.slots):
        if not _py(e.present):
            continue
        events.append(Event(
            enc.event_id(h, int(_py(e.id_round)), bool(_py(e.renamed))), ALL_EVENT_TYPES[int(_py(e.etype))], h,
            tuple(i for i, r in enumerate(e.resources) if _py(r)), enc.statuses[int(_py(e.status))],
            opt(e.not_before_in), int(_py(e.notice)), int(_py(e.duration)), bool(_py(e.approved)),
            enc.source_of(e),
            opt(e.approver), tuple(a for a, t in enumerate(e.tenants) if _py(t)),
            tuple(x for x, a in enumerate(e.also) if x != h and _py(a)),
        ))
    removed = frozenset(
        enc.event_id(h, r, bool(k)) for h in range(enc.n_hosts) for r in ROUNDS for k in (0, 1)
        if _py(c.removed[h][r - 1][k])
    )
    recovering = tuple(None if _py(left) == NONE else (int(_py(ud)), int(_py(left))) for ud, left in c.recovering)
    return State(hosts, vms, tuple(sorted(events, key=lambda e: e.event_id)), int(_py(c.incarnation)), removed,
                 recovering)


def step_of(enc: Encoding, inst: Instance, before: State, evaluate: Callable[[z3.ExprRef], z3.ExprRef]) -> Step:
    """The readable `Step` of an action instance, as `Spec.successors` names it."""
    hn, vn = enc.spec.host_names, enc.spec.vm_names
    kind = inst.key[0]
    if kind == "announce":
        return Step(inst.name, (hn[inst.key[1]], EVENT_TYPES[inst.key[2]]))
    if kind == "host":
        return Step(inst.name, (hn[inst.key[1]],))
    if kind == "vm":
        return Step(inst.name, (vn[inst.key[1]],))
    if kind in ("event", "approve"):
        e = next((x for x in before.events if x.host == inst.key[1]), None)  # the event of that slot
        if e is None:
            raise EngineDisagreement(0, Step(inst.name, ("?",)), f"Z3 chose an event action on host {hn[inst.key[1]]} "
                                     "whose slot is empty")
        if kind == "approve":
            return Step(inst.name, (e.event_id, enc.spec.approver_name(inst.key[2])))
        return Step(inst.name, (e.event_id,))
    return Step(inst.name, (int(_py(evaluate(inst.dt))),))  # type: ignore[arg-type]


@dataclass(frozen=True)
class DecodedTrace:
    states: tuple[State, ...]  # as Z3 claims them, from the initial state
    steps: tuple[Step, ...]


def decode_trace(enc: Encoding, model: z3.ModelRef, states: Sequence[SymState], chosen: Sequence[Instance]) -> DecodedTrace:
    """States and steps of a bounded path; `chosen[k]` is the instance taking state k to k+1."""
    ev = evaluator(model)
    decoded = [decode_state(enc, s, ev) for s in states]
    steps = tuple(step_of(enc, inst, decoded[k], ev) for k, inst in enumerate(chosen))
    return DecodedTrace(tuple(decoded), steps)


def check_against_model(enc: Encoding, trace: DecodedTrace) -> list[tuple[Step, State]]:
    """Replay `trace` through the Python model; raise `EngineDisagreement` on the first
    step it refuses or whose successor differs from the state Z3 claimed."""
    spec = enc.spec
    s = spec.initial_state()
    if s != trace.states[0]:
        raise EngineDisagreement(0, Step("init", ()), "initial states differ: " + "; ".join(changes(spec, s, trace.states[0])))
    path = []
    for k, st in enumerate(trace.steps, 1):
        try:
            t = spec.step(s, st)
        except ActionNotEnabled as exc:
            raise EngineDisagreement(k, st, f"Z3 took it but the model refuses: {exc}") from None
        if t != trace.states[k]:
            diff = "; ".join(changes(spec, t, trace.states[k])) or _raw_diff(t, trace.states[k])
            raise EngineDisagreement(k, st, f"successors differ (model -> Z3): {diff}")
        path.append((st, t))
        s = t
    return path


def _raw_diff(a: State, b: State) -> str:
    out = []
    if a.removed != b.removed:
        out.append(f"removed {sorted(a.removed)} -> {sorted(b.removed)}")
    if a.events != b.events:
        out.append(f"events {a.events} -> {b.events}")
    return "; ".join(out) or "states differ"


def to_counterexample(
    enc: Encoding, trace: DecodedTrace, prop: str, message: str, *, kind: str, config: str, settings: dict
) -> cx.Counterexample:
    """The shared counterexample value for a decoded trace, after checking it against the model."""
    path = check_against_model(enc, trace)
    return cx.build(enc.spec, path, prop, message, kind=kind, engine=ENGINE, config=config, mutant=enc.mutant,
                    engine_settings=settings)


__all__ = ["ENGINE", "DecodedTrace", "EngineDisagreement", "check_against_model", "decode_state", "decode_trace",
           "evaluator", "step_of", "to_counterexample"]
