"""The transition relation of `model/spec.py` for one concrete configuration, in Z3.

This is the one allowed second encoding of the guards (the Python model stays the
reference): every action of `Spec` becomes, per argument, a guard and a next state over
the symbolic state of `concrete_state`.  `tests/test_z3_refinement.py` checks on every
state of the small configurations that the two agree (same enabled steps, same
successors), and every counterexample found here is decoded and replayed through the
Python model (`vmspec.properties.engines.z3.decode`).

Left out: the slot layout cannot show two events of one host at once.  The model never
has them (`event_matches_phase`, R13); a mutant that leaves an event behind is encoded
exactly up to its first violation, which is where bounded model checking stops.  An event
that names the VMs of several hosts (R30) sits in the slot of the host its EventId names,
with a membership vector over the other hosts (`SymEvent.also`); a host's actions act under
the event that covers it (`event_of_host`), as `State.event_of_host` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import z3

from vmspec.model import ALL_EVENT_TYPES, MAX_ROUNDS, Spec, State
from vmspec.model.spec import ACTION_BLOCKS
from vmspec.model.state import (
    ANNOUNCED,
    BLANK,
    EVENT_STATUSES,
    FROZEN,
    GONE,
    HOST_PHASES,
    IDLE,
    IN_FREEZE,
    IN_REBOOT,
    LOADED,
    OUTSIDE,
    PLATFORM_SOURCE,
    REBOOTING,
    RECOVERED,
    RUNNING,
    SCHEDULED,
    STARTED,
    STARTED_STATUS,
    USER_SOURCE,
    VM_STATUSES,
    WRITTEN,
)
from vmspec.properties.engines.z3.concrete_state import (
    FREEZE,
    IN_FREEZE_SLICE,
    IN_REBOOT_SLICE,
    NONE,
    PREEMPT,
    REBOOT,
    REDEPLOY,
    ROUNDS,
    TERMINATE,
    Instance,
    SymEvent,
    SymHost,
    SymState,
    SymVM,
    _ite,
    _min,
    _set,
)


class EncodingError(ValueError):
    """A configuration or mutant the encoding cannot represent faithfully."""


class Encoding:
    """The actions of `vmspec.model.spec.Spec` over `SymState`, method for method."""

    mutant: str | None = None
    phases: tuple[str, ...] = HOST_PHASES
    statuses: tuple[str, ...] = EVENT_STATUSES

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.params = spec.params
        self.n_hosts, self.n_vms = len(spec.host_names), len(spec.vm_names)
        self.n_sets = len(spec.topology.availability_sets)
        for name in spec.host_names:
            if "#" in name or name.endswith("'"):
                raise EncodingError(f"host name {name!r}: EventIds are host#round, so '#' and a trailing ' are not supported")
        self.g = self.params.granularity
        self.n_sets = len(spec.topology.availability_sets)
        self._per_state: dict[tuple[str, int], tuple[Any, Any]] = {}  # terms built once per symbolic value
        self._slice_groups: list[list[list[tuple[int, int]]]] | None = None
        self.multi = self.params.multi_host_events  # R30: an event may cover several hosts

    # ------------------------------------------------------------ constants and variables

    def phase(self, name: str) -> int:
        return self.phases.index(name)

    def status_ix(self, name: str) -> int:
        return self.statuses.index(name)

    def variables(self, prefix: str) -> SymState:
        """Fresh variables for one state, named `prefix.field`."""
        I, B = z3.Int, z3.Bool
        hosts = tuple(
            SymHost(B(f"{prefix}.h{h}.patched"), B(f"{prefix}.h{h}.needs_reboot"), I(f"{prefix}.h{h}.phase"),
                    I(f"{prefix}.h{h}.rounds"))
            for h in range(self.n_hosts)
        )
        vms = tuple(
            SymVM(*(I(f"{prefix}.v{i}.{f}") for f in ("status", "host", "memory", "snapshot", "frozen_for",
                                                      "clock_lag", "unsynced_for")))
            for i in range(self.n_vms)
        )
        slots = tuple(
            SymEvent(
                B(f"{prefix}.e{h}.present"), I(f"{prefix}.e{h}.type"),
                tuple(B(f"{prefix}.e{h}.res{i}") for i in range(self.n_vms)), I(f"{prefix}.e{h}.status"),
                I(f"{prefix}.e{h}.not_before_in"), I(f"{prefix}.e{h}.notice"), I(f"{prefix}.e{h}.duration"),
                B(f"{prefix}.e{h}.approved"), I(f"{prefix}.e{h}.round"), B(f"{prefix}.e{h}.renamed"),
                I(f"{prefix}.e{h}.approver"), tuple(B(f"{prefix}.e{h}.tenant{a}") for a in range(self.n_sets)),
                B(f"{prefix}.e{h}.user"),
                tuple(B(f"{prefix}.e{h}.also{x}") for x in range(self.n_hosts)) if self.multi else (),
            )
            for h in range(self.n_hosts)
        )
        removed = tuple(
            tuple((B(f"{prefix}.removed.h{h}.r{r}"), B(f"{prefix}.removed.h{h}.r{r}'")) for r in ROUNDS)
            for h in range(self.n_hosts)
        )
        recovering = tuple((I(f"{prefix}.gap{a}.update_domain"), I(f"{prefix}.gap{a}.left"))
                           for a in range(self.n_sets))
        return SymState(hosts, vms, slots, I(f"{prefix}.incarnation"), removed, recovering)

    def concrete(self, s: State, *, python: bool = False) -> SymState:
        """A model `State` as constant terms (the inverse of `decode.decode_state`), or with
        `python` as the plain values those terms denote (for `evaluate.Compiled`)."""
        iv, bv = (int, bool) if python else (z3.IntVal, z3.BoolVal)

        def opt(x: int | None) -> z3.ArithRef:
            return iv(NONE if x is None else x)

        hosts = tuple(SymHost(bv(x.patched), bv(x.needs_reboot), iv(self.phases.index(x.phase)), iv(x.rounds))
                      for x in s.hosts)
        vms = tuple(
            SymVM(iv(VM_STATUSES.index(v.status)), iv(v.host), iv(v.memory), opt(v.snapshot), opt(v.frozen_for),
                  iv(v.clock_lag), opt(v.unsynced_for))
            for v in s.vms
        )
        slots = []
        for h in range(self.n_hosts):
            e = next((x for x in s.events if x.host == h), None)  # the slot of the host its EventId names
            if e is None:
                slots.append(SymEvent(bv(False), iv(0), tuple(bv(False) for _ in range(self.n_vms)), iv(0), iv(NONE),
                                      iv(0), iv(0), bv(False), iv(0), bv(False), iv(NONE),
                                      tuple(bv(False) for _ in range(self.n_sets)), bv(False),
                                      tuple(bv(False) for _ in range(self.n_hosts)) if self.multi else ()))
                continue
            stem, _, rest = e.event_id.partition("#")
            renamed = rest.endswith("'")
            slots.append(SymEvent(
                bv(True), iv(ALL_EVENT_TYPES.index(e.event_type)), tuple(bv(i in e.resources) for i in range(self.n_vms)),
                iv(self.statuses.index(e.status)), opt(e.not_before_in), iv(e.notice), iv(e.duration),
                bv(e.approved), iv(int(rest.rstrip("'"))), bv(renamed), opt(e.approved_by),
                tuple(bv(a in e.tenants_approved) for a in range(self.n_sets)), bv(e.source == USER_SOURCE),
                tuple(bv(x in e.also_hosts) for x in range(self.n_hosts)) if self.multi else (),
            ))
        removed = tuple(
            tuple((bv(self.event_id(h, r, False) in s.removed), bv(self.event_id(h, r, True) in s.removed))
                  for r in ROUNDS)
            for h in range(self.n_hosts)
        )
        recovering = tuple((iv(0), iv(NONE)) if gap is None else (iv(gap[0]), iv(gap[1])) for gap in s.recovering)
        return SymState(hosts, vms, tuple(slots), iv(s.incarnation), removed, recovering)

    def source_of(self, e: SymEvent) -> str:
        """The EventSource of a slot's event, its fields evaluated (`decode`): User for a user's
        request (R35), Platform otherwise."""
        user = e.user if isinstance(e.user, bool) else z3.is_true(e.user)
        return USER_SOURCE if user else PLATFORM_SOURCE

    def event_id(self, h: int, round_: int, renamed: bool) -> str:
        return f"{self.spec.host_names[h]}#{round_}" + ("'" if renamed else "")

    def wellformed(self, s: SymState) -> z3.BoolRef:
        """Every integer encodes some model value: enumerations in range, -1 for None."""
        c = [s.incarnation >= 0]
        for x in s.hosts:
            c += [0 <= x.phase, x.phase < len(self.phases), 0 <= x.rounds, x.rounds <= MAX_ROUNDS]
        for v in s.vms:
            c += [0 <= v.status, v.status < len(VM_STATUSES), 0 <= v.host, v.host < self.n_hosts,
                  v.memory >= 0, v.snapshot >= NONE, v.frozen_for >= NONE, v.unsynced_for >= NONE]
        for e in s.slots:
            c.append(z3.Implies(e.present, z3.And(
                0 <= e.etype, e.etype < len(ALL_EVENT_TYPES), 0 <= e.status, e.status < len(self.statuses),
                e.not_before_in >= NONE, e.notice >= 0, 1 <= e.id_round, e.id_round <= MAX_ROUNDS,
                e.approver >= OUTSIDE, e.approver < self.n_vms)))
        for ud, left in s.recovering:
            c += [z3.If(left == NONE, ud == 0, z3.And(ud >= 0, left > 0))]
        return z3.And(c)

    # ------------------------------------------------------------ queries (vmspec.model.spec.Spec, same names)

    def residents(self, s: SymState, h: int) -> tuple[z3.BoolRef, ...]:
        """Per VM, whether it is on host `h` (a VM gone, R36 and R37, is on no host)."""
        return tuple(z3.And(v.host == h, z3.Not(self._status(v, GONE))) for v in s.vms)

    def is_phase(self, s: SymState, h: int, name: str) -> z3.BoolRef:
        return s.hosts[h].phase == self.phase(name)

    def is_status(self, e: SymEvent, name: str) -> z3.BoolRef:
        return e.status == self.status_ix(name)

    # R30: an event may cover several hosts (`Event.also_hosts`, a membership vector per slot)

    def no_also(self) -> tuple[z3.BoolRef, ...]:
        """The membership vector of an event of one host."""
        return tuple(z3.BoolVal(False) for _ in range(self.n_hosts)) if self.multi else ()

    def covers(self, s: SymState, k: int, x: int) -> z3.BoolRef:
        """The event in slot `k` covers host `x`: it is `x`'s own, or names `x`'s VMs with them."""
        e = s.slots[k]
        if k == x:
            return e.present
        return z3.And(e.present, e.also[x]) if self.multi else z3.BoolVal(False)

    def event_of_host(self, s: SymState, x: int) -> SymEvent:
        """The event whose maintenance covers host `x` (`State.event_of_host`): its own slot, or
        the first slot whose event also covers it; its `present` says whether there is one."""
        if not self.multi:
            return s.slots[x]
        others = [k for k in range(self.n_hosts) if k != x]
        out = s.slots[x]
        for k in reversed(others):
            out = _ite(z3.And(z3.Not(s.slots[x].present), self.covers(s, k, x)), s.slots[k], out)  # type: ignore[assignment]
        return out

    def grouped(self, e: SymEvent) -> z3.BoolRef:
        """The event covers other hosts besides its own (R30)."""
        return z3.Or(list(e.also)) if self.multi and e.also else z3.BoolVal(False)

    def named_on(self, s: SymState, e: SymEvent, x: int) -> tuple[z3.BoolRef, ...]:
        """Per VM: event `e` impacts it through host `x` (`Spec.named_on`): every VM it names, or,
        for an event of several hosts, those it names on `x`."""
        if not self.multi:
            return e.resources
        g = self.grouped(e)
        return tuple(z3.And(r, z3.Or(z3.Not(g), v.host == x)) for r, v in zip(e.resources, s.vms))

    def _with_phases(self, s: SymState, k: int, phase: str) -> SymState:
        """Every host the event in slot `k` covers moved to `phase` (`Spec._set_phases`)."""
        t = self._with_host(s, k, phase=z3.IntVal(self.phase(phase)))
        if not self.multi:
            return t
        e = s.slots[k]
        hosts = tuple(x if j == k else replace(x, phase=z3.If(e.also[j], self.phase(phase), x.phase))
                      for j, x in enumerate(t.hosts))
        return replace(t, hosts=hosts)

    def all_recovered(self, s: SymState, k: int) -> z3.BoolRef:
        """Every host the event in slot `k` covers is recovered."""
        own = self.is_phase(s, k, RECOVERED)
        if not self.multi:
            return own
        e = s.slots[k]
        return z3.And([own] + [z3.Implies(e.also[j], self.is_phase(s, j, RECOVERED))
                               for j in range(self.n_hosts) if j != k])

    def within_slice(self, resources: tuple[z3.BoolRef, ...], etype: int) -> z3.BoolRef:
        """R30: `resources` lie within one slice of each availability set, the slice of `etype`."""
        keys = self.spec.slice_of[ALL_EVENT_TYPES[etype]]
        return z3.And([z3.Not(z3.And(resources[i], resources[j])) for i in range(self.n_vms)
                       for j in range(i + 1, self.n_vms) if keys[i][0] == keys[j][0] and keys[i] != keys[j]]
                      or [z3.BoolVal(True)])

    def announced_resources(self, s: SymState, h: int, etype: int) -> tuple[z3.BoolRef, ...]:
        """The VMs an event of type `etype` for host `h` names: every VM on it, or, for a live
        migration (R27), the first VM on it of each availability set."""
        res = self.residents(s, h)
        if etype != FREEZE or not self.params.live_migration:
            return res
        aset = self.spec.vm_aset
        return tuple(z3.And(res[i], *[z3.Not(res[j]) for j in range(i) if aset[j] == aset[i]])
                     for i in range(self.n_vms))

    def event_types_for(self, s: SymState, h: int) -> dict[int, z3.BoolRef]:
        """Per event type, whether it may announce the update of host `h` (S5, R6; R27: a live
        migration only when a host can take the VMs it would name)."""
        nr = s.hosts[h].needs_reboot
        out = {FREEZE: z3.Not(nr), REBOOT: nr}
        if self.params.live_migration:
            exists, _ = self.redeploy_target(s, h, self.announced_resources(s, h, FREEZE))
            out[FREEZE] = z3.And(out[FREEZE], exists)
        if self.params.allow_redeploy:
            exists, _ = self.redeploy_target(s, h, self.residents(s, h))
            out[REDEPLOY] = z3.And(nr, exists)
        return out

    def announced_notice(self, etype: int) -> int:
        return self.params.notice_for(ALL_EVENT_TYPES[etype])

    def id_round(self, rounds: z3.ArithRef) -> z3.ArithRef:
        """The round a new EventId names (`Spec.event_id`)."""
        return rounds

    def started(self, e: SymEvent) -> z3.BoolRef:
        return z3.And(e.present, self.is_status(e, STARTED_STATUS))

    def busy(self, s: SymState, resources: tuple[z3.BoolRef, ...], etype: z3.ArithRef) -> dict[int, list]:
        """Per kind of impact, per VM: named by a Started event of that kind, or by
        `resources` about to start as an event of type `etype`."""
        out = {}
        impacted = self._impacted(s)
        for kind in (IN_FREEZE_SLICE, IN_REBOOT_SLICE):
            now = etype == FREEZE if kind == IN_FREEZE_SLICE else etype != FREEZE
            out[kind] = [z3.Or([z3.And(resources[i], now)] + impacted[kind][i]) for i in range(self.n_vms)]
        return out

    def _impacted(self, s: SymState) -> dict[int, list[list[z3.BoolRef]]]:
        """Per kind of impact, per VM: one term per event slot, true when that slot's Started
        event names the VM with that kind.  The same for every action instance of one state, so
        built once per state (`busy` is asked once per host and event type)."""
        cached = self._per_state.get(("impacted", id(s)))
        if cached is not None and cached[0] is s:
            return cached[1]
        started = [(self.started(e), e) for e in s.slots]
        out = {kind: [[z3.And(st, e.resources[i], e.etype == FREEZE if kind == IN_FREEZE_SLICE else e.etype != FREEZE)
                       for st, e in started] for i in range(self.n_vms)]
               for kind in (IN_FREEZE_SLICE, IN_REBOOT_SLICE)}
        self._per_state["impacted", id(s)] = (s, out)  # the state is kept with its entry, so its id is not reused
        return out

    def slice_allows(self, s: SymState, resources: tuple[z3.BoolRef, ...], etype: z3.ArithRef) -> z3.BoolRef:
        """R5: Started events plus `resources` (an event of type `etype`) keep at most one
        slice per availability set, each VM counted by its event's type."""
        busy = self.busy(s, resources, etype)
        return self.at_most_one_slice(lambda i, k: busy[k][i])

    def slice_groups(self) -> list[list[list[tuple[int, int]]]]:
        """Per availability set, per slice of it: the (VM, kind of impact) pairs that fall in that
        slice (`Spec.slice_of` per kind), so that two VMs of one set fall in different slices
        exactly when they are in different groups (the pairs of `cross_slice_pairs`)."""
        if self._slice_groups is None:
            keys = {IN_FREEZE_SLICE: self.spec.slice_of["Freeze"], IN_REBOOT_SLICE: self.spec.slice_of["Reboot"]}
            by_set: dict[int, dict[tuple, list[tuple[int, int]]]] = {}
            for i in range(self.n_vms):
                for k, key in keys.items():
                    by_set.setdefault(key[i][0], {}).setdefault(key[i], []).append((i, k))
            self._slice_groups = [list(groups.values()) for groups in by_set.values()]
        return self._slice_groups

    def at_most_one_slice(self, busy: Callable[[int, int], z3.BoolRef]) -> z3.BoolRef:
        """R5's shape: in no availability set are two slices busy at once (`busy(i, kind)`: VM i
        impacted with that kind).  One disjunction per slice and one clause per pair of slices
        of a set: the same condition as a clause per pair of VMs (`cross_slice_pairs`), with
        far fewer terms on large topologies."""
        c = []
        for groups in self.slice_groups():
            ors = [z3.Or([busy(i, k) for i, k in g]) for g in groups]
            c += [z3.Not(z3.And(x, y)) for n, x in enumerate(ors) for y in ors[n + 1:]]
        return z3.And(c) if c else z3.BoolVal(True)

    def cross_slice_pairs(self) -> list[tuple[int, int, int, int]]:
        """(i, kind, j, kind) for two VMs of one availability set that fall in different
        slices when impacted with these kinds (`IN_FREEZE_SLICE`, `IN_REBOOT_SLICE`)."""
        keys = {IN_FREEZE_SLICE: self.spec.slice_of["Freeze"], IN_REBOOT_SLICE: self.spec.slice_of["Reboot"]}
        pairs = [(i, k) for i in range(self.n_vms) for k in keys]
        return [(i, ki, j, kj) for n, (i, ki) in enumerate(pairs) for (j, kj) in pairs[n + 1:]
                if keys[ki][i][0] == keys[kj][j][0] and keys[ki][i] != keys[kj][j]]

    def resources_within_one_update_domain(self, resources: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        """R22: where the profile keeps the guarantee, no two named VMs of one set in two update domains."""
        if not self.params.resources_one_update_domain:
            return z3.BoolVal(True)
        return self.at_most_one_update_domain(lambda i: resources[i])

    def at_most_one_update_domain(self, named: Callable[[int], z3.BoolRef]) -> z3.BoolRef:
        """In no availability set are VMs of two update domains `named` (one disjunction per
        update domain, one clause per pair of update domains of a set)."""
        ud = self.spec.slice_of["Reboot"]
        by_set: dict[int, dict[tuple, list[int]]] = {}
        for i in range(self.n_vms):
            by_set.setdefault(ud[i][0], {}).setdefault(ud[i], []).append(i)
        c = []
        for groups in by_set.values():
            ors = [z3.Or([named(i) for i in g]) for g in groups.values()]
            c += [z3.Not(z3.And(x, y)) for n, x in enumerate(ors) for y in ors[n + 1:]]
        return z3.And(c) if c else z3.BoolVal(True)

    def cross_update_domain_pairs(self) -> list[tuple[int, int]]:
        """Pairs of VMs of one availability set in different update domains."""
        ud = self.spec.slice_of["Reboot"]
        return [(i, j) for i in range(self.n_vms) for j in range(i + 1, self.n_vms)
                if ud[i][0] == ud[j][0] and ud[i] != ud[j]]

    def start_allowed(self, e: SymEvent) -> z3.BoolRef:
        return z3.Or(e.not_before_in == 0, e.approved)

    def recovery_gap_allows(self, s: SymState, resources: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        """R21: no VM of `resources` in a set whose recovery gap runs for another update domain."""
        by_ud = self.spec.slice_of["Reboot"]
        c = []
        for i, (a, (_, ud)) in enumerate(by_ud):
            gap_ud, left = s.recovering[a]
            c.append(z3.Not(z3.And(resources[i], left != NONE, gap_ud != ud)))
        return z3.And(c) if c else z3.BoolVal(True)

    def recovered(self, s: SymState, booted: tuple[z3.BoolRef, ...]) -> tuple:
        """The recovery timers once the VMs `booted` are back (R21): each set with a booted VM
        starts the gap of that VM's update domain (the first, as the model)."""
        gap = self.params.gap()
        if not gap:
            return s.recovering
        by_ud = self.spec.slice_of["Reboot"]
        out = []
        for a, (gap_ud, left) in enumerate(s.recovering):
            members = [(i, ud) for i, (b, (_, ud)) in enumerate(by_ud) if b == a]
            new_ud, new_left = gap_ud, left
            for i, ud in reversed(members):  # the first named VM of the set decides, as Spec.recovered
                new_ud = z3.If(booted[i], z3.IntVal(ud), new_ud)
                new_left = z3.If(booted[i], z3.IntVal(gap), new_left)
            out.append((new_ud, new_left))
        return tuple(out)
    def approver_candidates(self) -> tuple[int, ...]:
        """Every approver an approval may name in this configuration (R28): each VM, then
        OUTSIDE where the profile allows it (`Spec.approvers_for` narrows them per event)."""
        return tuple(range(self.n_vms)) + ((OUTSIDE,) if self.params.approval_from_outside else ())

    def may_approve(self, e: SymEvent, a: int) -> z3.BoolRef:
        """R28: `a` approves event `e`: a VM of a set the event names (a VM it names under the
        narrow scope), or OUTSIDE where the profile allows it (`Spec.approvers_for`)."""
        if a == OUTSIDE:
            return z3.BoolVal(self.params.approval_from_outside)
        if self.params.approval_scope == "resources":
            return e.resources[a]
        aset = self.spec.vm_aset
        return z3.Or([e.resources[i] for i in range(self.n_vms) if aset[i] == aset[a]])

    def freeze_deadline_ok(self, s: SymState, dt: z3.ArithRef) -> z3.BoolRef:
        b = self.params.pause_bound
        return z3.And([z3.Or(v.frozen_for == NONE, v.frozen_for + dt <= b) for v in s.vms] or [z3.BoolVal(True)])

    def resync_deadline_ok(self, s: SymState, dt: z3.ArithRef) -> z3.BoolRef:
        lat = self.params.resync_latency
        return z3.And([z3.Or(v.unsynced_for == NONE, v.unsynced_for + dt <= lat) for v in s.vms] or [z3.BoolVal(True)])

    def watchdog_due(self, s: SymState, h: int) -> z3.BoolRef:
        b, early = self.params.pause_bound, self.params.watchdog_any_time
        return z3.Or([z3.And(v.frozen_for != NONE, z3.BoolVal(True) if early else v.frozen_for + self.g > b,
                             v.host == h) for v in s.vms]
                     or [z3.BoolVal(False)])

    def resumed_vm(self, v: SymVM) -> SymVM:
        """R1, R3: memory untouched, the clock still behind by the pause."""
        run = z3.IntVal(VM_STATUSES.index(RUNNING))
        return SymVM(run, v.host, v.memory, z3.IntVal(NONE), z3.IntVal(NONE), v.clock_lag,
                     z3.If(v.clock_lag != 0, 0, NONE))

    @staticmethod
    def written(memory: z3.ArithRef) -> z3.ArithRef:
        return z3.If(memory != BLANK, WRITTEN, LOADED)

    def _status(self, v: SymVM, name: str) -> z3.BoolRef:
        return v.status == VM_STATUSES.index(name)

    # ------------------------------------------------------------ document edits

    def _with_host(self, s: SymState, h: int, **kw: object) -> SymState:
        return replace(s, hosts=_set(s.hosts, h, replace(s.hosts[h], **kw)))

    def _with_slot(self, s: SymState, h: int, **kw: object) -> SymState:
        return replace(s, slots=_set(s.slots, h, replace(s.slots[h], **kw)))

    def _remove_event(self, s: SymState, h: int) -> SymState:
        """The event of slot `h` leaves the document; its EventId joins the removed set."""
        e = s.slots[h]
        removed = tuple(
            tuple(z3.Or(s.removed[h][r - 1][k], z3.And(e.id_round == r, e.renamed == bool(k))) for k in (0, 1))
            for r in ROUNDS
        )
        s = replace(s, removed=_set(s.removed, h, removed))
        return self._with_slot(s, h, present=z3.BoolVal(False))

    def _vms_where(self, s: SymState, cond: Callable[[int, SymVM], z3.BoolRef], new: Callable[[SymVM], SymVM]) -> tuple:
        return tuple(_ite(cond(i, v), new(v), v) for i, v in enumerate(s.vms))

    # ------------------------------------------------------------ actions

    def platform_announce_event(self, s: SymState, h: int, etype: int) -> tuple[z3.BoolRef, SymState]:
        host, slot = s.hosts[h], s.slots[h]
        res = self.announced_resources(s, h, etype)
        guard = z3.And(z3.Not(host.patched), self.is_phase(s, h, IDLE), host.rounds < MAX_ROUNDS,
                       self.event_types_for(s, h)[etype], z3.Or(res), self.resources_within_one_update_domain(res),
                       z3.Not(slot.present))
        notice = self.announced_notice(etype)
        duration = self.params.expected_pause if etype == FREEZE else -1
        e = SymEvent(z3.BoolVal(True), z3.IntVal(etype), res, z3.IntVal(self.status_ix(SCHEDULED)), z3.IntVal(notice),
                     z3.IntVal(notice), z3.IntVal(duration), z3.BoolVal(False), self.id_round(host.rounds + 1),
                     z3.BoolVal(False), z3.IntVal(NONE), tuple(z3.BoolVal(False) for _ in range(self.n_sets)), z3.BoolVal(False),
                     self.no_also())
        t = replace(s, slots=_set(s.slots, h, e), incarnation=s.incarnation + 1)
        return guard, self._with_host(t, h, phase=z3.IntVal(self.phase(ANNOUNCED)), rounds=host.rounds + 1)

    def platform_announce_group(self, s: SymState, h: int, etype: int) -> tuple[z3.BoolRef, SymState]:
        """R30: one event for host `h` and, in index order, every other idle, unpatched host whose
        update takes `etype` and whose VMs keep the Resources within one slice of each set (and
        one update domain where R22 applies); never a Redeploy, nor a live migration."""
        if not self.multi or etype == REDEPLOY or (etype == FREEZE and self.params.live_migration):
            return z3.BoolVal(False), s
        guard, t = self.platform_announce_event(s, h, etype)
        acc = self.residents(s, h)
        also = []
        for x in range(self.n_hosts):
            if x == h:
                also.append(z3.BoolVal(False))
                continue
            host = s.hosts[x]
            here = self.residents(s, x)
            joined = tuple(z3.Or(a, b) for a, b in zip(acc, here))
            ok = z3.And(z3.Not(host.patched), self.is_phase(s, x, IDLE), host.rounds < MAX_ROUNDS,
                        self.event_types_for(s, x)[etype], z3.Or(here), self.within_slice(joined, etype),
                        self.resources_within_one_update_domain(joined))
            acc = tuple(z3.If(ok, a, b) for a, b in zip(joined, acc))
            also.append(ok)
        slot = replace(t.slots[h], resources=acc, also=tuple(also))
        t = replace(t, slots=_set(t.slots, h, slot))
        hosts = tuple(x if j == h else replace(x, phase=z3.If(also[j], self.phase(ANNOUNCED), x.phase))
                      for j, x in enumerate(t.hosts))
        return z3.And(guard, z3.Or(also)), replace(t, hosts=hosts)

    def platform_patch_empty_host(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        host = s.hosts[h]
        guard = z3.And(z3.Not(host.patched), self.is_phase(s, h, IDLE), z3.Not(z3.Or(self.residents(s, h))))
        return guard, self._with_host(s, h, patched=z3.BoolVal(True), needs_reboot=z3.BoolVal(False))

    def app_approve_event(self, s: SymState, h: int, a: int) -> tuple[z3.BoolRef, SymState]:
        e = s.slots[h]
        guard = z3.And(e.present, self.may_approve(e, a), self.is_status(e, SCHEDULED), z3.Not(e.approved),
                       e.not_before_in != 0, e.not_before_in != NONE)
        if not self.params.all_tenants_approve or a == OUTSIDE:
            return guard, self._with_slot(s, h, approved=z3.BoolVal(True), approver=z3.IntVal(a))
        # R29: each tenant (availability set) approves once; the last one releases the event
        ta = self.spec.vm_aset[a]
        tenants = tuple(z3.BoolVal(True) if x == ta else t for x, t in enumerate(e.tenants))
        done = self.every_tenant_approved(e, tenants)
        return z3.And(guard, z3.Not(e.tenants[ta])), self._with_slot(
            s, h, tenants=tenants, approved=done, approver=z3.If(done, a, NONE))

    def names_tenant(self, e: SymEvent, x: int) -> z3.BoolRef:
        """Event `e` names a VM of availability set `x` (a tenant of its host)."""
        return z3.Or([e.resources[i] for i in range(self.n_vms) if self.spec.vm_aset[i] == x] or [z3.BoolVal(False)])

    def every_tenant_approved(self, e: SymEvent, tenants: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        """R29 (`Spec.every_tenant_approved`): every tenant the event names is among `tenants`."""
        return z3.And([z3.Or(t, z3.Not(self.names_tenant(e, x))) for x, t in enumerate(tenants)] or [z3.BoolVal(True)])

    def platform_start_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        e = s.slots[h]
        guard = z3.And(e.present, self.is_status(e, SCHEDULED), self.start_allowed(e),
                       self.slice_allows(s, e.resources, e.etype), self.recovery_gap_allows(s, e.resources),
                       self.terminate_order_allows(s, h))
        t = self._with_slot(s, h, status=z3.IntVal(self.status_ix(STARTED_STATUS)), not_before_in=z3.IntVal(NONE))
        t = replace(t, incarnation=s.incarnation + 1)
        return guard, self._with_phases(t, h, STARTED)

    def terminate_order_allows(self, s: SymState, h: int) -> z3.BoolRef:
        """R37 (`Spec.terminate_order_allows`): a Terminate approved before its NotBefore waits while another
        Terminate naming a VM of its scale set is Scheduled, unapproved, with its NotBefore ahead."""
        e = s.slots[h]
        early = z3.And(e.etype == TERMINATE, e.not_before_in != 0)
        blocking = []
        for k, x in enumerate(s.slots):
            if k == h:
                continue
            shared = self.share_a_set(s, h, k)
            blocking.append(z3.And(x.present, x.etype == TERMINATE, self.is_status(x, SCHEDULED), z3.Not(x.approved),
                                   x.not_before_in != 0, shared))
        return z3.Not(z3.And(early, z3.Or(blocking or [z3.BoolVal(False)])))

    def share_a_set(self, s: SymState, h: int, k: int) -> z3.BoolRef:
        """The events of slots `h` and `k` name VMs of one availability set: per set, whether each
        names a VM of it, built once per state (one term per set and pair of slots, where a term
        per pair of VMs of a set would grow with its square)."""
        cached = self._per_state.get(("tenants", id(s)))
        if cached is None or cached[0] is not s:
            sets = sorted(set(self.spec.vm_aset))
            cached = (s, [[self.names_tenant(e, x) for x in sets] for e in s.slots])
            self._per_state["tenants", id(s)] = cached
        named = cached[1]
        return z3.Or([z3.And(a, b) for a, b in zip(named[h], named[k])] or [z3.BoolVal(False)])

    def platform_cancel_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        e = s.slots[h]
        guard = z3.And(e.present, self.is_status(e, SCHEDULED), s.hosts[h].rounds < MAX_ROUNDS - 1)
        t = replace(self._remove_event(s, h), incarnation=s.incarnation + 1)
        return guard, self._with_phases(t, h, IDLE)

    def freeze_guard(self, s: SymState, h: int) -> z3.BoolRef:
        e = self.event_of_host(s, h)
        return z3.And(self.is_phase(s, h, STARTED), e.present, e.etype == FREEZE)

    def host_freeze(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        return self.freeze_guard(s, h), self.frozen(s, h)

    def frozen(self, s: SymState, h: int) -> SymState:
        """Each VM named by the event of `h` frozen with a snapshot of its memory (S2, R1, R14)."""
        named = self.named_on(s, self.event_of_host(s, h), h)
        fz = z3.IntVal(VM_STATUSES.index(FROZEN))
        vms = self._vms_where(s, lambda i, v: named[i],
                              lambda v: SymVM(fz, v.host, v.memory, v.memory, z3.IntVal(0), v.clock_lag, v.unsynced_for))
        return self._with_host(replace(s, vms=vms), h, phase=z3.IntVal(self.phase(IN_FREEZE)))

    def apply_patch_guard(self, s: SymState, h: int) -> z3.BoolRef:
        host = s.hosts[h]
        if self.params.live_migration:  # R27: the host is patched once vacated, never under the freeze
            return z3.BoolVal(False)
        return z3.And(self.is_phase(s, h, IN_FREEZE), z3.Not(host.patched), z3.Not(host.needs_reboot))

    def host_apply_patch(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        return self.apply_patch_guard(s, h), self._with_host(s, h, patched=z3.BoolVal(True))

    def _resume_vms(self, s: SymState, h: int) -> tuple:
        return self._vms_where(s, lambda i, v: z3.And(self._status(v, FROZEN), v.host == h), self.resumed_vm)

    def platform_resume_host(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard = z3.And(self.is_phase(s, h, IN_FREEZE), s.hosts[h].patched)
        t = replace(s, vms=self._resume_vms(s, h))
        return guard, self._with_host(t, h, phase=z3.IntVal(self.phase(RECOVERED)))

    def platform_watchdog_resume(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard = z3.And(self.is_phase(s, h, IN_FREEZE), z3.Not(s.hosts[h].patched), self.watchdog_due(s, h))
        if self.params.live_migration:  # R27: in place only when no host can take the VMs
            e = self.event_of_host(s, h)
            exists, _ = self.redeploy_target(s, h, e.resources)
            guard = z3.And(guard, z3.Not(z3.And(e.present, exists)))
        t = replace(s, vms=self._resume_vms(s, h))
        return guard, self._with_host(t, h, phase=z3.IntVal(self.phase(RECOVERED)), needs_reboot=z3.BoolVal(True))

    def host_live_migrate(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        """R27: the frozen VMs of `h`'s event resume on the first other host the rules allow."""
        if not self.params.live_migration:
            return z3.BoolVal(False), s
        e = self.event_of_host(s, h)
        exists, target = self.redeploy_target(s, h, e.resources)
        guard = z3.And(self.is_phase(s, h, IN_FREEZE), e.present, exists)
        return guard, self.migrated(s, h, target)

    def migrated(self, s: SymState, h: int, target: z3.ArithRef) -> SymState:
        """Each frozen VM named by the event of `h` resumed on `target`, memory kept (R1, R27)."""
        e = self.event_of_host(s, h)
        vms = self._vms_where(s, lambda i, v: z3.And(e.resources[i], self._status(v, FROZEN)),
                              lambda v: replace(self.resumed_vm(v), host=target))
        return self._with_host(replace(s, vms=vms), h, phase=z3.IntVal(self.phase(RECOVERED)))

    def _rebooted(self, s: SymState, h: int, target: z3.ArithRef | None) -> SymState:
        """The VMs named by the event of `h` restart (on `target`, or where they are); memory is lost (R15);
        the host is patched, unless its user asked for the restart (R35)."""
        e = self.event_of_host(s, h)
        named = self.named_on(s, e, h)
        rb = z3.IntVal(VM_STATUSES.index(REBOOTING))
        none = z3.IntVal(NONE)
        vms = self._vms_where(s, lambda i, v: named[i],
                              lambda v: SymVM(rb, v.host if target is None else target, z3.IntVal(BLANK), none, none,
                                              z3.IntVal(0), none))
        host = s.hosts[h]
        return self._with_host(replace(s, vms=vms), h, phase=z3.IntVal(self.phase(IN_REBOOT)),
                               patched=z3.Or(z3.Not(e.user), host.patched),
                               needs_reboot=z3.And(e.user, host.needs_reboot))

    def host_reboot(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        e = self.event_of_host(s, h)
        guard = z3.And(self.is_phase(s, h, STARTED), e.present, e.etype == REBOOT)
        return guard, self._rebooted(s, h, None)

    def target_allowed(self, s: SymState, i: int, moving: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        """R26: host `i` is patched, idle, carries no frozen or rebooting VM and no VM of another
        update domain of a set a VM of `moving` belongs to."""
        c = [s.hosts[i].patched, self.is_phase(s, i, IDLE)]
        for v, conflict in zip(s.vms, self._moving_conflicts(moving)):
            here = z3.And(v.host == i, z3.Not(self._status(v, GONE)))  # a VM gone is on no host (R36, R37)
            c.append(z3.Implies(here, self._status(v, RUNNING)))
            if conflict is not None:
                c.append(z3.Not(z3.And(here, conflict)))
        return z3.And(c)

    def _moving_conflicts(self, moving: tuple[z3.BoolRef, ...]) -> list[z3.BoolRef | None]:
        """Per VM j: some VM of `moving` is in another update domain of j's set (None when j's
        set has one update domain), built once per `moving` for every candidate host."""
        cached = self._per_state.get(("conflicts", id(moving)))
        if cached is not None and cached[0] is moving:
            return cached[1]
        ud = self.spec.slice_of["Reboot"]
        out: list[z3.BoolRef | None] = []
        for j in range(self.n_vms):
            others = [moving[k] for k in range(self.n_vms) if ud[j][0] == ud[k][0] and ud[j] != ud[k]]
            out.append(z3.Or(others) if others else None)
        self._per_state["conflicts", id(moving)] = (moving, out)
        return out

    def redeploy_target(self, s: SymState, h: int, moving: tuple[z3.BoolRef, ...]) -> tuple[z3.BoolRef, z3.ArithRef]:
        """The first other host the rules allow (R26): whether there is one, and its index."""
        others = [i for i in range(self.n_hosts) if i != h]
        ok = {i: self.target_allowed(s, i, moving) for i in others}
        target: z3.ArithRef = z3.IntVal(NONE)
        for i in reversed(others):
            target = z3.If(ok[i], i, target)
        return z3.Or([ok[i] for i in others] or [z3.BoolVal(False)]), target

    def host_redeploy(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        e = self.event_of_host(s, h)
        exists, target = self.redeploy_target(s, h, e.resources)
        guard = z3.And(self.is_phase(s, h, STARTED), e.present, e.etype == REDEPLOY, exists)
        return guard, self._rebooted(s, h, target)

    def host_boot_vms(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        e = self.event_of_host(s, h)
        guard = z3.And(self.is_phase(s, h, IN_REBOOT), e.present)
        run, none = z3.IntVal(VM_STATUSES.index(RUNNING)), z3.IntVal(NONE)
        booted = self.named_on(s, e, h)
        vms = self._vms_where(s, lambda i, v: booted[i],
                              lambda v: SymVM(run, v.host, v.memory, none, none, z3.IntVal(0), none))
        t = replace(s, vms=vms, recovering=self.recovered(s, booted))
        return guard, self._with_host(t, h, phase=z3.IntVal(self.phase(RECOVERED)))

    def unplanned(self, e: SymEvent) -> z3.BoolRef:
        """A hardware-failure Reboot (`Event.unplanned`): a Platform Reboot with no notice."""
        return z3.And(e.present, e.etype == REBOOT, e.notice == 0, z3.Not(e.user))

    def host_hardware_failure(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        """R34: an idle host never yet announced fails; its VMs restart under a Reboot already Started."""
        host, slot = s.hosts[h], s.slots[h]
        if not self.params.hardware_failures:
            return z3.BoolVal(False), s
        res = self.residents(s, h)
        running = [z3.Implies(r, self._status(v, RUNNING)) for r, v in zip(res, s.vms)]
        guard = z3.And(self.is_phase(s, h, IDLE), host.rounds == 0, z3.Not(host.patched), z3.Or(res), *running,
                       self.slice_allows(s, res, z3.IntVal(REBOOT)), z3.Not(slot.present))
        e = SymEvent(z3.BoolVal(True), z3.IntVal(REBOOT), res, z3.IntVal(self.status_ix(STARTED_STATUS)),
                     z3.IntVal(NONE), z3.IntVal(0), z3.IntVal(-1), z3.BoolVal(False), self.id_round(host.rounds + 1),
                     z3.BoolVal(False), z3.IntVal(NONE), tuple(z3.BoolVal(False) for _ in range(self.n_sets)), z3.BoolVal(False),
                     self.no_also())
        t = replace(s, slots=_set(s.slots, h, e), incarnation=s.incarnation + 1)
        t = self._with_host(t, h, phase=z3.IntVal(self.phase(STARTED)), rounds=host.rounds + 1)
        return guard, self.failed(t, h)

    def failed(self, s: SymState, h: int) -> SymState:
        """The VMs named by the failure of `h` restart where they are; memory lost; the host is not patched."""
        e = s.slots[h]
        rb, none = z3.IntVal(VM_STATUSES.index(REBOOTING)), z3.IntVal(NONE)
        vms = self._vms_where(s, lambda i, v: e.resources[i],
                              lambda v: SymVM(rb, v.host, z3.IntVal(BLANK), none, none, z3.IntVal(0), none))
        return self._with_host(replace(s, vms=vms), h, phase=z3.IntVal(self.phase(IN_REBOOT)))

    def user_reboot_vm(self, s: SymState, i: int) -> tuple[z3.BoolRef, SymState]:
        """R35: the owner of running VM `i` restarts it before its host's maintenance: a Reboot with
        EventSource User naming it alone, Scheduled with the Reboot's notice."""
        if not self.params.user_events:
            return z3.BoolVal(False), s
        return self._one_vm_event(s, i, REBOOT, user=True)

    def platform_preempt_vm(self, s: SymState, i: int) -> tuple[z3.BoolRef, SymState]:
        """R36: a Spot VM's eviction is announced, a Preempt naming it alone with 30 s notice."""
        if not self.params.spot_evictions or not self.spec.topology.vms[i].spot:
            return z3.BoolVal(False), s
        return self._eviction_announced(s, i, PREEMPT)

    def user_delete_vm(self, s: SymState, i: int) -> tuple[z3.BoolRef, SymState]:
        """R37: a scale set's VM is deleted, a Terminate naming it alone with the notBeforeTimeout."""
        vm = self.spec.topology.vms[i]
        if self.params.terminate_timeout is None or not self.spec.topology.aset(vm.availability_set).scale_set:
            return z3.BoolVal(False), s
        return self._eviction_announced(s, i, TERMINATE)

    def _eviction_announced(self, s: SymState, i: int, etype: int) -> tuple[z3.BoolRef, SymState]:
        """The Scheduled event of type `etype` naming running VM `i` on its host, never announced (D25)."""
        return self._one_vm_event(s, i, etype, user=False)

    def _one_vm_event(self, s: SymState, i: int, etype: int, user: bool) -> tuple[z3.BoolRef, SymState]:
        """A Scheduled event of type `etype` naming running VM `i` alone, with the type's notice, on
        its host before that host's maintenance (R35 with EventSource User, R36/R37 otherwise)."""
        v = s.vms[i]
        notice = self.announced_notice(etype)
        res = tuple(z3.BoolVal(j == i) for j in range(self.n_vms))
        guards, posts = [], []
        for h in range(self.n_hosts):
            host, slot = s.hosts[h], s.slots[h]
            guards.append(z3.And(v.host == h, self.is_phase(s, h, IDLE), host.rounds == 0, z3.Not(host.patched),
                                 z3.Not(slot.present)))
            e = SymEvent(z3.BoolVal(True), z3.IntVal(etype), res, z3.IntVal(self.status_ix(SCHEDULED)),
                         z3.IntVal(notice), z3.IntVal(notice), z3.IntVal(-1), z3.BoolVal(False),
                         self.id_round(host.rounds + 1), z3.BoolVal(False), z3.IntVal(NONE),
                         tuple(z3.BoolVal(False) for _ in range(self.n_sets)), z3.BoolVal(user), self.no_also())
            t = replace(s, slots=_set(s.slots, h, e), incarnation=s.incarnation + 1)
            posts.append(self._with_host(t, h, phase=z3.IntVal(self.phase(ANNOUNCED)), rounds=host.rounds + 1))
        post = posts[-1]
        for g, p in zip(reversed(guards[:-1]), reversed(posts[:-1])):
            post = _ite(g, p, post)  # type: ignore[assignment]
        return z3.And(self._status(v, RUNNING), z3.Or(guards)), post

    def host_evict_vm(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        """R36, R37: under a Started Preempt or Terminate its VM is gone and the event leaves the document."""
        e = s.slots[h]
        guard = z3.And(self.is_phase(s, h, STARTED), e.present, z3.Or(e.etype == PREEMPT, e.etype == TERMINATE))
        gone, none = z3.IntVal(VM_STATUSES.index(GONE)), z3.IntVal(NONE)
        vms = self._vms_where(s, lambda i, v: e.resources[i],
                              lambda v: SymVM(gone, v.host, v.memory, none, none, z3.IntVal(0), none))
        t = replace(self._remove_event(replace(s, vms=vms), h), incarnation=s.incarnation + 1)
        return guard, self._with_host(t, h, phase=z3.IntVal(self.phase(IDLE)))

    def resync_guard(self, s: SymState, i: int) -> z3.BoolRef:
        v = s.vms[i]
        return z3.And(self._status(v, RUNNING), v.clock_lag != 0)

    def vm_clock_resync(self, s: SymState, i: int) -> tuple[z3.BoolRef, SymState]:
        v = s.vms[i]
        none = z3.IntVal(NONE)
        new = SymVM(z3.IntVal(VM_STATUSES.index(RUNNING)), v.host, v.memory, none, none, z3.IntVal(0), none)
        return self.resync_guard(s, i), replace(s, vms=_set(s.vms, i, new))

    def platform_complete_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        e = s.slots[h]
        guard = z3.And(e.present, self.is_status(e, STARTED_STATUS), self.all_recovered(s, h))
        t = replace(self._remove_event(s, h), incarnation=s.incarnation + 1)
        return guard, self._with_phases(t, h, IDLE)

    def time_choice(self, s: SymState) -> z3.ArithRef:
        """How far time advances (`Spec.time_choices`, notes/decisions.md D1)."""
        timing = z3.Or([z3.Or(v.frozen_for != NONE, v.unsynced_for != NONE) for v in s.vms] or [z3.BoolVal(False)])
        best: z3.ArithRef = z3.IntVal(NONE)
        for e in s.slots:
            waiting = z3.And(e.present, e.not_before_in != NONE, e.not_before_in != 0)
            best = z3.If(z3.And(waiting, z3.Or(best == NONE, e.not_before_in < best)), e.not_before_in, best)
        for _, left in s.recovering:  # R21: a recovery gap ends like a deadline
            best = z3.If(z3.And(left != NONE, z3.Or(best == NONE, left < best)), left, best)
        return z3.If(timing, self.g, z3.If(best == NONE, self.g, best))

    def time_passes(self, s: SymState, dt: z3.ArithRef) -> tuple[z3.BoolRef, SymState]:
        guard = z3.And(dt > 0, self.freeze_deadline_ok(s, dt), self.resync_deadline_ok(s, dt))
        fcap, ucap = self.spec.frozen_cap, self.spec.unsynced_cap
        vms = []
        for v in s.vms:
            none = z3.IntVal(NONE)
            running = SymVM(v.status, v.host, self.written(v.memory), none, none, v.clock_lag,
                            z3.If(v.unsynced_for == NONE, NONE, _min(v.unsynced_for + dt, ucap)))
            frozen = self.frozen_tick(v, dt, fcap)
            vms.append(_ite(self._status(v, RUNNING), running, _ite(self._status(v, FROZEN), frozen, v)))
        slots = tuple(
            replace(e, not_before_in=z3.If(z3.And(e.not_before_in != NONE, e.not_before_in != 0),
                                           z3.If(e.not_before_in - dt >= 0, e.not_before_in - dt, 0), e.not_before_in))
            for e in s.slots
        )
        ends = [z3.Or(left == NONE, left <= dt) for _, left in s.recovering]
        recovering = tuple((z3.If(end, 0, ud), z3.If(end, NONE, left - dt)) for end, (ud, left) in zip(ends, s.recovering))
        return guard, replace(s, vms=tuple(vms), slots=slots, recovering=recovering)

    def frozen_tick(self, v: SymVM, dt: z3.ArithRef, fcap: int) -> SymVM:
        """A frozen VM after `dt`: its pause and its clock lag grow, its memory stays (R1)."""
        return replace(v, frozen_for=_min(v.frozen_for + dt, fcap), clock_lag=_min(v.clock_lag + dt, fcap))

    # ------------------------------------------------------------ the next-state relation

    def announce_types(self) -> tuple[int, ...]:
        return (FREEZE, REBOOT, REDEPLOY) if self.params.allow_redeploy else (FREEZE, REBOOT)

    def instances(self, s: SymState) -> list[Instance]:
        """Every action with every argument, in the order of `Spec.successors`: the runs of
        `vmspec.model.ACTION_BLOCKS`, each host, event slot (one per host), VM or time choice
        in turn, each action of the run.  Built once per state: bounded model checking asks for
        them twice (R20's deadlock check at a depth, then the step out of it)."""
        cached = self._per_state.get(("instances", id(s)))
        if cached is not None and cached[0] is s:
            return list(cached[1])
        out: list[Instance] = []

        def add(name: str, key: tuple, pair: tuple[z3.BoolRef, SymState], dt: z3.ArithRef | None = None) -> None:
            out.append(Instance(name, key, pair[0], pair[1], dt))

        for kind, run in ACTION_BLOCKS:
            if kind == "seconds":
                dt = self.time_choice(s)
                for a in run:
                    add(a.name, ("time",), getattr(self, a.name)(s, dt), dt)
                continue
            for x in range(self.n_vms if kind == "vm" else self.n_hosts):  # an event by its host's slot
                for a in run:
                    method = getattr(self, a.name)
                    if a.args == ("host", "event_type"):
                        for t in self.announce_types():
                            add(a.name, ("announce", x, t), method(s, x, t))
                    elif a.args == ("event", "approver"):
                        for who in self.approver_candidates():
                            add(a.name, ("approve", x, who), method(s, x, who))
                    else:
                        add(a.name, (kind, x), method(s, x))
        self._per_state["instances", id(s)] = (s, out)
        return list(out)

    def enabled(self, s: SymState) -> z3.BoolRef:
        """Some action is enabled in `s` (its negation is a deadlock, R20)."""
        return z3.Or([x.guard for x in self.instances(s)])



__all__ = ["Encoding", "EncodingError"]
