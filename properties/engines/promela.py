"""A Promela model generated from a configuration, for SPIN (notes/spin.md).

`generate(spec)` writes the model of `spec` (its topology, parameters and, for the mutants
this module encodes, its broken variant) as one `active proctype` with one `do` loop and one
`d_step { guard -> effect }` per action instance: an announcement per host and event type,
an approval per host's event and approver, each host, event and VM action per object, and the
passage of time.  Every field of the model's `State` is a global scalar initialised to the
initial state, so SPIN's states are the explorer's states and its transitions the explorer's
edges; Resources are bitmasks over VM indices.  Per host there is at most one event in the
document (an announcement needs an idle host), so the event is kept in the host's slot and
its EventId is ``host#rounds``; removed EventIds are a bitmask of rounds per host.  A VM evicted
or deleted (R36, R37) keeps its variables with the status gone, and its Preempt or Terminate lives
in its host's slot like any event naming one VM.  An event of several hosts (R30) lives in the slot
of the host it was announced for, the other hosts it names a bitmask.

Besides the state there are derived variables (functions of the state, so they add no state:
the residents of each host and the Started events' Resources per type) and scratch variables
(the pre-state copy read by transition properties, the time step): the latter are zero
outside a `d_step`, so they add no state either.

Every always-property that is a state or transition predicate is an assertion checked after
every step; every sometimes-property an assertion that its situation is not reached (SPIN's
"violation" is then the witness). Each assertion reports once and then switches itself off, and
a deadlock is reported once, so one search finds the first of each; each can also be switched
off at run time (`VMSPEC_OFF`, a comma-separated list of assertion numbers: the multi-core search
finds one property at a time, and a trail is replayed with every check off).  Deadlock is SPIN's invalid end state.  Anything the
generator does not encode (an action, a state field, a parameter, a mutant) is refused with
`NotEncoded`, never dropped.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from vmspec.model import ACTIONS, MAX_ROUNDS, Spec
from vmspec.model.params import ALL_EVENT_TYPES, EVENT_TYPES, Params
from vmspec.model.state import (
    BLANK,
    FROZEN,
    GONE,
    HOST_PHASES,
    LOADED,
    MEMORY_TOKENS,
    OUTSIDE,
    REBOOTING,
    RUNNING,
    STALE,
    VM_STATUSES,
    WRITTEN,
    Event,
    HostState,
    State,
    VMState,
)
from vmspec.properties.catalogue.registry import ALWAYS, DEADLOCK, EVENTUALLY, REGISTRY, SOMETIMES, STATE, TRANSITION

__all__ = ["NotEncoded", "Model", "generate", "ENCODED_ACTIONS", "ENCODED_PROPERTIES", "NOT_ENCODED_PROPERTIES",
           "ENCODED_MUTANTS", "refusal"]

MAX_VMS = 30  # Resources are bitmasks in a Promela int
MAX_SHORT = 32_000  # timers are Promela shorts
MAX_C_BLOCK = 60_000  # characters of one c_code block (SPIN refuses longer ones)


class NotEncoded(Exception):
    """Something of the spec the generator does not encode: the run is refused (exit 2)."""

    def __init__(self, feature: str) -> None:
        self.feature = feature
        super().__init__(f"the spin engine does not encode {feature} yet")


# ---------------------------------------------------------------------- what is encoded

PH = {p: i for i, p in enumerate(HOST_PHASES)}  # idle announced started frozen rebooting recovered
ST = {s: i for i, s in enumerate(VM_STATUSES)}  # running frozen rebooting gone
TY = {t: i for i, t in enumerate(ALL_EVENT_TYPES)}  # Freeze Reboot Redeploy Preempt Terminate
NONE = -1

ENCODED_ACTIONS = frozenset(a.name for a in ACTIONS) & {
    "platform_announce_event", "platform_patch_empty_host", "app_approve_event", "platform_start_event",
    "platform_cancel_event", "host_freeze", "host_apply_patch", "platform_resume_host", "platform_watchdog_resume",
    "host_reboot", "host_redeploy", "host_boot_vms", "host_hardware_failure", "vm_clock_resync",
    "platform_complete_event", "time_passes", "user_reboot_vm", "host_live_migrate",
    "platform_preempt_vm", "user_delete_vm", "host_evict_vm", "platform_announce_group",
}
# The fields of the state values this encoding knows; a field added later is refused.  An event's
# `tenants_approved` (R29) is a bitmask over availability sets (`eta<h>`); its `source` (R35) is
# `esr<h>`, 1 for EventSource User.
# `also_hosts` (R30) is a bitmask over hosts (`eh<h>`), kept only where `multi_host_events` is on (it
# stays empty elsewhere).
KNOWN_FIELDS = {
    HostState: ("patched", "needs_reboot", "phase", "rounds"),
    VMState: ("status", "host", "memory", "snapshot", "frozen_for", "clock_lag", "unsynced_for"),
    Event: ("event_id", "event_type", "host", "resources", "status", "not_before_in", "notice", "duration", "approved",
            "source", "approved_by", "tenants_approved", "also_hosts"),
    State: ("hosts", "vms", "events", "incarnation", "removed", "recovering"),
}
KNOWN_PARAMS = ("pause_bound", "min_notice", "short_notice", "resync_latency", "freeze_slice", "granularity",
                "expected_pause", "allow_redeploy", "notice_divisor", "resources_one_update_domain", "recovery_gap",
                "typical_pause", "watchdog_any_time", "hardware_failures", "approval_scope", "approval_from_outside",
                "all_tenants_approve", "user_events", "live_migration", "spot_evictions", "terminate_timeout",
                "multi_host_events")

# Properties without an assertion, and why (liveness is a separate never claim, see spin.py).
NOT_ENCODED_PROPERTIES: dict[str, str] = {
    p.name: "an eventually-property: checked by the liveness run (never claim under weak fairness), not an assertion"
    for p in REGISTRY if p.kind == EVENTUALLY
}


# Actions the model takes only where a parameter is on (their guard refuses everything otherwise),
# by that `Params` field: with it off, a model without them is exact.
PARAMETER_ACTIONS: dict[str, str | tuple[str, ...]] = {
    "host_live_migrate": "live_migration", "user_reboot_vm": "user_events",
    "platform_announce_group": "multi_host_events",
    # R36, R37: evictions
    "platform_preempt_vm": "spot_evictions", "user_delete_vm": "terminate_timeout",
    "host_evict_vm": ("spot_evictions", "terminate_timeout"),
}


def _never_taken(spec: Spec, action: str) -> bool:
    """Whether `spec` can never take `action` (a parameter action whose parameters are all off)."""
    fields_ = PARAMETER_ACTIONS.get(action)
    if fields_ is None:
        return False
    names = (fields_,) if isinstance(fields_, str) else fields_
    return all(getattr(spec.params, f) in (False, None) for f in names)


def refusal(spec: Spec, mutant: str | None = None) -> str | None:
    """Why `spec` cannot be translated (the `NotEncoded` message), or None."""
    try:
        _check_encodable(spec, mutant)
    except NotEncoded as exc:
        return str(exc)
    return None


def _check_encodable(spec: Spec, mutant: str | None) -> None:
    if mutant is not None:  # a mutant not encoded is named first, whatever else its configuration needs
        if mutant not in ENCODED_MUTANTS:
            raise NotEncoded(f"the mutant {mutant}")
    for a in ACTIONS:
        if a.name not in ENCODED_ACTIONS and not _never_taken(spec, a.name):
            raise NotEncoded(f"the action {a.name}")
    for cls, known in KNOWN_FIELDS.items():
        for f in dataclasses.fields(cls):
            if f.name not in known:
                raise NotEncoded(f"the state field {cls.__name__}.{f.name}")
    if mutant is None and type(spec) is not Spec:
        raise NotEncoded(f"the model variant {type(spec).__name__}")
    default = Params()
    for f in dataclasses.fields(Params):
        if f.name not in KNOWN_PARAMS and getattr(spec.params, f.name) != getattr(default, f.name):
            raise NotEncoded(f"the parameter {f.name}")
    for p in REGISTRY:
        if p.name not in ENCODED_PROPERTIES and p.name not in NOT_ENCODED_PROPERTIES:
            raise NotEncoded(f"the property {p.name} ({p.rule})")
    if len(spec.topology.vms) > MAX_VMS:
        raise NotEncoded(f"more than {MAX_VMS} VMs (Resources are bitmasks of a 32-bit int)")
    p = spec.params
    biggest = max(p.pause_bound + p.granularity, p.resync_latency + p.granularity, p.gap(),
                  *(p.notice_for(t) for t in ALL_EVENT_TYPES))
    if biggest > MAX_SHORT:
        raise NotEncoded(f"timers above {MAX_SHORT} s (this configuration needs {biggest} s)")


# ---------------------------------------------------------------------- the model


@dataclass
class Instance:
    """One `d_step` of the `do` loop: an action applied to one object."""

    action: str
    obj: int | None  # host index (event actions: the host whose event), VM index, or None (time)
    extra: object = None  # announcement: event type; approval: approver (VM index or OUTSIDE)


@dataclass
class Model:
    text: str
    instances: list[Instance]
    assertions: list[str]  # property name per assertion number
    state_vars: list[str] = field(default_factory=list)


def b(i: int) -> int:
    return 1 << i


def _or(terms: list[str], empty: str = "false") -> str:
    return "(" + " || ".join(terms) + ")" if terms else empty


class Conj(str):
    """A conjunction that remembers its terms, so a check too long for one `c_code` block can be
    split into several (an always-property holds when every part does)."""

    terms: list[str]


def _and(terms: list[str], empty: str = "true") -> str:
    if not terms:
        return empty
    out = Conj("(" + " && ".join(terms) + ")")
    out.terms = list(terms)
    return out


def _chunks(cond: str, limit: int) -> list[str]:
    """`cond` cut into conjunctions each shorter than `limit` (the conjunction itself when it fits)."""
    if len(cond) < limit or not isinstance(cond, Conj):
        return [cond]
    out: list[str] = []
    part: list[str] = []
    for term in cond.terms:
        if part and len(" && ".join(part + [term])) > limit:
            out.append("(" + " && ".join(part) + ")")
            part = []
        out += _chunks(term, limit) if len(term) >= limit else []
        if len(term) < limit:
            part.append(term)
    if part:
        out.append("(" + " && ".join(part) + ")")
    return out


class Gen:
    """The generator for one spec: constants of its topology and parameters, and the
    Promela text of guards, effects and properties."""

    def __init__(self, spec: Spec, mutant: str | None = None) -> None:
        self.spec, self.mutant = spec, mutant
        t, self.p = spec.topology, spec.params
        self.H, self.V, self.A = len(t.hosts), len(t.vms), len(t.availability_sets)
        self.ud = [v.update_domain for v in t.vms]
        self.aset = list(spec.vm_aset)
        self.setmask = [sum(b(i) for i in range(self.V) if self.aset[i] == a) for a in range(self.A)]
        self.udmask = [sum(b(j) for j in range(self.V) if self.aset[j] == self.aset[i] and self.ud[j] == self.ud[i])
                       for i in range(self.V)]
        # R36, R37: where evictions are modelled, VMs may be gone and events may be Preempts or Terminates
        self.evict = self.p.spot_evictions or self.p.terminate_timeout is not None
        self.types = ALL_EVENT_TYPES if self.evict else EVENT_TYPES  # the event types a model may hold
        self.multi = self.p.multi_host_events  # R30: an event may name the VMs of several hosts
        self.spot = sum(b(i) for i, v in enumerate(t.vms) if v.spot)
        self.scale_set = sum(b(i) for i, v in enumerate(t.vms) if t.aset(v.availability_set).scale_set)
        # R5 slices: per set, its keys; per (type, key) the VMs of the set in that slice
        self.keys: list[list[tuple[str, int]]] = []
        self.slice_vms: list[dict[tuple[str, tuple[str, int]], int]] = []
        for a in range(self.A):
            keys: list[tuple[str, int]] = []
            per: dict[tuple[str, tuple[str, int]], int] = {}
            for typ in self.types:
                for i, (sa, key) in enumerate(spec.slice_of[typ]):
                    if sa != a:
                        continue
                    if key not in keys:
                        keys.append(key)
                    per[(typ, key)] = per.get((typ, key), 0) | b(i)
            self.keys.append(keys)
            self.slice_vms.append(per)
        self.g, self.bound = self.p.granularity, self.p.pause_bound
        self.fcap, self.ucap = spec.frozen_cap, spec.unsynced_cap
        self.latency = self.p.resync_latency
        self.gap = self.p.gap()

    def m(self, *names: str) -> bool:
        """Whether the spec is one of the named mutants (each changes the text where it is tested)."""
        return self.mutant in names

    # ------------------------------------------------------------------ variables

    def variables(self) -> list[tuple[str, str, int]]:
        """(type, name, initial value) of every state variable, in the state vector's order."""
        s0 = self.spec.initial_state()
        out: list[tuple[str, str, int]] = []
        for h, x in enumerate(s0.hosts):
            out += [("bool", f"hp{h}", int(x.patched)), ("bool", f"hn{h}", int(x.needs_reboot)),
                    ("byte", f"hph{h}", PH[x.phase]), ("byte", f"hr{h}", x.rounds), ("byte", f"hrm{h}", 0)]
            if self.m("event_id_changes_on_start"):  # the removed EventIds renamed at start (`host#round'`)
                out.append(("byte", f"hrp{h}", 0))
        for h in range(self.H):  # the host's event slot (all zero while it has none)
            out += [("bool", f"eo{h}", 0), ("byte", f"et{h}", 0), ("int", f"er{h}", 0), ("byte", f"es{h}", 0),
                    ("short", f"enb{h}", 0), ("short", f"eno{h}", 0), ("short", f"edu{h}", 0),
                    ("bool", f"eap{h}", 0), ("short", f"eby{h}", 0), ("int", f"eta{h}", 0),
                    ("bool", f"esr{h}", 0)]
            if self.multi:  # R30: the other hosts the event names the VMs of
                out.append(("int", f"eh{h}", 0))
            if self.m("event_id_changes_on_start"):  # the event was renamed at its start (`host#round'`)
                out.append(("bool", f"ep{h}", 0))
        for i, v in enumerate(s0.vms):
            out += [("byte", f"vs{i}", ST[v.status]), ("byte", f"vh{i}", v.host), ("byte", f"vm{i}", v.memory),
                    ("short", f"vsn{i}", NONE), ("short", f"vf{i}", NONE), ("short", f"vl{i}", v.clock_lag),
                    ("short", f"vu{i}", NONE)]
        out.append(("short", "inc", s0.incarnation))
        for a in range(self.A):
            out += [("short", f"ru{a}", NONE), ("short", f"rl{a}", 0)]
        return out

    def derived(self) -> list[tuple[str, str, int]]:
        s0 = self.spec.initial_state()
        out = [("int", f"rs{h}", sum(b(i) for i in self.spec.residents(s0, h))) for h in range(self.H)]
        out += [("int", f"st{k}", 0) for k in range(len(self.types))]
        if self.p.live_migration:  # R27: the VMs a live migration of each host would name
            out += [("int", f"lm{h}", sum(b(i) for i in self.spec.announced_resources(s0, h, "Freeze")))
                    for h in range(self.H)]
        return out

    def derive_code(self) -> str:
        lines = []
        for h in range(self.H):
            lines.append(f"rs{h} = " + " | ".join(f"({self.resident(i, h)} -> {b(i)} : 0)" for i in range(self.V))
                         + ";" if self.V else f"rs{h} = 0;")
        for k in range(len(self.types)):
            terms = [f"(eo{h} && es{h} == 1 && et{h} == {k} -> er{h} : 0)" for h in range(self.H)]
            lines.append(f"st{k} = " + " | ".join(terms) + ";")
        if self.p.live_migration:  # the first VM on the host of each availability set
            for h in range(self.H):
                terms = []
                for i in range(self.V):
                    before = [j for j in range(i) if self.aset[j] == self.aset[i]]
                    first = " && ".join([self.resident(i, h)] + [f"!({self.resident(j, h)})" for j in before])
                    terms.append(f"({first} -> {b(i)} : 0)")
                lines.append(f"lm{h} = " + (" | ".join(terms) or "0") + ";")
        return "\n    ".join(lines)

    # ------------------------------------------------------------------ shared expressions

    def bit(self, mask: str, i: int) -> str:
        return f"(({mask}) & {b(i)})"

    def scratch(self) -> list[str]:
        """Declarations of the scratch variables, zero between steps: the time step, the Redeploy target
        and (R30) the hosts and Resources of a group being announced, and the VMs and EventSource of the
        event a host action reads."""
        return ["short dt = 0;", "byte tg = 0;"] + (["int gm = 0;", "int gr = 0;", "int nm = 0;", "bool ns = 0;"]
                                                    if self.multi else [])

    # R30: the event of a host is in its own slot, or, for an event of several hosts, in the slot of the
    # host it was announced for; these read the event covering a host (`State.event_of_host`)

    def slots(self, x: int) -> list[int]:
        """The slots whose event may cover host `x`."""
        return [x] + ([k for k in range(self.H) if k != x] if self.multi else [])

    def covers(self, k: int, x: int) -> str:
        """The event in slot `k` covers host `x` (`x in e.hosts`)."""
        return f"eo{x}" if k == x else f"((eh{k} & {b(x)}) != 0)"

    def in_hosts(self, k: int, x: int) -> str:
        """Host `x` is among the hosts of the event in slot `k` (which exists)."""
        return "true" if k == x else f"((eh{k} & {b(x)}) != 0)"

    def vm_in_hosts(self, k: int, i: int) -> str:
        """VM `i` sits on a host of the event in slot `k`."""
        return f"(vh{i} == {k} || (eh{k} & (1 << vh{i})) != 0)" if self.multi else f"vh{i} == {k}"

    def covering(self, x: int, cond: Callable[[int], str]) -> str:
        """The event covering host `x` exists and satisfies `cond(slot)`."""
        return _or([f"({self.covers(k, x)} && {cond(k)})" for k in self.slots(x)]) if self.multi \
            else f"eo{x} && {cond(x)}"

    def on_event(self, x: int, cond: Callable[[int], str] | None,
                 effect: Callable[[Callable[[int], str], str], str]) -> tuple[str, str]:
        """(guard, effect) of a host action on the event covering host `x`: `cond` its condition on the
        event's slot; `effect(named, source)` what it does, given the condition that it impacts VM `i`
        (`Spec.named_on`: every VM the event names, or, for an event of several hosts, those on `x`) and
        the event's EventSource bit.  With events of several hosts, the covering slot's VMs and source
        are first copied into scratch variables (`nm`, `ns`), so the effect is written once."""
        test = (lambda k: "") if cond is None else (lambda k: f" && {cond(k)}")
        if not self.multi:
            return f"eo{x}{test(x)}", effect(lambda i: self.bit(f"er{x}", i), f"esr{x}")
        ks = self.slots(x)
        on_x = " | ".join(f"(vh{i} == {x} -> {b(i)} : 0)" for i in range(self.V)) or "0"
        pick = [f"nm = {on_x};"]  # the VMs on x
        pick.append("if " + " ".join(
            f":: {self.covers(k, x)}{test(k)} -> nm = "
            + (f"(eh{x} == 0 -> er{x} : (er{x} & nm))" if k == x else f"(er{k} & nm)") + f"; ns = esr{k}"
            for k in ks) + " fi;")
        return (_or([f"({self.covers(k, x)}{test(k)})" for k in ks]),
                "\n".join(pick) + "\n" + effect(lambda i: self.bit("nm", i), "ns") + ";\nnm = 0; ns = 0")

    def set_phases(self, h: int, phase: str) -> str:
        """Every host of the event in slot `h` moves to `phase` (`Spec._set_phases`)."""
        out = f"hph{h} = {PH[phase]}"
        if self.multi:
            out += "".join(f"; if :: (eh{h} & {b(x)}) != 0 -> hph{x} = {PH[phase]} :: else -> skip fi"
                           for x in range(self.H) if x != h)
        return out

    def resident(self, i: int, h: int) -> str:
        """VM `i` is on host `h` (`Spec.residents`: a VM gone, R36 and R37, is on no host)."""
        if self.evict and not self.m("gone_vm_still_on_host"):
            return f"vh{i} == {h} && vs{i} != {ST[GONE]}"
        return f"vh{i} == {h}"

    def one_ud(self, mask: str) -> str:
        """R22: the VMs of `mask` lie in one update domain of each set."""
        terms = []
        for i in range(self.V):
            for j in range(i + 1, self.V):
                if self.aset[i] == self.aset[j] and self.ud[i] != self.ud[j]:
                    pair = b(i) | b(j)
                    terms.append(f"((({mask}) & {pair}) != {pair})")
        return _and(terms)

    def one_slice(self, down: dict[str, str]) -> str:
        """R5: per set, every VM down (by type: `down[type]` a mask expression) in one slice."""
        terms = []
        for a in range(self.A):
            keys = self.keys[a]
            if len(keys) <= 1:
                continue
            options = []
            for key in keys:
                parts = []
                for typ in self.types:
                    expr = down.get(typ)
                    if expr is None:
                        continue
                    outside = self.setmask[a] & ~self.slice_vms[a].get((typ, key), 0)
                    if outside:
                        parts.append(f"((({expr}) & {outside}) == 0)")
                options.append(_and(parts))
            terms.append(_or(options))
        return _and(terms)

    def started_with(self, h: int | None, typ: str | None, res: str | None) -> dict[str, str]:
        """The Started events' Resources per type, with `res` added under type `typ` (or the
        event type of host `h`'s slot when `typ` is None)."""
        if self.m("reboot_sliced_like_freeze"):
            cand = "" if res is None else (f" | {res}")
            return {"Freeze": "st0 | st1 | st2" + cand}
        out = {}
        for t in self.types:
            k = TY[t]
            add = ""
            if res is not None:
                if typ is None:
                    add = f" | (et{h} == {k} -> {res} : 0)"
                elif typ == t:
                    add = f" | {res}"
            out[t] = f"st{k}{add}"
        return out

    def tenants(self, res: str) -> str:
        """The availability sets (a bitmask over set indices) with a VM in `res`."""
        return " | ".join(f"((({res}) & {self.setmask[a]}) != 0 -> {b(a)} : 0)" for a in range(self.A)) or "0"

    def gap_ok(self, res: str) -> str:
        """R21: no VM of `res` in another update domain of a set whose recovery gap runs."""
        terms = [f"!({self.bit(res, i)} && ru{self.aset[i]} != {NONE} && ru{self.aset[i]} != {self.ud[i]})"
                 for i in range(self.V)]
        return _and(terms)

    def target_ok(self, k: int, moving: str) -> str:
        """R26: host `k` may take the VMs `moving` under a Redeploy."""
        if self.m("redeploy_to_any_patched_host"):
            return f"hp{k}"
        terms = [f"hp{k}", f"hph{k} == {PH['idle']}"]
        for j in range(self.V):
            bad = (f"(vs{j} != {ST[RUNNING]} || ((({moving}) & {self.setmask[self.aset[j]]}) != 0 && "
                   f"(({moving}) & {self.udmask[j]}) == 0))")
            gone = f" && vs{j} != {ST[GONE]}" if self.evict else ""  # R36, R37: a VM gone is on no host
            terms.append(f"!(vh{j} == {k}{gone} && {bad})")
        return _and(terms)

    def has_target(self, h: int, moving: str) -> str:
        return _or([self.target_ok(k, moving) for k in range(self.H) if k != h])

    def resumed(self, i: int) -> str:
        """The effect of `Spec.resumed_vm` on VM `i` (frozen): running, memory untouched."""
        vf = "" if self.m("pause_timer_kept_after_resume") else f" vf{i} = {NONE};"
        unsync = f"vu{i} = (vl{i} != 0 -> 0 : {NONE})"
        extra = ""
        if self.m("memory_reset_on_resume"):
            extra = f" vm{i} = {BLANK};"
        elif self.m("stale_memory_at_resume"):
            extra = f" vm{i} = (vm{i} == {WRITTEN} -> {STALE} : vm{i});"
        elif self.m("clock_steps_back"):
            unsync = f"vl{i} = vl{i} + {self.g}; vu{i} = 0"
        return f"vs{i} = {ST[RUNNING]}; vsn{i} = {NONE};{vf} {unsync};{extra}"

    def resume_vms(self, h: int) -> str:
        return "\n".join(f"if :: vs{i} == {ST[FROZEN]} && vh{i} == {h} -> {self.resumed(i)} :: else -> skip fi;"
                         for i in range(self.V))

    def pick_target(self, h: int, moving: str) -> str:
        """`tg` = the first other host that may take `moving` (R26, R27), as `Spec.redeploy_target`."""
        return "".join(f"if :: {k != h and 1 or 0} && {self.target_ok(k, moving)} -> tg = {k} :: else -> "
                       for k in range(self.H)) + "skip" + " fi" * self.H + ";"

    def applies_update(self, h: int, source: str | None = None) -> str:
        """A restart patches host `h` unless its event (whose EventSource bit is `source`, by default
        `h`'s slot's) is a user's request (R35)."""
        return f"if :: !{source or f'esr{h}'} -> hp{h} = 1; hn{h} = 0 :: else -> skip fi"

    def notice(self, typ: str) -> int:
        """`Spec.announced_notice`."""
        return self.p.notice_for(typ) - (self.g if self.m("short_notice") else 0)

    def restart_vms(self, res: str, target: str | None = None, named: Callable[[int], str] | None = None) -> str:
        move = f" vh{{i}} = {target};" if target else ""
        return "\n".join(
            f"if :: {named(i) if named else self.bit(res, i)} -> vs{i} = {ST[REBOOTING]};{move.format(i=i)} vm{i} = {BLANK}; vsn{i} = {NONE}; "
            f"vf{i} = {NONE}; vl{i} = 0; vu{i} = {NONE} :: else -> skip fi;" for i in range(self.V))

    def eid_round(self, h: int, pre: str = "") -> str:
        """The round the EventId of slot `h`'s event names: the host's current round (`host#rounds`), or
        always 1 where EventIds are reused (the mutant `event_id_reused`)."""
        return "1" if self.m("event_id_reused") else f"{pre}hr{h}"

    def same_id(self, h: int) -> str:
        """Slot `h` holds an event with the same EventId before and after the step (it existed in both)."""
        renamed = f" && ep{h} == p_ep{h}" if self.m("event_id_changes_on_start") else ""
        return f"hr{h} == p_hr{h}{renamed}"

    def id_removed(self, h: int) -> str:
        """The EventId of slot `h`'s event is among the removed ones."""
        bit = f"(1 << ({self.eid_round(h)} - 1))"
        if self.m("event_id_changes_on_start"):
            return f"(((ep{h} -> hrp{h} : hrm{h}) & {bit}) != 0)"
        return f"((hrm{h} & {bit}) != 0)"

    def remove_event(self, h: int) -> str:
        bit = f"(1 << ({self.eid_round(h)} - 1))"
        removed = f"hrm{h} = hrm{h} | {bit}; "
        if self.m("event_id_changes_on_start"):  # a renamed event leaves the document under its new EventId
            removed = f"if :: ep{h} -> hrp{h} = hrp{h} | {bit} :: else -> hrm{h} = hrm{h} | {bit} fi; ep{h} = 0; "
        return (f"{removed}eo{h} = 0; et{h} = 0; er{h} = 0; es{h} = 0; enb{h} = 0; "
                f"eno{h} = 0; edu{h} = 0; eap{h} = 0; eby{h} = 0; eta{h} = 0; esr{h} = 0; {self.set_phases(h, 'idle')}; "
                + (f"eh{h} = 0; " if self.multi else "") + "inc++")

    # ------------------------------------------------------------------ actions

    def instances(self) -> list[tuple[Instance, str, str]]:
        """(instance, guard, effect) per action instance, in the order of `ACTIONS`."""
        out: list[tuple[Instance, str, str]] = []
        p, H, V = self.p, self.H, self.V
        idle = PH["idle"]
        for a in ACTIONS:
            n = a.name
            if _never_taken(self.spec, n):
                continue
            for h in range(H) if a.kind in ("host", "event") else [None]:
                if n == "platform_announce_event":
                    for typ in EVENT_TYPES:
                        kind = self.type_fits(h, typ)
                        if kind is None:
                            continue
                        res = f"lm{h}" if typ == "Freeze" and p.live_migration else f"rs{h}"
                        guard = [f"!hp{h}", f"hph{h} == {idle}", f"hr{h} < {MAX_ROUNDS}", kind, f"{res} != 0"]
                        if p.resources_one_update_domain and not self.m("resources_span_update_domains"):
                            guard.append(self.one_ud(res))
                        notice = self.notice(typ)
                        dur = p.expected_pause if typ == "Freeze" else -1
                        user = int(self.m("maintenance_as_user_event"))
                        eff = (f"eo{h} = 1; et{h} = {TY[typ]}; er{h} = {res}; es{h} = 0; enb{h} = {notice}; "
                               f"eno{h} = {notice}; edu{h} = {dur}; eap{h} = 0; eby{h} = {NONE}; esr{h} = {user}; "
                               f"hph{h} = {PH['announced']}; hr{h}++; inc++")
                        out.append((Instance(n, h, typ), " && ".join(guard), eff))
                elif n == "platform_announce_group":  # R30: one event for h and the other hosts of its slice
                    for typ in EVENT_TYPES:
                        kind = self.type_fits(h, typ)
                        if kind is None or typ == "Redeploy" or (typ == "Freeze" and p.live_migration):
                            continue  # a Redeploy, and a live migration's Freeze, name one host's VMs (D17)
                        guard = [f"!hp{h}", f"hph{h} == {idle}", f"hr{h} < {MAX_ROUNDS}", kind, f"rs{h} != 0"]
                        if p.resources_one_update_domain and not self.m("resources_span_update_domains"):
                            guard.append(self.one_ud(f"rs{h}"))
                        others = [x for x in range(H) if x != h]
                        # the group is nonempty when a host may join h alone: the first such joins first
                        guard.append(_or([self.joins(x, typ, f"rs{h}") for x in others]))
                        eff = [f"gr = rs{h}; gm = 0;"]
                        eff += [f"if :: {self.joins(x, typ, 'gr')} -> gr = gr | rs{x}; gm = gm | {b(x)}; "
                                f"hph{x} = {PH['announced']} :: else -> skip fi;" for x in others]
                        notice, dur = self.notice(typ), p.expected_pause if typ == "Freeze" else -1
                        eff.append(f"eo{h} = 1; et{h} = {TY[typ]}; er{h} = gr; eh{h} = gm; es{h} = 0; enb{h} = {notice}; "
                                   f"eno{h} = {notice}; edu{h} = {dur}; eap{h} = 0; eby{h} = {NONE}; esr{h} = 0; "
                                   f"hph{h} = {PH['announced']}; hr{h}++; inc++; gr = 0; gm = 0")
                        out.append((Instance(n, h, typ), " && ".join(guard), "\n".join(eff)))
                elif n == "platform_patch_empty_host":
                    out.append((Instance(n, h), f"!hp{h} && hph{h} == {idle} && rs{h} == 0",
                                f"hp{h} = 1; hn{h} = 0"))
                elif n == "app_approve_event":
                    anyone = self.m("approval_from_any_vm")
                    who: list[int] = list(range(V)) + ([OUTSIDE] if p.approval_from_outside or anyone else [])
                    for w in who:
                        if w == OUTSIDE or anyone:
                            member = "true"
                        elif p.approval_scope == "resources":
                            member = self.bit(f"er{h}", w)
                        else:
                            member = f"((er{h} & {self.setmask[self.aset[w]]}) != 0)"
                        guard = f"eo{h} && {member} && es{h} == 0 && !eap{h} && enb{h} != 0"
                        if p.all_tenants_approve and w != OUTSIDE:  # R29: once per tenant, the last one releases
                            tenant = b(self.aset[w])
                            done = ("true" if self.m("first_tenant_releases")
                                    else f"(({self.tenants(f'er{h}')}) & ~eta{h}) == 0")
                            out.append((Instance(n, h, w), f"{guard} && (eta{h} & {tenant}) == 0",
                                        f"eta{h} = eta{h} | {tenant}; if :: {done} -> eap{h} = 1; eby{h} = {w} "
                                        ":: else -> skip fi"))
                            continue
                        out.append((Instance(n, h, w), guard, f"eap{h} = 1; eby{h} = {w}"))
                elif n == "platform_start_event":
                    guard = [f"eo{h}", f"es{h} == 0"]
                    if self.m("waits_for_approval"):
                        guard.append(f"eap{h}")
                    elif not self.m("start_before_notbefore"):
                        guard.append(f"(enb{h} == 0 || eap{h})")
                    if not self.m("slice_guard_dropped"):
                        guard.append(self.one_slice(self.started_with(h, None, f"er{h}")))
                    if not self.m("recovery_gap_ignored"):
                        guard.append(self.gap_ok(f"er{h}"))
                    if p.terminate_timeout is not None and not self.m("terminate_ignores_pending"):
                        guard.append(f"!{self.terminate_early_while_pending(h)}")  # R37, D27
                    eff = f"es{h} = 1; {self.set_phases(h, 'started')}"
                    if not self.m("notbefore_kept_when_started"):
                        eff += f"; enb{h} = {NONE}"
                    if not self.m("incarnation_not_bumped"):
                        eff += "; inc++"
                    if self.m("event_id_changes_on_start"):  # renamed: the old EventId leaves the document
                        eff += f"; ep{h} = 1; hrm{h} = hrm{h} | (1 << (hr{h} - 1))"
                    out.append((Instance(n, h), " && ".join(guard), eff))
                elif n == "platform_cancel_event":
                    out.append((Instance(n, h), f"eo{h} && es{h} == 0 && hr{h} < {MAX_ROUNDS - 1}",
                                self.remove_event(h)))
                elif n == "host_freeze":
                    def freeze(named: Callable[[int], str], source: str, h: int = h) -> str:
                        lines = []
                        for i in range(V):
                            one = f"vs{i} = {ST[FROZEN]}; vsn{i} = vm{i}; vf{i} = 0"
                            if self.m("memory_wiped_at_freeze"):
                                one = (f"if :: vs{i} == {ST[RUNNING]} -> vm{i} = {BLANK}; vsn{i} = {BLANK} "
                                       f":: else -> vsn{i} = vm{i} fi; vs{i} = {ST[FROZEN]}; vf{i} = 0")
                            lines.append(f"if :: {named(i)} -> {one} :: else -> skip fi;")
                        if self.m("migrate_under_freeze") and H >= 2:  # every frozen VM on the host moves on
                            lines += [f"if :: vs{i} == {ST[FROZEN]} && vh{i} == {h} -> vh{i} = {(h + 1) % H} "
                                      ":: else -> skip fi;" for i in range(V)]
                        return "\n".join(lines) + f"\nhph{h} = {PH['frozen']}"
                    when = f"hph{h} == {PH['started']}"
                    if self.m("freeze_without_started_event"):
                        when = f"(hph{h} == {PH['started']} || hph{h} == {PH['announced']})"
                    guard, eff = self.on_event(h, lambda k: f"et{k} == {TY['Freeze']}", freeze)
                    out.append((Instance(n, h), f"{when} && {guard}", eff))
                elif n == "host_apply_patch":
                    if p.live_migration:
                        continue  # R27: the host is patched once its VMs have left, never under the freeze
                    nr = "" if self.m("reboot_update_under_freeze") else f" && !hn{h}"
                    out.append((Instance(n, h), f"hph{h} == {PH['frozen']} && !hp{h}{nr}", f"hp{h} = 1"))
                elif n == "platform_resume_host":
                    if self.m("resume_forgotten"):
                        continue
                    out.append((Instance(n, h), f"hph{h} == {PH['frozen']} && hp{h}",
                                self.resume_vms(h) + f"\nhph{h} = {PH['recovered']}"))
                elif n == "platform_watchdog_resume":
                    if self.m("no_watchdog"):
                        continue
                    if p.watchdog_any_time:
                        due = _or([f"(vf{i} != {NONE} && vh{i} == {h})" for i in range(V)])
                    else:
                        due = _or([f"(vf{i} != {NONE} && vf{i} + {self.g} > {self.bound} && vh{i} == {h})"
                                   for i in range(V)])
                    stays = f" && !{self.has_target(h, f'er{h}')}" if p.live_migration else ""  # R27: D15
                    out.append((Instance(n, h), f"hph{h} == {PH['frozen']} && !hp{h} && {due}{stays}",
                                self.resume_vms(h) + f"\nhph{h} = {PH['recovered']}; hn{h} = 1"))
                elif n == "host_reboot":
                    guard, eff = self.on_event(
                        h, lambda k: f"et{k} == {TY['Reboot']}",
                        lambda named, source, h=h: self.restart_vms("", named=named)
                        + f"\nhph{h} = {PH['rebooting']}; " + self.applies_update(h, source))
                    out.append((Instance(n, h), f"hph{h} == {PH['started']} && {guard}", eff))
                elif n == "host_redeploy":
                    if not p.allow_redeploy:
                        continue  # no Redeploy is ever announced
                    out.append((Instance(n, h),
                                f"hph{h} == {PH['started']} && eo{h} && et{h} == {TY['Redeploy']} && "
                                f"{self.has_target(h, f'er{h}')}",
                                self.pick_target(h, f"er{h}") + "\n" + self.restart_vms(f"er{h}", "tg")
                                + f"\nhph{h} = {PH['rebooting']}; " + self.applies_update(h)))
                elif n == "host_live_migrate":  # R27: the frozen VMs resume on a patched host, memory kept
                    moved = []
                    for i in range(V):
                        lose = (f" vm{i} = (vm{i} == {WRITTEN} -> {STALE} : vm{i});"
                                if self.m("live_migration_loses_memory") else "")
                        moved.append(f"if :: {self.bit(f'er{h}', i)} && vs{i} == {ST[FROZEN]} -> {self.resumed(i)} "
                                     f"vh{i} = tg;{lose} :: else -> skip fi;")
                    out.append((Instance(n, h),
                                f"hph{h} == {PH['frozen']} && eo{h} && {self.has_target(h, f'er{h}')}",
                                self.pick_target(h, f"er{h}") + "\n" + "\n".join(moved)
                                + f"\nhph{h} = {PH['recovered']}"))
                elif n == "host_boot_vms":
                    def boot(named: Callable[[int], str], source: str, h: int = h) -> str:
                        eff = "\n".join(f"if :: {named(i)} -> vs{i} = {ST[RUNNING]}; vsn{i} = {NONE}; "
                                        f"vf{i} = {NONE}; vl{i} = 0; vu{i} = {NONE} :: else -> skip fi;"
                                        for i in range(V))
                        if self.gap:
                            for a_ in range(self.A):
                                members = [i for i in range(V) if self.aset[i] == a_]
                                chain = "".join(f"if :: {named(i)} -> ru{a_} = {self.ud[i]}; "
                                                f"rl{a_} = {self.gap} :: else -> " for i in members)
                                if members:
                                    eff += "\n" + chain + "skip" + " fi" * len(members) + ";"
                        return eff + f"\nhph{h} = {PH['recovered']}"
                    guard, eff = self.on_event(h, None, boot)
                    out.append((Instance(n, h), f"hph{h} == {PH['rebooting']} && {guard}", eff))
                elif n == "host_hardware_failure":
                    if not p.hardware_failures:
                        continue
                    running = _and([f"!({self.resident(i, h)} && vs{i} != {ST[RUNNING]})" for i in range(V)])
                    guard = (f"hph{h} == {idle} && hr{h} == 0 && !hp{h} && rs{h} != 0 && {running} && "
                             + self.one_slice(self.started_with(h, "Reboot", f"rs{h}")))
                    eff = (f"eo{h} = 1; et{h} = {TY['Reboot']}; er{h} = rs{h}; es{h} = 1; enb{h} = {NONE}; eno{h} = 0; "
                           f"edu{h} = -1; eap{h} = 0; eby{h} = {NONE}; hr{h} = 1; inc++;\n")
                    if self.m("failure_rebooted_as_maintenance"):
                        eff += f"hph{h} = {PH['started']}"
                    else:
                        eff += self.restart_vms(f"er{h}") + f"\nhph{h} = {PH['rebooting']}"
                    if self.m("maintenance_disguised_as_failure"):
                        eff += f"; hp{h} = 1; hn{h} = 0"
                    out.append((Instance(n, h), guard, eff))
                elif n == "user_reboot_vm":  # R35: a Reboot with EventSource User naming the VM alone
                    out += [(Instance(n, i),) + self.one_vm_event(i, "Reboot", user=True) for i in range(V)]
                elif n == "platform_preempt_vm":  # R36: a Preempt naming a Spot VM alone
                    anyone = self.m("preempt_regular_vm")
                    out += [(Instance(n, i),) + self.one_vm_event(i, "Preempt") for i in range(V)
                            if anyone or self.spot & b(i)]
                elif n == "user_delete_vm":  # R37: a Terminate naming a scale set's VM alone
                    out += [(Instance(n, i),) + self.one_vm_event(i, "Terminate") for i in range(V)
                            if self.scale_set & b(i)]
                elif n == "host_evict_vm":  # R36, R37: the VMs gone, the event removed, the host idle
                    gone = "\n".join(f"if :: {self.bit(f'er{h}', i)} -> vs{i} = {ST[GONE]}; vsn{i} = {NONE}; "
                                     f"vf{i} = {NONE}; vl{i} = 0; vu{i} = {NONE} :: else -> skip fi;" for i in range(V))
                    out.append((Instance(n, h), f"hph{h} == {PH['started']} && eo{h} && "
                                f"(et{h} == {TY['Preempt']} || et{h} == {TY['Terminate']})",
                                gone + "\n" + self.remove_event(h)))
                elif n == "vm_clock_resync":
                    if self.m("no_clock_resync", "resync_never_runs"):
                        continue
                    for i in range(V):
                        out.append((Instance(n, i), f"vs{i} == {ST[RUNNING]} && vl{i} != 0",
                                    f"vsn{i} = {NONE}; vf{i} = {NONE}; vl{i} = 0; vu{i} = {NONE}"))
                elif n == "platform_complete_event":
                    eff = self.remove_event(h)
                    if self.m("host_phase_typo"):
                        eff += f"; hph{h} = {len(HOST_PHASES)}"  # a phase outside HOST_PHASES
                    others = "".join(f" && ((eh{h} & {b(x)}) == 0 || hph{x} == {PH['recovered']})"
                                     for x in range(H) if x != h and self.multi)  # R30: every host's VMs back
                    out.append((Instance(n, h), f"eo{h} && es{h} == 1 && hph{h} == {PH['recovered']}{others}", eff))
                elif n == "time_passes":
                    out.append((Instance(n, None),) + self.time_passes())
                else:
                    raise NotEncoded(f"the action {n}")
        return out

    def shares_a_set(self, r1: str, r2: str) -> str:
        """The masks of VMs `r1` and `r2` name VMs of one availability set."""
        return _or([f"((({r1}) & {m}) != 0 && (({r2}) & {m}) != 0)" for m in self.setmask])

    def terminate_early_while_pending(self, h: int, pre: str = "") -> str:
        """R37 (`Spec.terminate_order_allows`): slot `h` holds a Terminate before its NotBefore while
        another Terminate of its scale set is Scheduled, unapproved, its NotBefore ahead."""
        t = TY["Terminate"]
        others = [f"({pre}eo{k} && {pre}et{k} == {t} && {pre}es{k} == 0 && !{pre}eap{k} && {pre}enb{k} != 0 && "
                  f"{self.shares_a_set(f'{pre}er{h}', f'{pre}er{k}')})" for k in range(self.H) if k != h]
        return f"({pre}et{h} == {t} && {pre}enb{h} != 0 && {_or(others)})"

    def type_fits(self, h: int, typ: str) -> str | None:
        """The condition under which `typ` is among `Spec.event_types_for` host `h` (S5, R6; R26 and R27
        for a Redeploy's or live migration's target), or None when it never is."""
        p = self.p
        if self.m("reboot_update_under_freeze"):
            return "true" if typ == "Freeze" else None
        if typ == "Freeze" and p.live_migration:  # R27: only when a host can take the VMs
            return f"!hn{h} && {self.has_target(h, f'lm{h}')}"
        if typ == "Freeze":
            return f"!hn{h}"
        if typ == "Reboot":
            return f"hn{h}"
        if p.allow_redeploy:
            return f"hn{h} && {self.has_target(h, f'rs{h}')}"
        return None

    def joins(self, x: int, typ: str, res: str) -> str:
        """R30 (`Spec.announce_group`): host `x` may join an event of `typ` naming the VMs `res`: idle,
        unpatched, with EventIds left, an update of that type, VMs, and the Resources then within one
        slice of each set (and one update domain where R22 applies)."""
        joined = f"({res}) | rs{x}"
        terms = [f"!hp{x}", f"hph{x} == {PH['idle']}", f"hr{x} < {MAX_ROUNDS}", self.type_fits(x, typ) or "false",
                 f"rs{x} != 0"]
        if not self.m("group_spans_slices"):
            terms.append(self.one_slice({typ: joined}))
        if self.p.resources_one_update_domain and not self.m("resources_span_update_domains"):
            terms.append(self.one_ud(joined))
        return "(" + " && ".join(terms) + ")"

    def one_vm_event(self, i: int, typ: str, user: bool = False) -> tuple[str, str]:
        """(guard, effect) of an event of `typ` naming VM `i` alone, Scheduled in the slot of its host:
        a user's restart (R35), a Preempt (R36) or a Terminate (R37), each for a running VM on a host
        with no event in flight, never announced and unpatched (`Spec._eviction_refusal`, D24, D25)."""
        idle, notice = PH["idle"], self.notice(typ)
        free = _or([f"(vh{i} == {k} && hph{k} == {idle} && hr{k} == 0 && !hp{k})" for k in range(self.H)])
        eff = "if " + " ".join(
            f":: vh{i} == {k} -> eo{k} = 1; et{k} = {TY[typ]}; er{k} = {b(i)}; es{k} = 0; "
            f"enb{k} = {notice}; eno{k} = {notice}; edu{k} = -1; eap{k} = 0; eby{k} = {NONE}; "
            f"esr{k} = {int(user)}; hph{k} = {PH['announced']}; hr{k}++" for k in range(self.H)) + " fi; inc++"
        return f"vs{i} == {ST[RUNNING]} && {free}", eff

    def time_passes(self) -> tuple[str, str]:
        V, g = self.V, self.g
        timing = _or([f"vf{i} != {NONE} || vu{i} != {NONE}" for i in range(V)])
        deadlines = _and(([] if self.m("no_watchdog") else
                          [f"(vf{i} == {NONE} || vf{i} + {g} <= {self.bound})" for i in range(V)])
                         + ([] if self.m("no_clock_resync") else
                            [f"(vu{i} == {NONE} || vu{i} + {g} <= {self.latency})" for i in range(V)]))
        guard = f"(!{timing} || {deadlines})"
        lines = [f"if :: {timing} -> dt = {g} :: else -> dt = 0;"]
        for h in range(self.H):
            lines.append(f"  if :: eo{h} && enb{h} > 0 && (dt == 0 || enb{h} < dt) -> dt = enb{h} :: else -> skip fi;")
        for a in range(self.A):
            lines.append(f"  if :: ru{a} != {NONE} && (dt == 0 || rl{a} < dt) -> dt = rl{a} :: else -> skip fi;")
        lines.append(f"  if :: dt == 0 -> dt = {g} :: else -> skip fi fi;")
        for i in range(V):
            keeps_writing = (f"; vm{i} = (vm{i} != {BLANK} -> {WRITTEN} : {LOADED})"
                             if self.m("frozen_guest_keeps_writing") else "")
            lines.append(
                f"if :: vs{i} == {ST[RUNNING]} -> vu{i} = (vu{i} == {NONE} -> {NONE} : (vu{i} + dt < {self.ucap} -> "
                f"vu{i} + dt : {self.ucap})); vm{i} = (vm{i} != {BLANK} -> {WRITTEN} : {LOADED}); vsn{i} = {NONE}; "
                f"vf{i} = {NONE}\n"
                f"   :: vs{i} == {ST[FROZEN]} -> vf{i} = ((vf{i} == {NONE} -> 0 : vf{i}) + dt < {self.fcap} -> "
                f"(vf{i} == {NONE} -> 0 : vf{i}) + dt : {self.fcap}); vl{i} = (vl{i} + dt < {self.fcap} -> vl{i} + dt : "
                f"{self.fcap}){keeps_writing}\n   :: else -> skip fi;")
        for h in range(self.H):
            lines.append(f"if :: eo{h} && enb{h} > 0 -> enb{h} = (enb{h} > dt -> enb{h} - dt : 0) :: else -> skip fi;")
        for a in range(self.A):
            lines.append(f"if :: ru{a} != {NONE} && rl{a} <= dt -> ru{a} = {NONE}; rl{a} = 0 "
                         f":: ru{a} != {NONE} && rl{a} > dt -> rl{a} = rl{a} - dt :: else -> skip fi;")
        return guard, "\n".join(lines)


