"""The one registry of properties: every invariant, transition rule, liveness goal and
vacuity check, each naming the rule of notes/spec.md it enforces.

Kinds:
- ``always``: a deadlock check (`scope="deadlock"`, ``check(spec, s, n_successors)``), a state predicate (`scope="state"`, called as ``check(spec, s)``) or a
  transition predicate (`scope="transition"`, ``check(spec, s, step, t)``).  It returns
  None when it holds and a sentence naming the culprit when it does not.
- ``sometimes``: same signatures; returns True when the situation is reached.  A checker
  that never reaches it has proved nothing about the rule it guards (vacuity).
- ``eventually``: ``check(spec, s)`` returns the frozenset of obligations still pending
  in `s`; a fair run must discharge each one (a lasso that keeps one pending violates it).

Incremental checking: each property declares the parts of the state it reads (`reads`:
hosts, vms, events, incarnation, removed, recovering; a transition property also ``step`` when it
reads the step itself).  Actions keep the parts they leave alone as the very same objects,
so `changed(s, t)` tells by identity which parts a step changed, and an engine re-checks
only the properties that read one of them: a state property whose parts are unchanged has
the value it had in the state before, and a transition property holds on a step that left
its parts unchanged.  With the environment variable ``VMSPEC_CHECK_SKIPPED=1`` (set by the
test suite) every engine also evaluates each skipped property and raises `SkippedCheckFailed`
when skipping would have changed a verdict.  A property that declares nothing reads
everything and is never skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from vmspec.model import (
    ALL_EVENT_TYPES,
    EVENT_SOURCES,
    EVENT_STATUSES,
    EVENT_TYPES,
    HOST_PHASES,
    VM_STATUSES,
    Spec,
    State,
    Step,
)
from vmspec.model.state import (
    ANNOUNCED,
    FROZEN,
    GONE,
    IDLE,
    MEMORY_TOKENS,
    OUTSIDE,
    REBOOTING,
    RUNNING,
    SCHEDULED,
    STARTED_STATUS,
    USER_SOURCE,
    memory_name,
)

ALWAYS, SOMETIMES, EVENTUALLY = "always", "sometimes", "eventually"
STATE, TRANSITION, DEADLOCK = "state", "transition", "deadlock"


# The parts of a state a property may read, as bits (`Property.reads`, `changed`).
PARTS = {"hosts": 1, "vms": 2, "events": 4, "incarnation": 8, "removed": 16, "step": 32, "recovering": 64}
STEP = PARTS["step"]
EVERYTHING = sum(PARTS.values())
CHECK_SKIPPED_ENV = "VMSPEC_CHECK_SKIPPED"


def parts(names: Iterable[str]) -> int:
    """The bit mask of the named parts (KeyError for a name that is no part)."""
    mask = 0
    for n in names:
        if n not in PARTS:
            raise KeyError(f"{n!r} is not a part of the state; parts: {', '.join(PARTS)}")
        mask |= PARTS[n]
    return mask


def changed(s: State, t: State) -> int:
    """The parts of `t` that are not the very objects of `s` (identity, never equality:
    actions keep what they leave alone)."""
    if s is t:
        return 0
    return ((s.hosts is not t.hosts) | (s.vms is not t.vms) << 1 | (s.events is not t.events) << 2
            | (s.incarnation != t.incarnation) << 3 | (s.removed is not t.removed) << 4
            | (s.recovering is not t.recovering) << 6)


def check_skipped() -> bool:
    """Whether engines evaluate the properties they skip and fail when skipping changed a
    verdict (``VMSPEC_CHECK_SKIPPED=1``; on in the test suite)."""
    return os.environ.get(CHECK_SKIPPED_ENV, "") not in ("", "0")


class SkippedCheckFailed(AssertionError):
    """A property skipped because its parts did not change would have given another verdict:
    its `reads` declaration is wrong (or an action rebuilt a part it claims to keep)."""


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # always / sometimes / eventually
    rule: str  # the rule id in notes/spec.md, e.g. "R5"
    scope: str  # state / transition / deadlock
    check: Callable[..., Any]
    doc: str
    reads: int = EVERYTHING  # the parts it reads (PARTS bits); everything unless declared

    def skipped_wrongly(self, result: Any, expected: Any = None) -> None:
        """Raise `SkippedCheckFailed` unless `result`, the value of this property where it
        was skipped, is the value skipping assumed (falsy, or `expected`)."""
        if (result != expected) if expected is not None else result:
            read = ", ".join(n for n, b in PARTS.items() if self.reads & b)
            raise SkippedCheckFailed(f"{self.name} was skipped (it declares it reads {read}, none changed) "
                                     f"but gives {result!r}")

    def holds(self, spec: Spec, *args: Any) -> str | None:
        """For an always-property: None when it holds, otherwise the explanation."""
        return self.check(spec, *args)


REGISTRY: list[Property] = []
# Soft properties: always-properties over states whose breach the documentation admits as a
# rare case (R31, the typical pause).  No engine judges them; the trace checker, the events
# checker and reports show a breach as a warning, never a violation.
WARNINGS: list[Property] = []


class Incremental:
    """Some properties of the registry (one engine's list, in registry order), split by
    what a step changed: `split(mask)` gives (due, skipped), the properties that read a
    changed part and those that do not; for transition properties pass ``changed | STEP``.
    `debug` is `check_skipped()` when the engine started."""

    def __init__(self, props: Iterable[Property]) -> None:
        self.props = tuple(props)
        self.debug = check_skipped()
        self._split: dict[int, tuple[tuple[Property, ...], tuple[Property, ...]]] = {}

    def split(self, mask: int) -> tuple[tuple[Property, ...], tuple[Property, ...]]:
        hit = self._split.get(mask)
        if hit is None:
            hit = self._split[mask] = (tuple(p for p in self.props if p.reads & mask),
                                       tuple(p for p in self.props if not p.reads & mask))
        return hit

KINDS = (ALWAYS, SOMETIMES, EVENTUALLY)
SCOPES = (STATE, TRANSITION, DEADLOCK)
# The scopes each kind can be checked in: an eventually-property names the obligations
# pending in a state; only an always-property judges a state's number of successors.
SCOPES_OF = {ALWAYS: (STATE, TRANSITION, DEADLOCK), SOMETIMES: (STATE, TRANSITION), EVENTUALLY: (STATE,)}


class RegistryError(ValueError):
    """A property that would be silently misjudged: a kind or scope outside the closed sets,
    an unknown rule id, or a name already registered."""


def register(p: Property, registry: list[Property] = REGISTRY) -> Property:
    """Add `p` to `registry` after checking it: every engine selects properties by kind and
    scope, so a misspelt one would never be checked, and a second property with an existing
    name would shadow the first in `by_name` and in the counterexample files."""
    from vmspec.properties.catalogue.rules import RULE_BY_ID

    if p.kind not in KINDS:
        raise RegistryError(f"property {p.name}: kind {p.kind!r} is not one of {', '.join(KINDS)}")
    if p.scope not in SCOPES_OF[p.kind]:
        raise RegistryError(f"property {p.name}: scope {p.scope!r} is not one of {', '.join(SCOPES_OF[p.kind])} "
                            f"(the scopes of a {p.kind}-property)")
    if p.rule not in RULE_BY_ID:
        raise RegistryError(f"property {p.name}: rule {p.rule!r} is not a rule of notes/spec.md")
    if not p.name.isidentifier():
        raise RegistryError(f"property name {p.name!r} must be an identifier (it names files and test functions)")
    if any(q.name == p.name for q in (*REGISTRY, *WARNINGS)):
        raise RegistryError(f"property {p.name} is already registered")
    if not callable(p.check):
        raise RegistryError(f"property {p.name}: check {p.check!r} is not callable")
    registry.append(p)
    return p


def prop(name: str, kind: str, rule: str, scope: str = STATE, reads: Iterable[str] | None = None
         ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated predicate as a property (validated by `register`); `reads`
    names the parts of the state it reads (everything when not given)."""
    mask = EVERYTHING if reads is None else parts(reads)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        register(Property(name, kind, rule, scope, fn, (fn.__doc__ or "").strip(), mask))
        return fn

    return decorate


def warning(name: str, rule: str, reads: Iterable[str] | None = None
            ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated state predicate as a soft property (`WARNINGS`): it returns None
    or the sentence of a warning."""
    mask = EVERYTHING if reads is None else parts(reads)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        register(Property(name, ALWAYS, rule, STATE, fn, (fn.__doc__ or "").strip(), mask), WARNINGS)
        return fn

    return decorate


def _vm(spec: Spec, i: int) -> str:
    return spec.vm_names[i]


def _host(spec: Spec, h: int) -> str:
    return spec.host_names[h]


def _elapsed(step: Step) -> int:
    return step.args[0] if step.name == "time_passes" else 0


def _started_for(s: State, vm: int, types: tuple[str, ...] = EVENT_TYPES) -> bool:
    return any(e.status == STARTED_STATUS and e.event_type in types and vm in e.resources for e in s.events)


# ---------------------------------------------------------------------- R0 well-formedness


@prop("type_ok", ALWAYS, "R0", reads=("hosts", "vms", "events", "incarnation"))
def type_ok(spec: Spec, s: State) -> str | None:
    """Every variable holds a value of its domain."""
    nh, nv = len(spec.host_names), len(spec.vm_names)
    if len(s.hosts) != nh or len(s.vms) != nv:
        return f"state has {len(s.hosts)} hosts and {len(s.vms)} VMs, topology has {nh} and {nv}"
    for h, x in enumerate(s.hosts):
        if x.phase not in HOST_PHASES:
            return f"host {_host(spec, h)} has phase {x.phase!r}"
    for i, v in enumerate(s.vms):
        if v.status not in VM_STATUSES:
            return f"VM {_vm(spec, i)} has status {v.status!r}"
        if not 0 <= v.host < nh:
            return f"VM {_vm(spec, i)} is on host index {v.host}"
        if v.memory not in MEMORY_TOKENS or v.clock_lag < 0:
            return f"VM {_vm(spec, i)} has memory {v.memory!r}, clock lag {v.clock_lag!r}"
        if (v.status == FROZEN) != (v.frozen_for is not None and v.snapshot is not None):
            return f"VM {_vm(spec, i)} is {v.status} with frozen_for={v.frozen_for} snapshot={v.snapshot}"
    if s.incarnation < 1:
        return f"DocumentIncarnation is {s.incarnation}"
    for e in s.events:
        if e.event_type not in ALL_EVENT_TYPES:
            return f"event {e.event_id} has EventType {e.event_type!r}"
        if e.source not in EVENT_SOURCES:
            return f"event {e.event_id} has EventSource {e.source!r}"
    return None


# ---------------------------------------------------------------------- R1 memory kept across a freeze


@prop("frozen_memory_matches_snapshot", ALWAYS, "R1", reads=("vms",))
def frozen_memory_matches_snapshot(spec: Spec, s: State) -> str | None:
    """A frozen VM's memory equals the snapshot taken when it was frozen."""
    for i, v in enumerate(s.vms):
        if v.status == FROZEN and v.memory != v.snapshot:
            return f"VM {_vm(spec, i)} is frozen with memory {memory_name(v.memory)} but its snapshot is {memory_name(v.snapshot)}"
    return None


@prop("memory_kept_at_resume", ALWAYS, "R1", TRANSITION, reads=("vms",))
def memory_kept_at_resume(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A VM that resumes from a freeze has exactly the memory it was frozen with, never an older image of it."""
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        if a.status == FROZEN and b.status == RUNNING and b.memory != a.snapshot:
            return f"VM {_vm(spec, i)} resumed with memory {memory_name(b.memory)}, frozen with {memory_name(a.snapshot)}"
    return None


# ---------------------------------------------------------------------- R2 pause bound


@prop("freeze_within_bound", ALWAYS, "R2", reads=("vms",))
def freeze_within_bound(spec: Spec, s: State) -> str | None:
    """No VM stays frozen longer than the pause bound."""
    bound = spec.params.pause_bound
    for i, v in enumerate(s.vms):
        if v.frozen_for is not None and v.frozen_for > bound:
            return f"VM {_vm(spec, i)} has been frozen {v.frozen_for} s, more than the {bound} s bound"
    return None


@warning("pause_within_typical", "R31", reads=("vms",))
def pause_within_typical(spec: Spec, s: State) -> str | None:
    """No VM stays frozen longer than the profile's typical pause; a longer pause up to the hard bound is the documented rare case (a warning)."""
    typical, bound = spec.params.typical_bound, spec.params.pause_bound
    for i, v in enumerate(s.vms):
        if v.frozen_for is not None and typical < v.frozen_for <= bound:  # past the bound: R2's violation
            return (f"VM {_vm(spec, i)} has been frozen {v.frozen_for} s, beyond the typical {typical} s "
                    f"(rare but allowed up to the hard bound of {bound} s)")
    return None


# ---------------------------------------------------------------------- R3, R4 guest clock


@prop("clock_synced_after_resume", ALWAYS, "R3", reads=("vms",))
def clock_synced_after_resume(spec: Spec, s: State) -> str | None:
    """A running guest's clock equals host time, except within the resync latency after a resume."""
    latency = spec.params.resync_latency
    for i, v in enumerate(s.vms):
        if v.status == RUNNING and v.clock_lag != 0 and (v.unsynced_for is None or v.unsynced_for > latency):
            since = "an unknown time" if v.unsynced_for is None else f"{v.unsynced_for} s"
            return (
                f"VM {_vm(spec, i)} has run {since} since resume with its clock {v.clock_lag} s behind "
                f"host time (resync latency {latency} s)"
            )
    return None


@prop("guest_clock_monotonic", ALWAYS, "R4", TRANSITION, reads=("vms", "step"))
def guest_clock_monotonic(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A guest's wall clock never steps back: it advances by the elapsed time minus any new lag."""
    dt = _elapsed(step)
    forward = dt >= 0  # then a VM whose lag did not change moved forward by dt: no arithmetic per VM
    if forward and s.vms is t.vms:  # no VM changed at all
        return None
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        if forward and (a is b or a.clock_lag == b.clock_lag):
            continue
        if a.status == REBOOTING or b.status == REBOOTING:
            continue
        moved = dt - (b.clock_lag - a.clock_lag)
        if moved < 0:
            return f"VM {_vm(spec, i)}'s guest clock stepped back {-moved} s during {step}"
    return None


# ---------------------------------------------------------------------- R5, R16 sequencing


_IMPACT_OF_STATUS = {FROZEN: "Freeze", REBOOTING: "Reboot"}  # the slice a down VM counts in (R5)


def _slices(units: set) -> str:
    """'2 update domains', or the slices themselves when they are of different kinds."""
    kinds = sorted({kind for kind, _ in units})
    if len(kinds) == 1:
        return f"{len(units)} {kinds[0].replace('_', ' ')}s"
    return " and ".join(f"{kind.replace('_', ' ')} {unit}" for kind, unit in sorted(units))


@prop("one_slice_at_a_time", ALWAYS, "R5", reads=("vms",))
def one_slice_at_a_time(spec: Spec, s: State) -> str | None:
    """At most one slice of an availability set is down: a frozen VM counts in its freeze slice, a rebooting VM in its update domain."""
    down = [(i, _IMPACT_OF_STATUS[v.status]) for i, v in enumerate(s.vms) if v.status in _IMPACT_OF_STATUS]
    for a, units in spec.impacted_slices(down).items():
        if len(units) > 1:
            aset = spec.topology.availability_sets[a].name
            vms = ", ".join(_vm(spec, i) for i, _ in down if spec.vm_aset[i] == a)
            return f"availability set {aset} has {_slices(units)} down at once ({vms})"
    return None


@prop("aset_keeps_a_running_vm", ALWAYS, "R16", reads=("vms",))
def aset_keeps_a_running_vm(spec: Spec, s: State) -> str | None:
    """A set whose VMs span several update domains keeps a running VM while one reboots; one spanning several
    freeze slices, while one is frozen.  A VM gone (evicted or deleted, R36, R37) is no longer of its set."""
    for a in range(len(spec.topology.availability_sets)):
        members = [i for i in range(len(s.vms)) if spec.vm_aset[i] == a and s.vms[i].status != GONE]
        if not members or any(s.vms[i].status == RUNNING for i in members):
            continue
        for status, event_type in _IMPACT_OF_STATUS.items():
            if len({spec.slice_of[event_type][i] for i in members}) > 1 and any(s.vms[i].status == status
                                                                                for i in members):
                return f"availability set {spec.topology.availability_sets[a].name} has no running VM"
    return None


# ---------------------------------------------------------------------- R30 events of several hosts


@prop("event_hosts_one_slice", ALWAYS, "R30", reads=("vms", "events"))
def event_hosts_one_slice(spec: Spec, s: State) -> str | None:
    """An event that names the VMs of several hosts is a Freeze or Reboot the platform announced with notice
    where the profile allows it; it names every VM on each of its hosts and no other, and its Resources lie
    within one slice of each availability set, the slice of its event type."""
    for e in s.events:
        if not e.also_hosts:
            continue
        if not spec.params.multi_host_events:
            return f"event {e.event_id} names VMs of hosts {_hosts(spec, e.hosts)}, which the profile does not allow"
        if e.event_type == "Redeploy" or e.host in e.also_hosts or list(e.also_hosts) != sorted(set(e.also_hosts)):
            return f"{e.event_type} {e.event_id} names hosts {_hosts(spec, e.hosts)}"
        if not e.maintenance or e.unplanned:
            return f"{e.event_type} {e.event_id} of hosts {_hosts(spec, e.hosts)} is not announced maintenance"
        on_hosts = tuple(i for i, v in enumerate(s.vms) if v.host in e.hosts)
        if tuple(sorted(e.resources)) != on_hosts:
            return (f"{e.event_type} {e.event_id} names {', '.join(_vm(spec, i) for i in e.resources) or 'no VM'}, "
                    f"but hosts {_hosts(spec, e.hosts)} carry {', '.join(_vm(spec, i) for i in on_hosts) or 'no VM'}")
        for a, units in sorted(spec.impacted_slices((i, e.event_type) for i in e.resources).items()):
            if len(units) > 1:
                aset = spec.topology.availability_sets[a].name
                return (f"{e.event_type} {e.event_id} of hosts {_hosts(spec, e.hosts)} names {_slices(units)} of "
                        f"availability set {aset}")
    return None


def _hosts(spec: Spec, hosts: tuple[int, ...]) -> str:
    return ", ".join(spec.host_names[h] for h in hosts)


# ---------------------------------------------------------------------- R22 Resources within one update domain


@prop("event_resources_one_update_domain", ALWAYS, "R22", reads=("events",))
def event_resources_one_update_domain(spec: Spec, s: State) -> str | None:
    """Where the profile keeps the 2017-2020 guarantee, every event's Resources hold VMs of at most one update domain of each availability set."""
    if not spec.params.resources_one_update_domain:
        return None
    for e in s.events:
        uds: dict[int, set[int]] = {}
        for i in e.resources:
            uds.setdefault(spec.vm_aset[i], set()).add(spec.topology.vms[i].update_domain)
        for a, units in sorted(uds.items()):
            if len(units) > 1:
                names = ", ".join(_vm(spec, i) for i in e.resources if spec.vm_aset[i] == a)
                return (f"event {e.event_id}'s Resources name {len(units)} update domains of availability set "
                        f"{spec.topology.availability_sets[a].name} ({names})")
    return None


# ---------------------------------------------------------------------- R21 recovery gap


def _held_by_gap(spec: Spec, s: State, resources: tuple[int, ...]) -> int | None:
    """A VM of `resources` in another update domain of a set whose recovery gap runs, or None."""
    for i in resources:
        gap = s.recovering[spec.vm_aset[i]]
        if gap is not None and gap[1] > 0 and gap[0] != spec.topology.vms[i].update_domain:
            return i
    return None


@prop("recovery_gap_kept", ALWAYS, "R21", TRANSITION, reads=("events", "recovering"))
def recovery_gap_kept(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """No event starts naming a VM of another update domain of a set while the set's recovery gap after a reboot runs."""
    for a in s.events:
        b = t.event(a.event_id)
        if a.status == SCHEDULED and b is not None and b.status == STARTED_STATUS:
            i = _held_by_gap(spec, s, a.resources)
            if i is not None:
                aset = spec.vm_aset[i]
                ud, left = s.recovering[aset]
                return (f"event {a.event_id} started on VM {_vm(spec, i)} (update domain "
                        f"{spec.topology.vms[i].update_domain}) while availability set "
                        f"{spec.topology.availability_sets[aset].name}'s update domain {ud} had {left} s of its "
                        f"recovery gap left")
    return None


# ---------------------------------------------------------------------- R28 who approved


@prop("approval_from_the_set", ALWAYS, "R28", reads=("events",))
def approval_from_the_set(spec: Spec, s: State) -> str | None:
    """Every approved event records who approved it: a VM of an availability set it names (a VM it names
    under the narrow scope of the exhaustive configurations), or the API from outside where the profile allows it."""
    p = spec.params
    for e in s.events:
        who = e.approved_by
        if e.approved != (who is not None):
            return f"event {e.event_id} is {'' if e.approved else 'not '}approved but records approver {who!r}"
        if who is None:
            continue
        if who == OUTSIDE:
            if not p.approval_from_outside:
                return f"event {e.event_id} was approved from outside the VMs, which the profile does not allow"
            continue
        if not 0 <= who < len(spec.vm_names):
            return f"event {e.event_id} records approver index {who}"
        named = who in e.resources if p.approval_scope == "resources" else any(
            spec.vm_aset[i] == spec.vm_aset[who] for i in e.resources)
        if not named:
            scope = "it names" if p.approval_scope == "resources" else "of an availability set it names"
            return f"event {e.event_id} was approved by {_vm(spec, who)}, not a VM {scope}"
    return None


@prop("approved_by_every_tenant", ALWAYS, "R29", reads=("events",))
def approved_by_every_tenant(spec: Spec, s: State) -> str | None:
    """Where every tenant must approve, an event counts as approved only once a VM of every availability set it
    names has approved it, each tenant recorded once and only through a VM of a set the event names."""
    if not spec.params.all_tenants_approve:
        return None
    for e in s.events:
        named = {spec.vm_aset[i] for i in e.resources}
        got = set(e.tenants_approved)
        if len(got) != len(e.tenants_approved) or not got <= named:
            return f"event {e.event_id} records tenants {list(e.tenants_approved)}, not distinct tenants it names"
        if e.approved and not named <= got:
            missing = ", ".join(spec.topology.availability_sets[a].name for a in sorted(named - got))
            return f"event {e.event_id} is approved although tenant {missing} has not approved it"
    return None


# ---------------------------------------------------------------------- R6 reboot updates


@prop("reboot_update_never_under_freeze", ALWAYS, "R6", TRANSITION, reads=("hosts", "events"))
def reboot_update_never_under_freeze(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """An update that needs a reboot is never applied while the host's VMs are merely frozen."""
    for h, (a, b) in enumerate(zip(s.hosts, t.hosts)):
        if not a.patched and b.patched and a.needs_reboot:
            e = t.event_of_host(h)
            if e is not None and e.event_type == "Freeze":
                return f"host {_host(spec, h)}'s reboot update was applied under Freeze {e.event_id}"
    return None


@prop("reboot_update_announced_as_reboot", ALWAYS, "R6", TRANSITION, reads=("hosts", "events"))
def reboot_update_announced_as_reboot(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A host whose update needs a reboot (from the start, or after an aborted freeze) is
    announced with a Reboot or Redeploy, never a Freeze."""
    for h, (a, b) in enumerate(zip(s.hosts, t.hosts)):
        if a.phase == IDLE and b.phase == ANNOUNCED and a.needs_reboot:
            e = t.event_of_host(h)
            if e is not None and e.event_type == "Freeze":
                return f"host {_host(spec, h)} needs a reboot but was announced Freeze {e.event_id}"
    return None


# ---------------------------------------------------------------------- R7 impact only inside Started


@prop("impact_needs_started_event", ALWAYS, "R7", reads=("vms", "events"))
def impact_needs_started_event(spec: Spec, s: State) -> str | None:
    """No VM is frozen or rebooting unless a Started event names it (a VM gone, R36 and R37, is no longer impacted)."""
    for i, v in enumerate(s.vms):
        if v.status != RUNNING and v.status != GONE and not _started_for(s, i):
            return f"VM {_vm(spec, i)} is {v.status} but no Started event names it"
    return None


# ---------------------------------------------------------------------- R8, R9 start and notice


@prop("start_after_notbefore_or_approval", ALWAYS, "R8", TRANSITION, reads=("events",))
def start_after_notbefore_or_approval(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A Scheduled event becomes Started only after NotBefore has passed or it was approved."""
    for a in s.events:
        b = t.event(a.event_id)
        if a.status == SCHEDULED and b is not None and b.status == STARTED_STATUS:
            if a.not_before_in and not a.approved:
                return f"event {a.event_id} started {a.not_before_in} s before NotBefore without approval"
    return None


@prop("notice_at_least_minimum", ALWAYS, "R9", TRANSITION, reads=("events",))
def notice_at_least_minimum(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A newly announced event's NotBefore is at least the minimum notice for its type ahead."""
    for e in t.events:
        if s.event(e.event_id) is None and e.status == SCHEDULED:
            need = spec.params.required_notice(e.event_type)
            if e.notice < need or e.not_before_in != e.notice:
                return f"{e.event_type} {e.event_id} announced {e.not_before_in} s ahead; the minimum is {need} s"
    return None


# ---------------------------------------------------------------------- R10-R13 the document


@prop("incarnation_tracks_changes", ALWAYS, "R10", TRANSITION, reads=("events", "incarnation"))
def incarnation_tracks_changes(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """DocumentIncarnation increases when the visible document changes and only then."""
    changed = _visible(s) != _visible(t)
    if changed and t.incarnation <= s.incarnation:
        return f"the document changed during {step} but DocumentIncarnation stayed {s.incarnation}"
    if not changed and t.incarnation != s.incarnation:
        return f"DocumentIncarnation went {s.incarnation} -> {t.incarnation} during {step} with no change"
    return None


def _visible(s: State) -> tuple:
    """The Events array as a VM reads it: approvals and timers are not part of it."""
    return tuple((e.event_id, e.event_type, e.resources, e.status, e.notice, e.duration, e.source) for e in s.events)


@prop("only_scheduled_or_started", ALWAYS, "R11", reads=("events",))
def only_scheduled_or_started(spec: Spec, s: State) -> str | None:
    """The document shows only the statuses Scheduled and Started; there is no Completed."""
    for e in s.events:
        if e.status not in EVENT_STATUSES:
            return f"event {e.event_id} has EventStatus {e.status!r}; only Scheduled and Started exist"
    return None


@prop("event_lifecycle", ALWAYS, "R11", TRANSITION, reads=("events",))
def event_lifecycle(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """Events go absent -> Scheduled -> Started -> absent (or Scheduled -> absent), keeping
    their EventId, type and Resources; NotBefore is set exactly while Scheduled."""
    for b in t.events:
        if (b.status == SCHEDULED) != (b.not_before_in is not None):
            return f"event {b.event_id} is {b.status} with NotBefore {b.not_before_in!r}"
        a = s.event(b.event_id)
        if a is None and b.status != SCHEDULED and not b.unplanned:
            return (f"event {b.event_id} appeared already {b.status}; platform events are announced Scheduled, "
                    "except a hardware-failure Reboot with no notice (R34)")
        if a is not None:
            if (a.status, b.status) == (STARTED_STATUS, SCHEDULED):
                return f"event {b.event_id} went back from Started to Scheduled"
            if (a.event_type, a.resources, a.host, a.source) != (b.event_type, b.resources, b.host, b.source):
                return f"event {b.event_id} changed its EventType, Resources or EventSource during {step}"
    return None


@prop("removed_event_never_returns", ALWAYS, "R12", reads=("events", "removed"))
def removed_event_never_returns(spec: Spec, s: State) -> str | None:
    """An EventId that left the document never appears in it again."""
    for e in s.events:
        if e.event_id in s.removed:
            return f"event {e.event_id} is in the document after it was removed"
    return None


@prop("finished_event_removed", ALWAYS, "R13", reads=("hosts", "events"))
def finished_event_removed(spec: Spec, s: State) -> str | None:
    """An event stays in the document only while its hosts' maintenance is in flight."""
    for e in s.events:
        for h in e.hosts:
            if s.hosts[h].phase == IDLE:
                return f"event {e.event_id} is still {e.status} although host {_host(spec, h)}'s maintenance is over"
    return None


# ---------------------------------------------------------------------- R14, R15 in place


@prop("vm_stays_on_host", ALWAYS, "R14", TRANSITION, reads=("vms", "events"))
def vm_stays_on_host(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A VM changes host only under a Started Redeploy that names it, or a Started Freeze that names it where the profile live-migrates; never under an in-place Freeze."""
    moves = ("Redeploy", "Freeze") if spec.params.live_migration else ("Redeploy",)
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        if a.host != b.host and not _started_for(t, i, moves):
            return f"VM {_vm(spec, i)} moved from {_host(spec, a.host)} to {_host(spec, b.host)} during {step}"
    return None


@prop("live_migration_within_rules", ALWAYS, "R27", TRANSITION, reads=("hosts", "vms", "events"))
def live_migration_within_rules(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """Where the profile live-migrates, a VM that moves under a Started Freeze was frozen for the blackout, resumes on a host that was already patched, and keeps the memory it was frozen with."""
    if not spec.params.live_migration:
        return None  # elsewhere no VM moves under a Freeze: R14 (vm_stays_on_host)
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        if a.host == b.host or not _started_for(t, i, ("Freeze",)):
            continue
        vm, dest = _vm(spec, i), _host(spec, b.host)
        if a.status != FROZEN or b.status != RUNNING:
            return f"VM {vm} moved to {dest} {a.status} and arrived {b.status} during {step}: not a live migration's blackout"
        if not s.hosts[b.host].patched:
            return f"VM {vm} was live-migrated to host {dest}, which was not patched, during {step}"
        if b.memory != a.snapshot:
            return (f"VM {vm} was live-migrated to host {dest} with memory {memory_name(b.memory)}, frozen with {memory_name(a.snapshot)}, "
                    f"during {step}: its memory was not carried")
    return None


@prop("redeploy_target_within_rules", ALWAYS, "R26", TRANSITION, reads=("hosts", "vms"))
def redeploy_target_within_rules(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A VM moves only to a host that was patched, free of maintenance and without VMs of another update domain of its set."""
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        if a.host == b.host:
            continue
        k, x = b.host, s.hosts[b.host]
        why = "unpatched" if not x.patched else f"{x.phase}" if x.phase != IDLE else ""
        for j, v in enumerate(s.vms):
            if why or v.host != k or v.status == GONE:  # a VM gone (R36, R37) is on no host
                continue
            if v.status != RUNNING:
                why = f"carrying {v.status} VM {_vm(spec, j)}"
            elif spec.vm_aset[j] == spec.vm_aset[i] and \
                    spec.topology.vms[j].update_domain != spec.topology.vms[i].update_domain:
                why = f"carrying VM {_vm(spec, j)} of another update domain of the set"
        if why:
            return f"VM {_vm(spec, i)} moved to host {_host(spec, k)}, {why}, during {step}"
    return None


@prop("memory_lost_only_by_reboot", ALWAYS, "R15", TRANSITION, reads=("vms", "events"))
def memory_lost_only_by_reboot(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """Memory changes only by the running guest's own writes, or is lost under a Started Reboot/Redeploy."""
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        if a.memory == b.memory:
            continue
        if step.name == "time_passes" and a.status == RUNNING:
            continue
        if b.status == REBOOTING and _started_for(t, i, ("Reboot", "Redeploy")):
            continue
        return f"VM {_vm(spec, i)}'s memory changed {memory_name(a.memory)} -> {memory_name(b.memory)} during {step}"
    return None


# ---------------------------------------------------------------------- R34 unannounced hardware failures


@prop("failure_applies_no_update", ALWAYS, "R34", TRANSITION, reads=("hosts", "events"))
def failure_applies_no_update(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A hardware-failure Reboot restarts the VMs but is no maintenance: a host's pending update is
    never applied under an event that gave no notice."""
    for h, (a, b) in enumerate(zip(s.hosts, t.hosts)):
        if not a.patched and b.patched:
            e = t.event_of_host(h)
            if e is not None and e.unplanned:
                return (f"host {_host(spec, h)}'s update was applied under {e.event_id}, a Reboot reported as a "
                        "hardware failure with no notice: maintenance disguised as a failure")
    return None


# ---------------------------------------------------------------------- R35 user-initiated restarts


@prop("user_event_applies_no_update", ALWAYS, "R35", TRANSITION, reads=("hosts", "events"))
def user_event_applies_no_update(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """An event with EventSource User is its user's own request, never maintenance: a host's
    pending update is never applied under it (applications approve User events at once, as the
    documentation advises, so maintenance presented as User would start without its notice)."""
    for h, (a, b) in enumerate(zip(s.hosts, t.hosts)):
        if not a.patched and b.patched:
            e = t.event_of_host(h)
            if e is not None and e.source == USER_SOURCE:
                return (f"host {_host(spec, h)}'s update was applied under {e.event_id}, a {e.event_type} with "
                        f"EventSource User naming {', '.join(_vm(spec, i) for i in e.resources)}: maintenance "
                        "presented as its user's request")
    return None


# ---------------------------------------------------------------------- R36, R37 evictions


@prop("gone_only_by_started_eviction", ALWAYS, "R36", TRANSITION, reads=("vms", "events"))
def gone_only_by_started_eviction(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A VM is gone only at the end of a Started Preempt naming it, and only if it is a Spot VM, or of a
    Started Terminate naming it, and only if its set is a scale set; a VM gone never runs again."""
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        if a.status == GONE and b.status != GONE:
            return f"VM {_vm(spec, i)} was gone and is {b.status} again after {step}"
        if a.status == GONE or b.status != GONE:
            continue
        e = next((x for x in s.events if i in x.resources and x.status == STARTED_STATUS), None)
        if e is None or not e.eviction:
            what = "no Started event" if e is None else f"Started {e.event_type} {e.event_id}"
            return f"VM {_vm(spec, i)} was evicted during {step} under {what}, not a Started Preempt or Terminate"
        unfit = _eviction_unfit(spec, e.event_type, i)
        if unfit:
            return f"VM {_vm(spec, i)} was evicted under {e.event_type} {e.event_id}, but it is {unfit}"
    return None


def _eviction_unfit(spec: Spec, event_type: str, i: int) -> str | None:
    """Why VM `i` cannot be evicted by an event of `event_type` ("not a Spot VM" for a Preempt, R36;
    "in no scale set" for a Terminate, R37), or None."""
    vm = spec.topology.vms[i]
    if event_type == "Preempt" and not vm.spot:
        return "not a Spot VM"
    if event_type == "Terminate" and not spec.topology.aset(vm.availability_set).scale_set:
        return "in no scale set"
    return None


@prop("terminate_waits_for_pending_terminates", ALWAYS, "R37", TRANSITION, reads=("events",))
def terminate_waits_for_pending_terminates(spec: Spec, s: State, step: Step, t: State) -> str | None:
    """A Terminate that starts before its NotBefore (approved) starts only once every other Terminate
    naming a VM of its scale set is approved or past its NotBefore."""
    for b in t.events:
        a = s.event(b.event_id)
        if a is None or b.event_type != "Terminate" or (a.status, b.status) != (SCHEDULED, STARTED_STATUS):
            continue
        if not a.not_before_in:
            continue  # at its own NotBefore the deletion is mandatory
        sets = {spec.vm_aset[i] for i in a.resources}
        for x in s.events:
            if x.event_id != a.event_id and x.event_type == "Terminate" and x.status == SCHEDULED \
                    and not x.approved and x.not_before_in and any(spec.vm_aset[i] in sets for i in x.resources):
                return (f"Terminate {a.event_id} started early, approved, while Terminate {x.event_id} of the same "
                        f"scale set was neither approved nor past its NotBefore ({x.not_before_in} s ahead)")
    return None


# ---------------------------------------------------------------------- R20 no deadlock


@prop("deadlock_free", ALWAYS, "R20", DEADLOCK)
def deadlock_free(spec: Spec, s: State, successors: int) -> str | None:
    """Some action is enabled in every state; a completed rollout still lets time pass."""
    if successors:
        return None
    if spec.rollout_complete(s):
        return "the rollout is complete but not even time can pass"
    return "no action is enabled and the rollout is not complete"


# ---------------------------------------------------------------------- R18, R19 liveness


@prop("every_host_patched", EVENTUALLY, "R18", reads=("hosts",))
def every_host_patched(spec: Spec, s: State) -> frozenset[str]:
    """Every host is eventually patched."""
    return frozenset(f"host {_host(spec, h)} patched" for h, x in enumerate(s.hosts) if not x.patched)


@prop("frozen_vm_resumes", EVENTUALLY, "R19", reads=("vms",))
def frozen_vm_resumes(spec: Spec, s: State) -> frozenset[str]:
    """Every frozen VM eventually runs again."""
    return frozenset(f"VM {_vm(spec, i)} resumes" for i, v in enumerate(s.vms) if v.status == FROZEN)


# ---------------------------------------------------------------------- sometimes (vacuity)


@prop("reach_freeze", SOMETIMES, "R1", TRANSITION, reads=("step",))
def reach_freeze(spec: Spec, s: State, step: Step, t: State) -> bool:
    """Some VM is frozen."""
    return step.name == "host_freeze"


@prop("reach_resume", SOMETIMES, "R3", TRANSITION, reads=("step",))
def reach_resume(spec: Spec, s: State, step: Step, t: State) -> bool:
    """Frozen VMs resume: on their patched host, or on a patched host under live migration."""
    return step.name in ("platform_resume_host", "host_live_migrate")


@prop("reach_early_start_by_approval", SOMETIMES, "R8", TRANSITION, reads=("events", "step"))
def reach_early_start_by_approval(spec: Spec, s: State, step: Step, t: State) -> bool:
    """An approval lets an event start before its NotBefore."""
    if step.name != "platform_start_event":
        return False
    e = s.event(step.args[0])
    return e is not None and bool(e.not_before_in) and e.approved


@prop("reach_watchdog_abort", SOMETIMES, "R2", TRANSITION, reads=("step",))
def reach_watchdog_abort(spec: Spec, s: State, step: Step, t: State) -> bool:
    """A patch overruns and the watchdog resumes the VMs before the bound."""
    return step.name == "platform_watchdog_resume"


@prop("reach_rollout_complete", SOMETIMES, "R18", reads=("hosts", "vms", "events"))
def reach_rollout_complete(spec: Spec, s: State) -> bool:
    """Every host is patched and the document is empty again."""
    return spec.rollout_complete(s)


def by_name(name: str) -> Property:
    for p in REGISTRY:
        if p.name == name:
            return p
    raise KeyError(f"unknown property {name!r}; known: {', '.join(p.name for p in REGISTRY)}")


def of_kind(kind: str, scope: str | None = None) -> list[Property]:
    return [p for p in REGISTRY if p.kind == kind and (scope is None or p.scope == scope)]


# The strengthening invariants register after the rules' own properties, in their own module.
from vmspec.properties.catalogue import strengthening as _strengthening  # noqa: E402,F401
