"""The symbolic state of one concrete configuration, for the Z3 encoding of `model/spec.py`.

A host is (patched, needs_reboot, phase, rounds); a VM is (status, host, memory, snapshot,
frozen_for, clock_lag, unsynced_for) with `None` written as -1; the Scheduled Events
document is one *slot per host*, the host its EventId names (notes/decisions.md D7, D17),
each slot holding whether an event is present and its fields and, where an event may name
the VMs of several hosts (R30), which other hosts it covers (a membership vector, event x
host); an EventId is ``host#round`` plus a rename mark; the removed EventIds are one flag per (host, round, rename mark); the
recovery gap of each availability set (R21) is its update domain and the seconds left.
Enumerations are integers indexing `Encoding.phases`, `Encoding.statuses` and so on, so a
mutant may add a value the model does not have.  The terms of a value may also be plain
Python values (`Encoding.concrete(s, python=True)`), which `evaluate` computes with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

import z3

from vmspec.model import ALL_EVENT_TYPES, MAX_ROUNDS
from vmspec.model.state import FROZEN, REBOOTING

NONE = -1  # how an absent timer, snapshot or NotBefore is written
ROUNDS = tuple(range(1, MAX_ROUNDS + 1))  # the rounds an EventId can name (notes/decisions.md D4)
FREEZE, REBOOT, REDEPLOY, PREEMPT, TERMINATE = (
    ALL_EVENT_TYPES.index(t) for t in ("Freeze", "Reboot", "Redeploy", "Preempt", "Terminate"))
# R5: an impacted VM counts in its freeze slice under a Freeze, in its update domain under a
# Reboot or Redeploy (`Spec.slice_of`); the status a VM has while so impacted
IN_FREEZE_SLICE, IN_REBOOT_SLICE = 0, 1
IMPACT_STATUS = {IN_FREEZE_SLICE: FROZEN, IN_REBOOT_SLICE: REBOOTING}


@dataclass(frozen=True)
class SymHost:
    patched: z3.BoolRef
    needs_reboot: z3.BoolRef
    phase: z3.ArithRef  # index into Encoding.phases
    rounds: z3.ArithRef


@dataclass(frozen=True)
class SymVM:
    status: z3.ArithRef  # index into VM_STATUSES
    host: z3.ArithRef
    memory: z3.ArithRef
    snapshot: z3.ArithRef  # NONE unless frozen
    frozen_for: z3.ArithRef  # NONE unless frozen
    clock_lag: z3.ArithRef
    unsynced_for: z3.ArithRef  # NONE when synced


@dataclass(frozen=True)
class SymEvent:
    """The event slot of one host: its fields mean something only while `present`."""

    present: z3.BoolRef
    etype: z3.ArithRef  # index into EVENT_TYPES
    resources: tuple[z3.BoolRef, ...]  # per VM: named in Resources
    status: z3.ArithRef  # index into Encoding.statuses
    not_before_in: z3.ArithRef  # NONE once Started
    notice: z3.ArithRef
    duration: z3.ArithRef
    approved: z3.BoolRef
    id_round: z3.ArithRef  # the round its EventId names
    renamed: z3.BoolRef  # the EventId carries a rename mark (mutant event_id_changes_on_start)
    approver: z3.ArithRef  # who approved it (R28): a VM index, OUTSIDE (-2), or NONE while unapproved
    tenants: tuple[z3.BoolRef, ...] = ()  # per availability set: its approval recorded, while all must (R29)
    user: z3.BoolRef = z3.BoolVal(False)  # EventSource User: its user's request (R35); the platform's otherwise
    # per host: the event also names the VMs of that host (R30, `Event.also_hosts`); empty where the
    # profile announces one host per event, so such configurations have no variable for it
    also: tuple[z3.BoolRef, ...] = ()


@dataclass(frozen=True)
class SymState:
    hosts: tuple[SymHost, ...]
    vms: tuple[SymVM, ...]
    slots: tuple[SymEvent, ...]  # one per host
    incarnation: z3.ArithRef
    removed: tuple[tuple[tuple[z3.BoolRef, z3.BoolRef], ...], ...]  # [host][round - 1][renamed]
    recovering: tuple[tuple[z3.ArithRef, z3.ArithRef], ...]  # per availability set: (update domain, seconds left; NONE: no gap), R21


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a symbolic value's class (None for a term), looked up once per class."""
    names = _FIELD_NAMES.get(cls)
    if names is None and cls not in _FIELD_NAMES:
        names = tuple(f.name for f in fields(cls)) if hasattr(cls, "__dataclass_fields__") else None
        _FIELD_NAMES[cls] = names  # type: ignore[assignment]
    return names


def _leaves(x: object, out: list | None = None) -> list:
    """Every Z3 term of a symbolic value, in a fixed order."""
    if out is None:
        out = []
    if isinstance(x, tuple):
        for item in x:
            _leaves(item, out)
        return out
    names = _field_names(type(x))
    if names is None:
        out.append(x)
    else:
        for n in names:
            _leaves(getattr(x, n), out)
    return out


def _rebuild(template: object, values: Iterable) -> object:
    it = iter(values)

    def go(x: object) -> object:
        if isinstance(x, tuple):
            return tuple(go(item) for item in x)
        names = _field_names(type(x))
        if names is None:
            return next(it)
        return type(x)(**{n: go(getattr(x, n)) for n in names})

    return go(template)


def state_eq(a: SymState, b: SymState) -> z3.BoolRef:
    """Field-by-field equality (absent slots included: their fields are carried over)."""
    return z3.And([x == y for x, y in zip(_leaves(a), _leaves(b))])


def state_map(s: SymState, fn: Callable[[z3.ExprRef], z3.ExprRef]) -> SymState:
    """`s` with `fn` applied to every term (substitution, model evaluation)."""
    return _rebuild(s, [fn(x) for x in _leaves(s)])  # type: ignore[return-value]


def _ite(c: z3.BoolRef, a: object, b: object) -> object:
    """Field-wise if-then-else over two symbolic values of the same shape."""
    return _rebuild(a, [z3.If(c, x, y) for x, y in zip(_leaves(a), _leaves(b))])


def _set(seq: tuple, i: int, value: object) -> tuple:
    return seq[:i] + (value,) + seq[i + 1 :]


def _min(a: z3.ArithRef, b: int | z3.ArithRef) -> z3.ArithRef:
    return z3.If(a <= b, a, b)


@dataclass(frozen=True)
class Instance:
    """One action with concrete arguments: its guard and the next state it builds."""

    name: str
    key: tuple  # ("host", h), ("announce", h, type), ("event", h), ("vm", i) or ("time",)
    guard: z3.BoolRef
    post: SymState
    dt: z3.ArithRef | None = None  # time_passes only: the seconds that pass



__all__ = ["FREEZE", "NONE", "PREEMPT", "REBOOT", "REDEPLOY", "TERMINATE", "ROUNDS", "Instance", "SymEvent", "SymHost", "SymState", "SymVM",
           "state_eq", "state_map"]