# ---------------------------------------------------------------------- properties
#
# Each encoder takes the generator and the action a d_step applies, and returns the Promela
# condition under which the property holds after that step (pre-state fields are read as
# p_<name>), or None when the step cannot affect it.  A sometimes-property's encoder returns
# the condition under which it is reached.

Encoder = Callable[[Gen, str], "str | None"]
ENCODED_PROPERTIES: dict[str, Encoder] = {}


def enc(name: str) -> Callable[[Encoder], Encoder]:
    def deco(fn: Encoder) -> Encoder:
        ENCODED_PROPERTIES[name] = fn
        return fn
    return deco


def _vms(g: Gen, fmt: str) -> str:
    return _and([fmt.format(i=i) for i in range(g.V)])


def _hosts(g: Gen, fmt: str) -> str:
    return _and([fmt.format(h=h) for h in range(g.H)])


def _started_names(g: Gen, i: int, types: tuple[str, ...] = EVENT_TYPES, pre: str = "") -> str:
    """Some Started event of one of `types` names VM `i`."""
    return _or([f"({pre}eo{h} && {pre}es{h} == 1 && ({' || '.join(f'{pre}et{h} == {TY[t]}' for t in types)}) && "
                f"({pre}er{h} & {b(i)}))" for h in range(g.H)])


def _down(g: Gen, status: str) -> str:
    return " | ".join(f"(vs{i} == {ST[status]} -> {b(i)} : 0)" for i in range(g.V)) or "0"


def _unplanned(h: int, pre: str = "") -> str:
    """`Event.unplanned`: a Platform Reboot with no notice (R34)."""
    return f"({pre}eno{h} == 0 && {pre}et{h} == {TY['Reboot']} && !{pre}esr{h})"


@enc("type_ok")
def _type_ok(g: Gen, act: str) -> str:
    return _and([_vms(g, f"vs{{i}} < {len(VM_STATUSES)} && vh{{i}} < {g.H} && vm{{i}} <= 3 && vl{{i}} >= 0 && "
                      "((vs{i} == 1) == (vf{i} != -1 && vsn{i} != -1))"),
                 "inc >= 1", _hosts(g, f"(!eo{{h}} || et{{h}} < {len(ALL_EVENT_TYPES)}) && hph{{h}} < {len(HOST_PHASES)}")])


@enc("frozen_memory_matches_snapshot")
def _fms(g: Gen, act: str) -> str:
    return _vms(g, f"!(vs{{i}} == {ST[FROZEN]} && vm{{i}} != vsn{{i}})")


@enc("memory_kept_at_resume")
def _mkr(g: Gen, act: str) -> str:
    return _vms(g, f"!(p_vs{{i}} == {ST[FROZEN]} && vs{{i}} == {ST[RUNNING]} && vm{{i}} != p_vsn{{i}})")


@enc("freeze_within_bound")
def _fwb(g: Gen, act: str) -> str:
    return _vms(g, f"(vf{{i}} == {NONE} || vf{{i}} <= {g.bound})")


@enc("clock_synced_after_resume")
def _csar(g: Gen, act: str) -> str:
    return _vms(g, f"!(vs{{i}} == {ST[RUNNING]} && vl{{i}} != 0 && (vu{{i}} == {NONE} || vu{{i}} > {g.latency}))")


@enc("guest_clock_monotonic")
def _gcm(g: Gen, act: str) -> str:
    dt = "dt" if act == "time_passes" else "0"
    return _vms(g, f"(p_vs{{i}} == {ST[REBOOTING]} || vs{{i}} == {ST[REBOOTING]} || {dt} - (vl{{i}} - p_vl{{i}}) >= 0)")


@enc("one_slice_at_a_time")
def _osat(g: Gen, act: str) -> str:
    return g.one_slice({"Freeze": _down(g, FROZEN), "Reboot": _down(g, REBOOTING)})


@enc("aset_keeps_a_running_vm")
def _akarv(g: Gen, act: str) -> str:
    terms = []
    for a in range(g.A):
        members = [i for i in range(g.V) if g.aset[i] == a]
        if not members:
            continue
        running = _or([f"vs{i} == {ST[RUNNING]}" for i in members])
        bad = []
        for status, typ in ((FROZEN, "Freeze"), (REBOOTING, "Reboot")):
            down = _or([f"vs{i} == {ST[status]}" for i in members])
            if g.evict:  # R36, R37: a VM gone no longer counts, so the set spans the slices of those left
                key = dict(enumerate(g.spec.slice_of[typ]))
                apart = _or([f"(vs{i} != {ST[GONE]} && vs{j} != {ST[GONE]})" for i in members for j in members
                             if i < j and key[i] != key[j]])
                if apart != "false":
                    bad.append(f"({apart} && {down})")
            elif a in g.spec.spread_sets[typ]:
                bad.append(down)
        if bad:
            terms.append(f"({running} || !{_or(bad)})")
    return _and(terms)


@enc("event_resources_one_update_domain")
def _erou(g: Gen, act: str) -> str:
    if not g.p.resources_one_update_domain:
        return "true"
    return _and([f"(!eo{h} || {g.one_ud(f'er{h}')})" for h in range(g.H)])


@enc("recovery_gap_kept")
def _rgk(g: Gen, act: str) -> str:
    terms = []
    for h in range(g.H):
        held = _or([f"(p_er{h} & {b(i)} && p_ru{g.aset[i]} != {NONE} && p_rl{g.aset[i]} > 0 && "
                    f"p_ru{g.aset[i]} != {g.ud[i]})" for i in range(g.V)])
        terms.append(f"!(p_eo{h} && p_es{h} == 0 && eo{h} && {g.same_id(h)} && es{h} == 1 && {held})")
    return _and(terms)


@enc("approval_from_the_set")
def _afts(g: Gen, act: str) -> str:
    terms = []
    for h in range(g.H):
        named = []
        for w in range(g.V):
            cond = (g.bit(f"er{h}", w) if g.p.approval_scope == "resources"
                    else f"((er{h} & {g.setmask[g.aset[w]]}) != 0)")
            named.append(f"(eby{h} == {w} && {cond})")
        if g.p.approval_from_outside:
            named.append(f"eby{h} == {OUTSIDE}")
        terms.append(f"(!eo{h} || ((eap{h} != 0) == (eby{h} != {NONE}) && (eby{h} == {NONE} || {_or(named)})))")
    return _and(terms)


@enc("approved_by_every_tenant")
def _abet(g: Gen, act: str) -> str:
    if not g.p.all_tenants_approve:
        return "true"
    return _and([f"(!eo{h} || ((eta{h} & ~({g.tenants(f'er{h}')})) == 0 && (!eap{h} || "
                 f"(({g.tenants(f'er{h}')}) & ~eta{h}) == 0)))" for h in range(g.H)])


@enc("event_hosts_one_slice")
def _ehos(g: Gen, act: str) -> str:
    if not g.multi:  # the hosts an event names beyond its own (`eh<h>`) are kept only where R30 allows them
        return "true"
    terms = []
    for h in range(g.H):
        # the VMs on the event's hosts (gone or not, as the property reads them), and its Resources within
        # one slice of each set, the slice of its event type
        on_hosts = " | ".join(f"({g.vm_in_hosts(h, i)} -> {b(i)} : 0)" for i in range(g.V)) or "0"
        sliced = _or([f"(et{h} == {TY[t]} && {g.one_slice({t: f'er{h}'})})" for t in g.types])
        terms.append(f"(!eo{h} || eh{h} == 0 || (et{h} != {TY['Redeploy']} && (eh{h} & {b(h)}) == 0 && !esr{h} && "
                     f"!{_unplanned(h)} && er{h} == ({on_hosts}) && {sliced}))")
    return _and(terms)


@enc("reboot_update_never_under_freeze")
def _runuf(g: Gen, act: str) -> str:
    if g.multi:  # R30: the event covering the host, in its own slot or a group's
        return _and([f"!(!p_hp{h} && hp{h} && p_hn{h} && {g.covering(h, _is_freeze)})" for h in range(g.H)])
    return _hosts(g, f"!(!p_hp{{h}} && hp{{h}} && p_hn{{h}} && eo{{h}} && et{{h}} == {TY['Freeze']})")


def _is_freeze(k: int) -> str:
    return f"et{k} == {TY['Freeze']}"


@enc("reboot_update_announced_as_reboot")
def _ruaar(g: Gen, act: str) -> str:
    if g.multi:
        return _and([f"!(p_hph{h} == {PH['idle']} && hph{h} == {PH['announced']} && p_hn{h} && "
                     f"{g.covering(h, _is_freeze)})" for h in range(g.H)])
    return _hosts(g, f"!(p_hph{{h}} == {PH['idle']} && hph{{h}} == {PH['announced']} && p_hn{{h}} && eo{{h}} && "
                     f"et{{h}} == {TY['Freeze']})")


@enc("impact_needs_started_event")
def _inse(g: Gen, act: str) -> str:
    return _and([f"(vs{i} == {ST[RUNNING]} || vs{i} == {ST[GONE]} || {_started_names(g, i)})" for i in range(g.V)])


@enc("start_after_notbefore_or_approval")
def _sanoa(g: Gen, act: str) -> str:
    return _and([f"!(p_eo{h} && p_es{h} == 0 && eo{h} && {g.same_id(h)} && es{h} == 1 && p_enb{h} != 0 && "
                 f"!p_eap{h})" for h in range(g.H)])


@enc("notice_at_least_minimum")
def _nalm(g: Gen, act: str) -> str:
    terms = []
    for h in range(g.H):
        need = " : ".join(f"(et{h} == {TY[t]} -> {g.p.required_notice(t)}" for t in g.types[:-1])
        need = f"{need} : {g.p.required_notice(g.types[-1])}" + ")" * (len(g.types) - 1)
        terms.append(f"!(eo{h} && !(p_eo{h} && {g.same_id(h)}) && es{h} == 0 && (eno{h} < {need} || "
                     f"enb{h} != eno{h}))")
    return _and(terms)


@enc("incarnation_tracks_changes")
def _itc(g: Gen, act: str) -> str:
    same = _and([f"(eo{h} == p_eo{h} && (!eo{h} || ({g.same_id(h)} && et{h} == p_et{h} && er{h} == p_er{h} && "
                 f"es{h} == p_es{h} && eno{h} == p_eno{h} && edu{h} == p_edu{h} && esr{h} == p_esr{h})))"
                 for h in range(g.H)])
    return f"(({same} && inc == p_inc) || (!{same} && inc > p_inc))"


@enc("only_scheduled_or_started")
def _osos(g: Gen, act: str) -> str:
    return _hosts(g, "(!eo{h} || es{h} <= 1)")


@enc("event_lifecycle")
def _el(g: Gen, act: str) -> str:
    terms = []
    for h in range(g.H):
        same = f"(p_eo{h} && {g.same_id(h)})"
        terms.append(f"(!eo{h} || ((es{h} == 0) == (enb{h} != {NONE}) && (({same}) || es{h} == 0 || {_unplanned(h)}) "
                     f"&& (!{same} || (!(p_es{h} == 1 && es{h} == 0) && p_et{h} == et{h} && p_er{h} == er{h} && "
                     f"p_esr{h} == esr{h}))))")
    return _and(terms)


@enc("removed_event_never_returns")
def _renr(g: Gen, act: str) -> str:
    return _and([f"(!eo{h} || hr{h} == 0 || !{g.id_removed(h)})" for h in range(g.H)])


@enc("finished_event_removed")
def _fer(g: Gen, act: str) -> str:
    if g.multi:  # every host of the event
        return _and([f"!(eo{k} && {g.in_hosts(k, x)} && hph{x} == {PH['idle']})" for k in range(g.H)
                     for x in range(g.H)])
    return _hosts(g, f"(!eo{{h}} || hph{{h}} != {PH['idle']})")


@enc("vm_stays_on_host")
def _vsoh(g: Gen, act: str) -> str:
    moves = ("Redeploy", "Freeze") if g.p.live_migration else ("Redeploy",)
    return _and([f"(vh{i} == p_vh{i} || {_started_names(g, i, moves)})" for i in range(g.V)])


@enc("live_migration_within_rules")
def _lmwr(g: Gen, act: str) -> str | None:
    if not g.p.live_migration:
        return None  # R27 judges moves only where the profile live-migrates
    terms = []
    for i in range(g.V):
        patched = _or([f"(vh{i} == {k} && p_hp{k})" for k in range(g.H)])
        ok = f"(p_vs{i} == {ST[FROZEN]} && vs{i} == {ST[RUNNING]} && {patched} && vm{i} == p_vsn{i})"
        terms.append(f"(vh{i} == p_vh{i} || !{_started_names(g, i, ('Freeze',))} || {ok})")
    return _and(terms)


@enc("redeploy_target_within_rules")
def _rtwr(g: Gen, act: str) -> str:
    terms = []
    for i in range(g.V):
        for k in range(g.H):
            bad = [f"!p_hp{k}", f"p_hph{k} != {PH['idle']}"]
            for j in range(g.V):
                other = g.aset[j] == g.aset[i] and g.ud[j] != g.ud[i]
                there = f"p_vh{j} == {k} && p_vs{j} != {ST[GONE]}" if g.evict else f"p_vh{j} == {k}"  # R36, R37
                bad.append(f"({there} && p_vs{j} != {ST[RUNNING]})")
                if other:
                    bad.append(f"({there})")
            terms.append(f"!(vh{i} != p_vh{i} && vh{i} == {k} && {_or(bad)})")
    return _and(terms)


@enc("memory_lost_only_by_reboot")
def _mlobr(g: Gen, act: str) -> str:
    terms = []
    for i in range(g.V):
        ok = [f"vm{i} == p_vm{i}"]
        if act == "time_passes":
            ok.append(f"p_vs{i} == {ST[RUNNING]}")
        ok.append(f"(vs{i} == {ST[REBOOTING]} && {_started_names(g, i, ('Reboot', 'Redeploy'))})")
        terms.append(_or(ok))
    return _and(terms)


@enc("failure_applies_no_update")
def _fanu(g: Gen, act: str) -> str:
    if g.multi:
        return _and([f"!(!p_hp{h} && hp{h} && {g.covering(h, _unplanned)})" for h in range(g.H)])
    return _and([f"!(!p_hp{h} && hp{h} && eo{h} && {_unplanned(h)})" for h in range(g.H)])


# strengthening invariants


@enc("event_matches_phase")
def _emp(g: Gen, act: str) -> str:
    terms = []
    if g.multi:  # the events covering each host: at most one, and it matches the host's phase
        for x in range(g.H):
            want = f"(hph{x} == {PH['announced']} -> 0 : 1)"
            covs = [g.covers(k, x) for k in g.slots(x)]
            terms += [f"!({a} && {c})" for n, a in enumerate(covs) for c in covs[n + 1:]]
            terms.append(f"(!{_or(covs)} == (hph{x} == {PH['idle']}))")
            terms += [f"(!{g.covers(k, x)} || (es{k} == {want} && !((hph{x} == {PH['frozen']}) != (et{k} == "
                      f"{TY['Freeze']}) && (hph{x} == {PH['frozen']} || hph{x} == {PH['rebooting']}))))"
                      for k in g.slots(x)]
        return _and(terms)
    for h in range(g.H):
        want = f"(hph{h} == {PH['announced']} -> 0 : 1)"
        terms.append(f"((eo{h} == 0) == (hph{h} == {PH['idle']}) && (!eo{h} || (es{h} == {want} && "
                     f"!((hph{h} == {PH['frozen']}) != (et{h} == {TY['Freeze']}) && "
                     f"(hph{h} == {PH['frozen']} || hph{h} == {PH['rebooting']})))))")
    return _and(terms)


@enc("notbefore_while_scheduled")
def _nbws(g: Gen, act: str) -> str:
    return _hosts(g, f"(!eo{{h}} || ((es{{h}} == 0) == (enb{{h}} != {NONE}) && (enb{{h}} == {NONE} || enb{{h}} >= 0)))")


@enc("impacted_vms_match_phase")
def _ivmp(g: Gen, act: str) -> str:
    terms = []
    want = {PH["announced"]: ST[RUNNING], PH["started"]: ST[RUNNING], PH["frozen"]: ST[FROZEN],
            PH["rebooting"]: ST[REBOOTING], PH["recovered"]: ST[RUNNING]}
    def status(x: int, i: int) -> str:
        return _and([f"(hph{x} != {ph} || vs{i} == {st})" for ph, st in want.items()])

    def placed(x: int, where: str) -> str:
        return f"(!(hph{x} == {PH['announced']} || hph{x} == {PH['started']} || hph{x} == {PH['frozen']}) || {where})"

    for h in range(g.H):
        for i in range(g.V):
            single = f"({status(h, i)} && {placed(h, f'vh{i} == {h}')})"
            if g.multi:  # R30: an event of several hosts impacts each VM through the host it is on
                group = _and([f"(vh{i} != {x} || ({status(x, i)} && {placed(x, g.in_hosts(h, x))}))"
                              for x in range(g.H)])
                single = f"((eh{h} == 0 && {single}) || (eh{h} != 0 && {group}))"
            terms.append(f"(!(eo{h} && (er{h} & {b(i)})) || {single})")
    return _and(terms)


@enc("impacted_vm_named_by_its_event")
def _ivnbie(g: Gen, act: str) -> str:
    terms = []
    for i in range(g.V):
        own = _or([f"(vh{i} == {h} && hph{h} == {PH['frozen']} && {g.covering(h, lambda k, i=i: f'(er{k} & {b(i)})')})"
                   for h in range(g.H)])
        rebooting = _or([f"(eo{h} && (er{h} & {b(i)}) && hph{h} == {PH['rebooting']})" for h in range(g.H)])
        if g.multi:  # R30: an event of several hosts reboots each VM through the host it is on
            on = _or([f"(vh{i} == {x} && hph{x} == {PH['rebooting']})" for x in range(g.H)])
            rebooting = _or([f"(eo{h} && (er{h} & {b(i)}) && ((eh{h} == 0 && hph{h} == {PH['rebooting']}) || "
                             f"(eh{h} != 0 && {on})))" for h in range(g.H)])
        patched = _or([f"(vh{i} == {h} && hp{h})" for h in range(g.H)])
        # not maintenance: a hardware failure (R34) or its user's request (R35)
        unplanned = _or([f"(eo{h} && (er{h} & {b(i)}) && ({_unplanned(h)} || esr{h}))" for h in range(g.H)])
        terms.append(f"(vs{i} != {ST[FROZEN]} || {own})")
        terms.append(f"(vs{i} != {ST[REBOOTING]} || ({rebooting} && ({patched} || {unplanned})))")
    return _and(terms)


@enc("vm_named_by_one_event")
def _vnboe(g: Gen, act: str) -> str:
    terms = []
    for h in range(g.H):
        for k in range(h + 1, g.H):
            terms.append(f"!(eo{h} && eo{k} && (er{h} & er{k}) != 0)")
    return _and(terms)


@enc("named_vm_on_event_host_or_patched")
def _nvoehop(g: Gen, act: str) -> str:
    terms = []
    for h in range(g.H):
        for i in range(g.V):
            unpatched = _or([f"(vh{i} == {k} && !hp{k})" for k in range(g.H)])
            terms.append(f"!(eo{h} && (er{h} & {b(i)}) && !({g.vm_in_hosts(h, i)}) && {unpatched})")
    return _and(terms)


@enc("unplanned_reboot_impacts_at_once")
def _uria(g: Gen, act: str) -> str:
    return _and([f"!(eo{h} && {_unplanned(h)} && (es{h} != 1 || !(hph{h} == {PH['rebooting']} || "
                 f"hph{h} == {PH['recovered']})))" for h in range(g.H)])


@enc("started_events_one_slice")
def _seos(g: Gen, act: str) -> str:
    return g.one_slice({t: f"st{TY[t]}" for t in g.types})


@enc("event_ids_current")
def _eic(g: Gen, act: str) -> str:
    renamed = g.m("event_id_changes_on_start")
    # the event's EventId names its host's round (not a reused or renamed one), and every removed EventId
    # an announced round (a renamed one never is)
    return _and([f"(!eo{h} || (hr{h} >= 1 && {g.eid_round(h)} == hr{h}{f' && !ep{h}' if renamed else ''})) && "
                 f"(hrm{h} >> hr{h}) == 0 && {f'hrp{h} == 0 && ' if renamed else ''}hr{h} <= {MAX_ROUNDS}"
                 for h in range(g.H)])


@enc("unsynced_clock_on_finished_host")
def _ucofh(g: Gen, act: str) -> str:
    terms = []
    for i in range(g.V):
        finished = _or([f"(vh{i} == {h} && (hp{h} || hn{h}))" for h in range(g.H)])
        terms.append(f"(vu{i} == {NONE} || (vs{i} == {ST[RUNNING]} && vl{i} != 0 && {finished}))")
    return _and(terms)


@enc("freeze_only_for_in_place_update")
def _fofipu(g: Gen, act: str) -> str:
    if g.multi:  # every host of the event
        return _and([f"!(eo{k} && et{k} == {TY['Freeze']} && {g.in_hosts(k, x)} && (hph{x} == {PH['announced']} || "
                     f"hph{x} == {PH['started']} || hph{x} == {PH['frozen']}) && hn{x})"
                     for k in range(g.H) for x in range(g.H)])
    return _hosts(g, f"!(eo{{h}} && et{{h}} == {TY['Freeze']} && (hph{{h}} == {PH['announced']} || "
                     f"hph{{h}} == {PH['started']} || hph{{h}} == {PH['frozen']}) && hn{{h}})")


@enc("unpatched_until_impact")
def _uui(g: Gen, act: str) -> str:
    return _hosts(g, f"!((hph{{h}} == {PH['announced']} || hph{{h}} == {PH['started']}) && hp{{h}})")


@enc("timers_in_range")
def _tir(g: Gen, act: str) -> str:
    return _and([_vms(g, f"((vf{{i}} == {NONE}) != (vs{{i}} == {ST[FROZEN]})) && ((vsn{{i}} == {NONE}) != "
                      f"(vs{{i}} == {ST[FROZEN]})) && (vf{{i}} == {NONE} || vf{{i}} >= 0) && (vu{{i}} == {NONE} || "
                      f"vu{{i}} >= 0) && (vsn{{i}} == {NONE} || (vsn{{i}} >= 0 && vsn{{i}} <= {max(MEMORY_TOKENS)}))"),
                 _hosts(g, f"hr{{h}} <= {MAX_ROUNDS}")])


# sometimes-properties: the condition under which each is reached by the step


@enc("reach_freeze")
def _rf(g: Gen, act: str) -> str | None:
    return "true" if act == "host_freeze" else None


@enc("reach_resume")
def _rr(g: Gen, act: str) -> str | None:
    return "true" if act in ("platform_resume_host", "host_live_migrate") else None


@enc("reach_watchdog_abort")
def _rwa(g: Gen, act: str) -> str | None:
    return "true" if act == "platform_watchdog_resume" else None


@enc("reach_early_start_by_approval")
def _resba(g: Gen, act: str) -> str | None:
    if act != "platform_start_event":
        return None
    return _or([f"(p_eo{h} && p_es{h} == 0 && es{h} == 1 && p_enb{h} > 0 && p_eap{h})" for h in range(g.H)])


@enc("reach_rollout_complete")
def _rrc(g: Gen, act: str) -> str | None:
    return _and([_hosts(g, f"!eo{{h}} && hp{{h}} && hph{{h}} == {PH['idle']}"),
                 _vms(g, f"((vs{{i}} == {ST[RUNNING]} && vl{{i}} == 0) || vs{{i}} == {ST[GONE]})")])




@enc("user_event_applies_no_update")
def _ueanu(g: Gen, act: str) -> str:
    if g.multi:
        return _and([f"!(!p_hp{h} && hp{h} && {g.covering(h, lambda k: f'esr{k}')})" for h in range(g.H)])
    return _hosts(g, "!(!p_hp{h} && hp{h} && eo{h} && esr{h})")


@enc("user_event_is_a_reboot")
def _ueiar(g: Gen, act: str) -> str:
    return _hosts(g, f"!(eo{{h}} && esr{{h}} && et{{h}} != {TY['Reboot']})")



# R36, R37 evictions


@enc("gone_only_by_started_eviction")
def _gobse(g: Gen, act: str) -> str:
    # the event that evicts VM i is the first Started event naming it in the pre-state's document, which is
    # ordered by EventId (`host#round`: by host name, one event per host slot)
    order = sorted(range(g.H), key=lambda h: g.spec.host_names[h] + "#")
    gone = ST[GONE]
    if not g.evict:  # no event is ever a Preempt or a Terminate: no VM may become gone, nor come back
        return _vms(g, f"((p_vs{{i}} == {gone}) == (vs{{i}} == {gone}))")
    terms = []
    for i in range(g.V):
        kinds = [TY[t] for t, mask in (("Preempt", g.spot), ("Terminate", g.scale_set)) if mask & b(i)]
        named = [f"(p_eo{h} && p_es{h} == 1 && (p_er{h} & {b(i)}))" for h in order]
        first = _or([_and([named[n]] + [f"!{x}" for x in named[:n]] +
                          [_or([f"p_et{h} == {k}" for k in kinds])]) for n, h in enumerate(order)])
        terms.append(f"!(p_vs{i} == {gone} && vs{i} != {gone})")
        terms.append(f"(p_vs{i} == {gone} || vs{i} != {gone} || {first})")
    return _and(terms)


@enc("terminate_waits_for_pending_terminates")
def _twfpt(g: Gen, act: str) -> str:
    if g.p.terminate_timeout is None:  # no Terminate is ever announced (`user_delete_vm` is not generated)
        return "true"
    t = TY["Terminate"]
    terms = []
    for h in range(g.H):
        others = [f"(p_eo{k} && p_et{k} == {t} && p_es{k} == 0 && !p_eap{k} && p_enb{k} != 0 && "
                  f"{g.shares_a_set(f'p_er{h}', f'p_er{k}')})" for k in range(g.H) if k != h]
        terms.append(f"!(p_eo{h} && p_es{h} == 0 && eo{h} && {g.same_id(h)} && es{h} == 1 && et{h} == {t} && "
                     f"p_enb{h} != 0 && {_or(others)})")
    return _and(terms)


@enc("eviction_names_its_kind_of_vm")
def _enikov(g: Gen, act: str) -> str:
    all_vms = (1 << g.V) - 1
    terms = []
    for typ, allowed in (("Preempt", g.spot), ("Terminate", g.scale_set)):
        if all_vms & ~allowed:
            terms += [f"!(eo{h} && et{h} == {TY[typ]} && (er{h} & {all_vms & ~allowed}) != 0)" for h in range(g.H)]
    return _and(terms)


@enc("gone_vm_named_by_no_event")
def _gvnbne(g: Gen, act: str) -> str:
    return _and([f"!(eo{h} && (er{h} & ({_down(g, GONE)})) != 0)" for h in range(g.H)])

# Deadlock (R20) is SPIN's invalid end state: no assertion.
NOT_ENCODED_PROPERTIES.update({p.name: "SPIN's invalid end state (a blocked do loop) is the deadlock check"
                               for p in REGISTRY if p.kind == ALWAYS and p.scope == DEADLOCK})

# ---------------------------------------------------------------------- mutants


# The mutants whose Promela variant the generator writes (`Gen.m` marks where each differs); the
# others (completed_event_left, completed_status_published) leave a finished event in the document, so
# that a host re-announced later has two events at once, which one slot per host cannot hold
# (notes/spin.md, "What is refused").
ENCODED_MUTANTS: frozenset[str] = frozenset({
    "slice_guard_dropped", "reboot_sliced_like_freeze", "resources_span_update_domains", "recovery_gap_ignored",
    "redeploy_to_any_patched_host", "no_watchdog", "memory_reset_on_resume", "stale_memory_at_resume",
    "no_clock_resync", "resync_never_runs", "clock_steps_back", "start_before_notbefore", "reboot_update_under_freeze",
    "incarnation_not_bumped", "migrate_under_freeze", "waits_for_approval", "approval_from_any_vm", "short_notice",
    "frozen_guest_keeps_writing", "memory_wiped_at_freeze", "freeze_without_started_event", "host_phase_typo",
    "notbefore_kept_when_started", "pause_timer_kept_after_resume", "maintenance_disguised_as_failure",
    "failure_rebooted_as_maintenance", "resume_forgotten", "first_tenant_releases", "maintenance_as_user_event",
    "live_migration_loses_memory", "preempt_regular_vm", "gone_vm_still_on_host", "terminate_ignores_pending",
    "group_spans_slices", "event_id_reused", "event_id_changes_on_start",
})


# ---------------------------------------------------------------------- the text


_IDENT = re.compile(r"\b(p_)?([a-z]+[0-9]+|inc|dt|tg|tk)\b")


def to_c(expr: str) -> str:
    """A Promela condition of the property encoders as C over SPIN's state (`now`) and the
    pre-state copy (`vmspec_pre`)."""
    expr = expr.replace("->", "?").replace("true", "1").replace("false", "0")
    return _IDENT.sub(lambda m: ("vmspec_pre." if m.group(1) else "now.") + m.group(2), expr)


def derive_c(g: Gen) -> str:
    """The derived variables recomputed after every step, as one C function: written inline in each
    `d_step`, SPIN would expand them into every transition of pan (most of its C on a large model)."""
    return ("c_code { static void vmspec_derive(void) {\n    "
            + to_c(g.derive_code()).replace("\n", "\n") + "\n} }")


def generate(spec: Spec, mutant: str | None = None, *, config: str = "?") -> Model:
    """The Promela model of `spec` (raises `NotEncoded` for what it cannot translate)."""
    _check_encodable(spec, mutant)
    g = Gen(spec, mutant)
    state = g.variables()
    derived = g.derived()
    props = [p for p in REGISTRY if p.name in ENCODED_PROPERTIES and p.kind in (ALWAYS, SOMETIMES)
             and p.scope in (STATE, TRANSITION)]
    assertions = [p.name for p in props]
    generated = g.instances()
    out = [
        f"/* vmspec: {config}{' mutant ' + mutant if mutant else ''}: generated by `vmspec export promela`.",
        "   One d_step per action instance; the state variables are initialised to the initial state.",
        "   The properties are assertions in C (vmspec_check_*), checked after every step: an always-property",
        "   must hold, a sometimes-property must not be reached (its violation is the witness).  VMSPEC_OFF",
        "   (a comma-separated list of property numbers) switches some off at run time. */",
        f"c_decl {{ int vmspec_off[{max(1, len(props))}]; }}",
        "",
        "/* state */",
    ]
    out += [f"{t} {n} = {v};" for t, n, v in state]
    out += ["/* derived from the state (residents per host; Started events' Resources per type) */"]
    out += [f"{t} {n} = {v};" for t, n, v in derived]
    out += ["/* scratch, zero between steps: the time step, the Redeploy target */"]
    out += g.scratch() + [""]
    out += ["c_code { State vmspec_pre; extern void (*uerror)(char *); }",
            "/* pan's error handler, wrapped once the search runs: a deadlock is reported once (each property's",
            "   check reports it once by itself), so one search with pan -c0 -e gives each its first trail */",
            "c_code { static void (*vmspec_pan_uerror)(char *); static int vmspec_deadlock_seen;",
            "  static void vmspec_uerror(char *s) {",
            "    if (!strcmp(s, \"invalid end state\")) { if (vmspec_deadlock_seen) return; vmspec_deadlock_seen = 1; }",
            "    vmspec_pan_uerror(s); } }",
            "c_code { __attribute__((constructor)) static void vmspec_init(void) {",
            "  char *e = getenv(\"VMSPEC_OFF\"); while (e && *e) { int k = atoi(e);",
            f"  if (k >= 0 && k < {max(1, len(props))}) vmspec_off[k] = 1; while (*e && *e != ',') e++; "
            "if (*e) e++; } } }"]
    cfuns: list[str] = []
    conds: dict[str, int] = {}  # C condition -> the number of the function testing it
    for action in dict.fromkeys(inst.action for inst, _, _ in generated):
        calls = []
        for n, p in enumerate(props):
            cond = ENCODED_PROPERTIES[p.name](g, action)
            if cond is None:
                continue
            # an always-property's check too long for one c_code block is cut into conjuncts
            parts = [cond] if p.kind == SOMETIMES else _chunks(cond, MAX_C_BLOCK // 2)
            tests = [to_c(c) if p.kind == SOMETIMES else f"!{to_c(c)}" for c in parts]
            for test in tests:
                if test not in conds:
                    conds[test] = len(conds)
                    fn = (f"c_code {{ /* {p.name} ({p.rule}) */ static int vmspec_c{conds[test]}(void) "
                          f"{{ return {test}; }} }}")
                    if len(fn) > MAX_C_BLOCK:
                        raise NotEncoded(f"a configuration this large (the check of {p.name} exceeds SPIN's "
                                         f"{MAX_C_BLOCK:,}-character limit of embedded C)")
                    cfuns.append(fn)
            what = "reached" if p.kind == SOMETIMES else "violated"
            hit = " || ".join(f"vmspec_c{conds[t]}()" for t in tests)
            calls.append(f"  if (!vmspec_off[{n}] && ({hit})) {{ vmspec_off[{n}] = 1; "
                         f"uerror(\"vmspec property {n} {what}\"); }}")
        cfuns.append(f"c_code {{ void vmspec_check_{action}(void) {{\n"
                     "  if (uerror != vmspec_uerror) { vmspec_pan_uerror = uerror; uerror = vmspec_uerror; }\n"
                     + "\n".join(calls) + "\n} }")
    out += cfuns + [""]
    out += [derive_c(g), ""]
    body = []
    instances = []
    for k, (inst, guard, effect) in enumerate(generated):
        instances.append(inst)
        body.append(
            f"  :: d_step {{ /* {k} {inst.action} {inst.obj if inst.obj is not None else ''} "
            f"{inst.extra if inst.extra is not None else ''} */\n"
            f"    ({guard}) ->\n    c_code {{ vmspec_pre = now; }};\n    " + effect.replace("\n", "\n    ")
            + f";\n    c_code {{ vmspec_derive(); }};\n    printf(\"@step {k}\\n\");\n    c_code {{ vmspec_check_{inst.action}(); }};\n"
            "    dt = 0; tg = 0\n  }")
    out += ["active proctype vmspec() {", "  do"] + body + ["  od", "}", ""]
    return Model("\n".join(out), instances, assertions, [n for _, n, _ in state])


# ---------------------------------------------------------------------- liveness (R18, R19)
#
# The model's weak fairness is per action instance (`ACTION_INFO[name].fair`): a run keeping an
# obligation pending forever violates R18/R19 only if every fair instance enabled in all states of
# its cycle is taken on it (properties/engines/graph.py).  Written for SPIN:
#
# - every fair action except time disables itself (its guard is false right after it is taken: a
#   phase, a flag or a timer it changes); the model checks that with an assertion after each such
#   step, so "enabled throughout the cycle and never taken" is "enabled throughout the cycle", and
#   its fairness condition is a state predicate, GF(!enabled).  Time stays enabled: one bit of
#   state, `tk`, says the last step let time pass, and its condition is GF(!enabled || tk);
# - a state where no fair action is enabled may be kept forever (the explorer's stutter and
#   deadlock counterexamples): an explicit stutter step (number `len(instances)`) loops there;
# - the never claim guesses when the obligation (selected at run time: `VMSPEC_OB`, a host for R18,
#   a VM for R19) stays pending for ever, then waits for each fairness condition in turn, skipping at
#   once those that hold in the current state, and accepts once all have held: an acceptance cycle
#   is a weakly fair run keeping the obligation pending;
# - the explorer's time instances carry their step (`time_passes(30)`), SPIN's one instance does
#   not: the two differ only on a cycle without any time step, which `VMSPEC_OB=-1` looks for (the
#   claim then accepts every cycle without one); finding one leaves liveness undecided.


@dataclass
class LivenessModel:
    text: str
    instances: list[Instance]  # the stutter step is number len(instances)
    obligations: list[tuple[str, int]]  # (property, host or VM index) per VMSPEC_OB value
    fair: list[int]  # the instances whose fairness conditions the claim waits for


LIVENESS = {"every_host_patched": "host", "frozen_vm_resumes": "vm"}


def generate_liveness(spec: Spec, mutant: str | None = None, *, config: str = "?") -> LivenessModel:
    """The model of `spec` for the liveness runs: the safety model's steps without its assertions,
    with the time bit, the self-disabling checks, the stutter step and the never claim."""
    from vmspec.model import ACTION_INFO

    _check_encodable(spec, mutant)
    g = Gen(spec, mutant)
    generated = g.instances()
    instances = [inst for inst, _, _ in generated]
    fair = [k for k, (inst, _, _) in enumerate(generated) if ACTION_INFO[inst.action].fair]
    obligations = [("every_host_patched", h) for h in range(g.H)] + [("frozen_vm_resumes", i) for i in range(g.V)]
    n, stutter = len(fair), len(generated)
    out = [f"/* vmspec: {config}{' mutant ' + mutant if mutant else ''}: the liveness model (R18, R19), "
           "generated by vmspec.  VMSPEC_OB selects the obligation. */",
           "c_decl { int vmspec_ob; }", "", "/* state */"]
    out += [f"{t} {name} = {v};" for t, name, v in g.variables()]
    out += ["bool tk = 0; /* the last step let time pass (or stuttered) */"]
    out += [f"{t} {name} = {v};" for t, name, v in g.derived()]
    out += g.scratch() + [""]
    conds = []
    for k in fair:
        inst, guard, _ = generated[k]
        c = f"!({to_c(guard)})"
        conds.append(f"{c} || now.tk" if inst.action == "time_passes" else c)
    pend = []
    for ob, (prop, x) in enumerate(obligations):
        pend.append(f"case {ob}: return !now.hp{x};" if prop == "every_host_patched"
                    else f"case {ob}: return now.vs{x} == {ST[FROZEN]};")
    out += ["c_code {", "  __attribute__((constructor)) static void vmspec_init(void) {",
            "    char *e = getenv(\"VMSPEC_OB\"); vmspec_ob = e ? atoi(e) : 0; }"]
    out += [f"  static int vmspec_f{j}(void) {{ return {c}; }}" for j, c in enumerate(conds)]
    out += [f"  static int (*const vmspec_fs[{max(1, n)}])(void) = {{"
            + (", ".join(f"vmspec_f{j}" for j in range(n)) or "0") + "};",
            "  static unsigned char vmspec_memo[sizeof(State)]; static int vmspec_memo_k = -1, vmspec_memo_j;",
            "  /* the first fairness condition from k on that does not hold now (n: all hold) */",
            "  static int vmspec_skip(int k) {",
            "    if (k == vmspec_memo_k && memcmp(&now, vmspec_memo, sizeof(State)) == 0) return vmspec_memo_j;",
            f"    int j = k; while (j < {n} && vmspec_fs[j]()) j++;",
            "    memcpy(vmspec_memo, &now, sizeof(State)); vmspec_memo_k = k; vmspec_memo_j = j; return j; }",
            "  static int vmspec_pending(void) { switch (vmspec_ob) { " + " ".join(pend) + " default: return 0; } }",
            "  #define VMSPEC_START (vmspec_ob >= 0 && vmspec_pending())",
            "  #define VMSPEC_TIMEFREE (vmspec_ob < 0)"]
    for k in range(n):
        for j in range(k, n + 1):
            out.append(f"  #define VMSPEC_W{k}_{j} (vmspec_pending() && vmspec_skip({k}) == {j})")
    out += ["}", "", derive_c(g), ""]
    body = []
    for k, (inst, guard, effect) in enumerate(generated):
        time_bit = "tk = 1" if inst.action == "time_passes" else "tk = 0"
        check = ("" if k not in fair or inst.action == "time_passes"
                 else f"    assert(!({guard})); /* vmspec self-disabling {k} */\n")
        body.append(
            f"  :: d_step {{ /* {k} {inst.action} {inst.obj if inst.obj is not None else ''} "
            f"{inst.extra if inst.extra is not None else ''} */\n"
            f"    ({guard}) ->\n    " + effect.replace("\n", "\n    ")
            + f";\n    c_code {{ vmspec_derive(); }}; {time_bit};\n{check}    printf(\"@step {k}\\n\");\n    dt = 0; tg = 0\n  }}")
    anyfair = " || ".join(f"({generated[k][1]})" for k in fair) or "false"
    body.append(f"  :: d_step {{ /* {stutter} stutter: no fair action is enabled */\n    !({anyfair}) ->\n"
                f"    tk = 1;\n    printf(\"@step {stutter}\\n\")\n  }}")
    out += ["active proctype vmspec() {", "  do"] + body + ["  od", "}", ""]
    claim = ["never {", "T0_init:", "  do", "  :: true", "  :: c_expr { VMSPEC_START } -> goto w0",
             "  :: c_expr { VMSPEC_TIMEFREE } && !tk -> goto accept_timefree", "  od;",
             "accept_timefree:", "  do", "  :: !tk", "  od;"]
    for k in range(n):
        claim += [f"w{k}:", "  do", f"  :: c_expr {{ VMSPEC_W{k}_{k} }}"]
        claim += [f"  :: c_expr {{ VMSPEC_W{k}_{j} }} -> goto {'w' + str(j) if j < n else 'accept_all'}"
                  for j in range(k + 1, n + 1)]
        claim += ["  od;"]
    claim += ["accept_all:", "  do"]
    claim += [f"  :: c_expr {{ VMSPEC_W0_{j} }} -> goto {'w' + str(j) if j < n else 'accept_all'}"
              for j in range(0, n + 1)]
    claim += ["  od", "}"]
    if n == 0:  # no fair action at all: every run keeping an obligation pending is fair
        claim = ["never {", "T0_init:", "  do", "  :: true", "  :: c_expr { VMSPEC_START } -> goto accept_all",
                 "  :: c_expr { VMSPEC_TIMEFREE } && !tk -> goto accept_timefree", "  od;",
                 "accept_timefree:", "  do", "  :: !tk", "  od;",
                 "accept_all:", "  do", "  :: c_expr { VMSPEC_START }", "  od", "}"]
    out += claim
    return LivenessModel("\n".join(out) + "\n", instances, obligations, fair)
