"""The always-properties of `vmspec.properties.catalogue.registry` over the symbolic state of `concrete_state`.

One Z3 formula per registry property, under the same name, saying that the property
*holds*: state properties over one state, transition properties over a step (the state
before, the state after, whether the step was `time_passes` and how long it took), and
`deadlock_free` as "some action is enabled".  They are the second encoding of the
predicates, so `tests/test_z3_crosscheck.py` evaluates both on reachable states and
steps and requires the same verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3

from vmspec.model import ALL_EVENT_TYPES, MAX_ROUNDS
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
    REBOOTING,
    RECOVERED,
    RUNNING,
    SCHEDULED,
    STALE,
    STARTED,
    STARTED_STATUS,
    VM_STATUSES,
    WRITTEN,
)
from vmspec.properties.engines.z3.concrete_model import Encoding
from vmspec.properties.engines.z3.concrete_state import (
    FREEZE,
    IMPACT_STATUS,
    IN_FREEZE_SLICE,
    IN_REBOOT_SLICE,
    NONE,
    PREEMPT,
    REBOOT,
    REDEPLOY,
    ROUNDS,
    TERMINATE,
    SymEvent,
    SymState,
    SymVM,
)

TRUE = z3.BoolVal(True)


@dataclass(frozen=True)
class StepInfo:
    """What a transition property needs to know about the step itself."""

    is_time: z3.BoolRef  # the step is time_passes
    dt: z3.ArithRef  # its seconds (meaningful only when is_time)

    @property
    def elapsed(self) -> z3.ArithRef:
        return z3.If(self.is_time, self.dt, 0)


def _all(items: list) -> z3.BoolRef:
    return z3.And(items) if items else TRUE


def _any(items: list) -> z3.BoolRef:
    return z3.Or(items) if items else z3.BoolVal(False)


def _st(v: SymVM, name: str) -> z3.BoolRef:
    return v.status == VM_STATUSES.index(name)


def _ph(enc: Encoding, s: SymState, h: int, name: str) -> z3.BoolRef:
    return s.hosts[h].phase == enc.phase(name)


def _evs(enc: Encoding, e: SymEvent, name: str) -> z3.BoolRef:
    return z3.And(e.present, e.status == enc.status_ix(name))


def _same_id(a: SymEvent, b: SymEvent) -> z3.BoolRef:
    return z3.And(a.present, b.present, a.id_round == b.id_round, a.renamed == b.renamed)


def _started_for(enc: Encoding, s: SymState, i: int, types: tuple[int, ...] = (FREEZE, REBOOT, REDEPLOY)) -> z3.BoolRef:
    return _any([z3.And(_evs(enc, e, STARTED_STATUS), _any([e.etype == t for t in types]), e.resources[i])
                 for e in s.slots])


def _covering(enc: Encoding, s: SymState) -> list[SymEvent]:
    """Per host, the event that covers it (`State.event_of_host`): its slot's, or under R30 the
    event of another host that also names its VMs."""
    return [enc.event_of_host(s, h) for h in range(enc.n_hosts)]


def _removed(s: SymState, h: int, e: SymEvent) -> z3.BoolRef:
    """The EventId of slot `h`'s event is among the removed ones."""
    return _any([z3.And(e.id_round == r, z3.If(e.renamed, s.removed[h][r - 1][1], s.removed[h][r - 1][0]))
                 for r in ROUNDS])


# ---------------------------------------------------------------------- state properties


def type_ok(enc: Encoding, s: SymState) -> z3.BoolRef:
    c = [s.incarnation >= 1]
    for x in s.hosts:
        c.append(z3.And(x.phase >= 0, x.phase < len(HOST_PHASES)))
    for v in s.vms:
        c += [z3.And(v.status >= 0, v.status < len(VM_STATUSES)), v.host >= 0, v.host < enc.n_hosts,
              z3.Or(v.memory == BLANK, v.memory == LOADED, v.memory == WRITTEN, v.memory == STALE), v.clock_lag >= 0,
              _st(v, FROZEN) == z3.And(v.frozen_for != NONE, v.snapshot != NONE)]
    for e in s.slots:
        c.append(z3.Implies(e.present, z3.And(e.etype >= 0, e.etype < len(ALL_EVENT_TYPES))))
    return _all(c)


def only_scheduled_or_started(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(e.present, z3.Or([e.status == enc.status_ix(x) for x in EVENT_STATUSES])) for e in s.slots])


def frozen_memory_matches_snapshot(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(_st(v, FROZEN), v.memory == v.snapshot) for v in s.vms])


def freeze_within_bound(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(v.frozen_for != NONE, v.frozen_for <= enc.params.pause_bound) for v in s.vms])


def clock_synced_after_resume(enc: Encoding, s: SymState) -> z3.BoolRef:
    lat = enc.params.resync_latency
    return _all([z3.Implies(z3.And(_st(v, RUNNING), v.clock_lag != 0),
                            z3.And(v.unsynced_for != NONE, v.unsynced_for <= lat)) for v in s.vms])


def one_slice_at_a_time(enc: Encoding, s: SymState) -> z3.BoolRef:
    return enc.at_most_one_slice(lambda i, k: _st(s.vms[i], IMPACT_STATUS[k]))


def aset_keeps_a_running_vm(enc: Encoding, s: SymState) -> z3.BoolRef:
    spec, c = enc.spec, []
    for a in range(len(spec.topology.availability_sets)):
        idx = [i for i in range(enc.n_vms) if spec.vm_aset[i] == a]
        members = [s.vms[i] for i in idx]
        all_down = z3.Not(_any([_st(v, RUNNING) for v in members]))
        for status, event_type in ((FROZEN, "Freeze"), (REBOOTING, "Reboot")):
            keys = spec.slice_of[event_type]
            # the set's remaining VMs span several slices: two of them in different slices, neither gone
            spans = _any([z3.And(z3.Not(_st(s.vms[i], GONE)), z3.Not(_st(s.vms[j], GONE)))
                          for n, i in enumerate(idx) for j in idx[n + 1:] if keys[i] != keys[j]])
            c.append(z3.Not(z3.And(all_down, spans, _any([_st(v, status) for v in members]))))
    return _all(c)


def event_resources_one_update_domain(enc: Encoding, s: SymState) -> z3.BoolRef:
    if not enc.params.resources_one_update_domain:
        return z3.BoolVal(True)
    return _all([z3.Implies(e.present, enc.at_most_one_update_domain(lambda i, e=e: e.resources[i])) for e in s.slots])


def approval_from_the_set(enc: Encoding, s: SymState) -> z3.BoolRef:
    """R28: an approved event records its approver, one the profile lets approve it."""
    p, aset = enc.params, enc.spec.vm_aset
    out = []
    for e in s.slots:
        allowed = [z3.And(e.approver == OUTSIDE, z3.BoolVal(p.approval_from_outside))]
        for a in range(enc.n_vms):
            named = e.resources[a] if p.approval_scope == "resources" else _any(
                [e.resources[i] for i in range(enc.n_vms) if aset[i] == aset[a]])
            allowed.append(z3.And(e.approver == a, named))
        out.append(z3.Implies(e.present, z3.If(e.approved, _any(allowed), e.approver == NONE)))
    return _all(out)


def approved_by_every_tenant(enc: Encoding, s: SymState) -> z3.BoolRef:
    """R29: where every tenant must approve, an approved event has every tenant it names approved, and
    only tenants it names are recorded."""
    if not enc.params.all_tenants_approve:
        return TRUE
    out = []
    for e in s.slots:
        for x, t in enumerate(e.tenants):
            named = enc.names_tenant(e, x)
            out.append(z3.Implies(e.present, z3.And(z3.Implies(t, named), z3.Implies(z3.And(e.approved, named), t))))
    return _all(out)


def impact_needs_started_event(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(z3.And(z3.Not(_st(v, RUNNING)), z3.Not(_st(v, GONE))), _started_for(enc, s, i))
                 for i, v in enumerate(s.vms)])


def removed_event_never_returns(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(e.present, z3.Not(_removed(s, h, e))) for h, e in enumerate(s.slots)])


def finished_event_removed(enc: Encoding, s: SymState) -> z3.BoolRef:
    if not enc.multi:
        return _all([z3.Implies(e.present, z3.Not(_ph(enc, s, h, IDLE))) for h, e in enumerate(s.slots)])
    return _all([z3.Implies(enc.covers(s, k, x), z3.Not(_ph(enc, s, x, IDLE)))
                 for k in range(enc.n_hosts) for x in range(enc.n_hosts)])


def _hosts_of(enc: Encoding, s: SymState, k: int, v: SymVM) -> z3.BoolRef:
    """VM `v` sits on a host the event in slot `k` covers (`v.host in e.hosts`, R30)."""
    e = s.slots[k]
    return z3.Or([v.host == k] + [z3.And(e.also[x], v.host == x) for x in range(enc.n_hosts) if x != k])


def _impact(enc: Encoding, s: SymState, k: int, i: int, x: int) -> z3.BoolRef:
    """The event in slot `k` names VM `i` and impacts it through host `x` (the event's own host, or
    for an event of several hosts the one the VM sits on; R30)."""
    e, v = s.slots[k], s.vms[i]
    return z3.And(e.present, e.resources[i], z3.If(enc.grouped(e), v.host == x, z3.BoolVal(x == k)))


def _one_slice(enc: Encoding, resources: tuple[z3.BoolRef, ...], event_type: str) -> z3.BoolRef:
    """No two VMs of `resources` of one availability set in two slices of `event_type`."""
    keys = enc.spec.slice_of[event_type]
    return _all([z3.Not(z3.And(resources[i], resources[j])) for i in range(enc.n_vms) for j in range(i + 1, enc.n_vms)
                 if keys[i][0] == keys[j][0] and keys[i] != keys[j]])


def event_hosts_one_slice(enc: Encoding, s: SymState) -> z3.BoolRef:
    """R30: an event of several hosts is a Freeze or Reboot the platform announced with notice, names
    every VM on its hosts and no other, within one slice of each availability set, the slice of its
    event type, and names other hosts than its own."""
    if not enc.multi:
        return TRUE
    c = []
    for k, e in enumerate(s.slots):
        ok = z3.And(e.etype != REDEPLOY, z3.Not(e.also[k]), z3.Not(e.user), z3.Not(enc.unplanned(e)),
                    *[e.resources[i] == _hosts_of(enc, s, k, v) for i, v in enumerate(s.vms)],
                    z3.Implies(e.etype == FREEZE, _one_slice(enc, e.resources, "Freeze")),
                    z3.Implies(e.etype == REBOOT, _one_slice(enc, e.resources, "Reboot")))
        c.append(z3.Implies(z3.And(e.present, enc.grouped(e)), ok))
    return _all(c)


# ---------------------------------------------------------------------- strengthening invariants


def event_matches_phase(enc: Encoding, s: SymState) -> z3.BoolRef:
    if enc.multi:
        return _event_matches_phase_multi(enc, s)
    c = []
    for h, e in enumerate(s.slots):
        c.append(e.present == z3.Not(_ph(enc, s, h, IDLE)))
        c.append(z3.Implies(_ph(enc, s, h, ANNOUNCED), _evs(enc, e, SCHEDULED)))
        for p in (STARTED, IN_FREEZE, IN_REBOOT, RECOVERED):
            c.append(z3.Implies(_ph(enc, s, h, p), _evs(enc, e, STARTED_STATUS)))
        c.append(z3.Implies(_ph(enc, s, h, IN_FREEZE), e.etype == FREEZE))
        c.append(z3.Implies(_ph(enc, s, h, IN_REBOOT), e.etype != FREEZE))
    return _all(c)


def _event_matches_phase_multi(enc: Encoding, s: SymState) -> z3.BoolRef:
    """`event_matches_phase` where an event may cover several hosts (R30): each host is covered by
    at most one event, exactly while its maintenance is in flight, and that event's status and type
    match the host's phase."""
    c = []
    for x in range(enc.n_hosts):
        cov = [enc.covers(s, k, x) for k in range(enc.n_hosts)]
        c += [z3.Not(z3.And(a, b)) for n, a in enumerate(cov) for b in cov[n + 1:]]
        c.append(z3.Or(cov) == z3.Not(_ph(enc, s, x, IDLE)))
        for k, e in enumerate(s.slots):
            ok = [z3.Implies(_ph(enc, s, x, ANNOUNCED), _evs(enc, e, SCHEDULED))]
            ok += [z3.Implies(_ph(enc, s, x, p), _evs(enc, e, STARTED_STATUS)) for p in (STARTED, IN_FREEZE, IN_REBOOT,
                                                                                         RECOVERED)]
            ok += [z3.Implies(_ph(enc, s, x, IN_FREEZE), e.etype == FREEZE),
                   z3.Implies(_ph(enc, s, x, IN_REBOOT), e.etype != FREEZE)]
            c.append(z3.Implies(cov[k], z3.And(ok)))
    return _all(c)


def notbefore_while_scheduled(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(e.present, z3.And((e.status == enc.status_ix(SCHEDULED)) == (e.not_before_in != NONE),
                                              e.not_before_in >= NONE)) for e in s.slots])


def impacted_vms_match_phase(enc: Encoding, s: SymState) -> z3.BoolRef:
    c = []
    want = {ANNOUNCED: RUNNING, STARTED: RUNNING, IN_FREEZE: FROZEN, IN_REBOOT: REBOOTING, RECOVERED: RUNNING}
    if enc.multi:  # R30: through the host it impacts the VM by, on a host the event covers
        for k in range(enc.n_hosts):
            for i, v in enumerate(s.vms):
                home = _hosts_of(enc, s, k, v)
                for x in range(enc.n_hosts):
                    hit = _impact(enc, s, k, i, x)
                    for phase, status in want.items():
                        at_home = home if phase in (ANNOUNCED, STARTED, IN_FREEZE) else TRUE
                        c.append(z3.Implies(z3.And(hit, _ph(enc, s, x, phase)), z3.And(_st(v, status), at_home)))
        return _all(c)
    for h, e in enumerate(s.slots):
        for i, v in enumerate(s.vms):
            named = z3.And(e.present, e.resources[i])
            for phase, status in want.items():
                at_home = v.host == h if phase in (ANNOUNCED, STARTED, IN_FREEZE) else TRUE
                c.append(z3.Implies(z3.And(named, _ph(enc, s, h, phase)), z3.And(_st(v, status), at_home)))
    return _all(c)


def impacted_vm_named_by_its_event(enc: Encoding, s: SymState) -> z3.BoolRef:
    c = []
    covering = [enc.event_of_host(s, h) for h in range(enc.n_hosts)]
    for i, v in enumerate(s.vms):
        own = [z3.Implies(v.host == h, z3.And(_ph(enc, s, h, IN_FREEZE), covering[h].present, covering[h].resources[i]))
               for h in range(enc.n_hosts)]
        c.append(z3.Implies(_st(v, FROZEN), _all(own)))
        if enc.multi:  # R30: the host an event impacts the VM through
            by_reboot = _any([z3.And(_impact(enc, s, k, i, x), _ph(enc, s, x, IN_REBOOT))
                              for k in range(enc.n_hosts) for x in range(enc.n_hosts)])
        else:
            by_reboot = _any([z3.And(e.present, e.resources[i], _ph(enc, s, h, IN_REBOOT))
                              for h, e in enumerate(s.slots)])
        on_patched = _all([z3.Implies(v.host == h, s.hosts[h].patched) for h in range(enc.n_hosts)])
        by_failure = _any([z3.And(z3.Or(enc.unplanned(e), z3.And(e.present, e.user)), e.resources[i])
                           for e in s.slots])
        c.append(z3.Implies(_st(v, REBOOTING), z3.And(by_reboot, z3.Or(on_patched, by_failure))))
    return _all(c)


def vm_named_by_one_event(enc: Encoding, s: SymState) -> z3.BoolRef:
    slots = s.slots
    return _all([z3.Not(z3.And(slots[a].present, slots[a].resources[i], slots[b].present, slots[b].resources[i]))
                 for i in range(enc.n_vms) for a in range(enc.n_hosts) for b in range(a + 1, enc.n_hosts)])


def named_vm_on_event_host_or_patched(enc: Encoding, s: SymState) -> z3.BoolRef:
    c = []
    for h, e in enumerate(s.slots):
        for i, v in enumerate(s.vms):
            if enc.multi:  # R30: on a host the event covers, or patched
                elsewhere = [z3.Implies(z3.And(v.host == k, z3.Not(e.also[k])), s.hosts[k].patched)
                             for k in range(enc.n_hosts) if k != h]
            else:
                elsewhere = [z3.Implies(v.host == k, s.hosts[k].patched) for k in range(enc.n_hosts) if k != h]
            c.append(z3.Implies(z3.And(e.present, e.resources[i]), _all(elsewhere)))
    return _all(c)


def unplanned_reboot_impacts_at_once(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(enc.unplanned(e), z3.And(_evs(enc, e, STARTED_STATUS),
                                                     z3.Or(_ph(enc, s, h, IN_REBOOT), _ph(enc, s, h, RECOVERED))))
                 for h, e in enumerate(s.slots)])


def user_event_is_a_reboot(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(z3.And(e.present, e.user), e.etype == REBOOT) for e in s.slots])


def eviction_names_its_kind_of_vm(enc: Encoding, s: SymState) -> z3.BoolRef:
    """R36, R37: a Preempt names only Spot VMs, a Terminate only VMs of a scale set."""
    t, c = enc.spec.topology, []
    for e in s.slots:
        for i, vm in enumerate(t.vms):
            if not vm.spot:
                c.append(z3.Not(z3.And(e.present, e.resources[i], e.etype == PREEMPT)))
            if not t.aset(vm.availability_set).scale_set:
                c.append(z3.Not(z3.And(e.present, e.resources[i], e.etype == TERMINATE)))
    return _all(c)


def gone_vm_named_by_no_event(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Not(z3.And(e.present, e.resources[i], _st(v, GONE))) for e in s.slots for i, v in enumerate(s.vms)])


def started_events_one_slice(enc: Encoding, s: SymState) -> z3.BoolRef:
    kinds = {IN_FREEZE_SLICE: lambda e: e.etype == FREEZE, IN_REBOOT_SLICE: lambda e: e.etype != FREEZE}
    busy = {k: [_any([z3.And(_evs(enc, e, STARTED_STATUS), e.resources[i], of_kind(e)) for e in s.slots])
                 for i in range(enc.n_vms)] for k, of_kind in kinds.items()}
    return enc.at_most_one_slice(lambda i, k: busy[k][i])


def event_ids_current(enc: Encoding, s: SymState) -> z3.BoolRef:
    c = []
    for h, e in enumerate(s.slots):
        c.append(z3.Implies(e.present, z3.And(e.id_round == s.hosts[h].rounds, z3.Not(e.renamed))))
        for r in ROUNDS:
            c.append(z3.Implies(s.removed[h][r - 1][0], r <= s.hosts[h].rounds))
            c.append(z3.Not(s.removed[h][r - 1][1]))
    return _all(c)


def unsynced_clock_on_finished_host(enc: Encoding, s: SymState) -> z3.BoolRef:
    c = []
    for v in s.vms:
        done = _all([z3.Implies(v.host == h, z3.Or(x.patched, x.needs_reboot)) for h, x in enumerate(s.hosts)])
        c.append(z3.Implies(v.unsynced_for != NONE, z3.And(_st(v, RUNNING), v.clock_lag != 0, done)))
    return _all(c)


def freeze_only_for_in_place_update(enc: Encoding, s: SymState) -> z3.BoolRef:
    if enc.multi:  # R30: every host the event covers
        return _all([
            z3.Implies(z3.And(enc.covers(s, k, x), s.slots[k].etype == FREEZE,
                              z3.Or([_ph(enc, s, x, p) for p in (ANNOUNCED, STARTED, IN_FREEZE)])),
                       z3.Not(s.hosts[x].needs_reboot))
            for k in range(enc.n_hosts) for x in range(enc.n_hosts)
        ])
    return _all([
        z3.Implies(z3.And(e.present, e.etype == FREEZE,
                          z3.Or([_ph(enc, s, h, p) for p in (ANNOUNCED, STARTED, IN_FREEZE)])),
                   z3.Not(s.hosts[h].needs_reboot))
        for h, e in enumerate(s.slots)
    ])


def unpatched_until_impact(enc: Encoding, s: SymState) -> z3.BoolRef:
    return _all([z3.Implies(z3.Or(_ph(enc, s, h, ANNOUNCED), _ph(enc, s, h, STARTED)), z3.Not(x.patched))
                 for h, x in enumerate(s.hosts)])


def timers_in_range(enc: Encoding, s: SymState) -> z3.BoolRef:
    c = []
    for v in s.vms:
        c += [(v.frozen_for != NONE) == _st(v, FROZEN), (v.snapshot != NONE) == _st(v, FROZEN)]
        c += [z3.Implies(v.frozen_for != NONE, v.frozen_for >= 0), z3.Implies(v.unsynced_for != NONE, v.unsynced_for >= 0),
              z3.Implies(v.snapshot != NONE, z3.Or(v.snapshot == BLANK, v.snapshot == LOADED, v.snapshot == WRITTEN,
                                                   v.snapshot == STALE))]
    for x in s.hosts:
        c.append(z3.And(x.rounds >= 0, x.rounds <= MAX_ROUNDS))
    return _all(c)


# ---------------------------------------------------------------------- transition properties


def memory_kept_at_resume(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    return _all([z3.Not(z3.And(_st(a, FROZEN), _st(b, RUNNING), b.memory != a.snapshot))
                 for a, b in zip(s.vms, t.vms)])


def guest_clock_monotonic(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    return _all([z3.Or(_st(a, REBOOTING), _st(b, REBOOTING), st.elapsed - (b.clock_lag - a.clock_lag) >= 0)
                 for a, b in zip(s.vms, t.vms)])


def reboot_update_never_under_freeze(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    return _all([z3.Not(z3.And(z3.Not(a.patched), b.patched, a.needs_reboot, e.present, e.etype == FREEZE))
                 for a, b, e in zip(s.hosts, t.hosts, _covering(enc, t))])


def reboot_update_announced_as_reboot(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    idle, ann = enc.phase(IDLE), enc.phase(ANNOUNCED)
    return _all([z3.Not(z3.And(a.phase == idle, b.phase == ann, a.needs_reboot, e.present, e.etype == FREEZE))
                 for a, b, e in zip(s.hosts, t.hosts, _covering(enc, t))])


def start_after_notbefore_or_approval(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    return _all([
        z3.Not(z3.And(_evs(enc, a, SCHEDULED), _same_id(a, b), b.status == enc.status_ix(STARTED_STATUS),
                      a.not_before_in != NONE, a.not_before_in != 0, z3.Not(a.approved)))
        for a, b in zip(s.slots, t.slots)
    ])


def notice_at_least_minimum(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    def need(etype: z3.ArithRef) -> z3.ArithRef:
        out: z3.ArithRef = z3.IntVal(enc.params.required_notice(ALL_EVENT_TYPES[0]))
        for k in range(1, len(ALL_EVENT_TYPES)):
            out = z3.If(etype == k, enc.params.required_notice(ALL_EVENT_TYPES[k]), out)
        return out

    return _all([
        z3.Implies(z3.And(_evs(enc, b, SCHEDULED), z3.Not(_same_id(a, b))),
                   z3.And(b.notice >= need(b.etype), b.not_before_in == b.notice))
        for a, b in zip(s.slots, t.slots)
    ])


def _visible_eq(a: SymEvent, b: SymEvent) -> z3.BoolRef:
    """The same event as a VM reads it (EventId, type, Resources, status, notice, duration)."""
    same = z3.And(a.id_round == b.id_round, a.renamed == b.renamed, a.etype == b.etype, a.status == b.status,
                  a.notice == b.notice, a.duration == b.duration, *[x == y for x, y in zip(a.resources, b.resources)])
    return z3.And(a.present == b.present, z3.Implies(a.present, same))


def incarnation_tracks_changes(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    changed = z3.Not(_all([_visible_eq(a, b) for a, b in zip(s.slots, t.slots)]))
    return z3.If(changed, t.incarnation > s.incarnation, t.incarnation == s.incarnation)


def event_lifecycle(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    c = []
    sched, started = enc.status_ix(SCHEDULED), enc.status_ix(STARTED_STATUS)
    for a, b in zip(s.slots, t.slots):
        same = _same_id(a, b)
        ok = z3.And(
            (b.status == sched) == (b.not_before_in != NONE),
            z3.Implies(z3.Not(same), z3.Or(b.status == sched, enc.unplanned(b))),
            z3.Implies(same, z3.And(z3.Not(z3.And(a.status == started, b.status == sched)), a.etype == b.etype,
                                    *[x == y for x, y in zip(a.resources, b.resources)])),
        )
        c.append(z3.Implies(b.present, ok))
    return _all(c)


def recovery_gap_kept(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    """R21: an event that starts names no VM of another update domain of a set whose recovery gap runs."""
    by_ud = enc.spec.slice_of["Reboot"]
    c = []
    for a, b in zip(s.slots, t.slots):
        starts = z3.And(_evs(enc, a, SCHEDULED), _same_id(a, b), b.status == enc.status_ix(STARTED_STATUS))
        for i, (aset, (_, ud)) in enumerate(by_ud):
            gap_ud, left = s.recovering[aset]
            c.append(z3.Not(z3.And(starts, a.resources[i], left != NONE, left > 0, gap_ud != ud)))
    return _all(c)


def redeploy_target_within_rules(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    """R26: a VM moves only to a host that was patched, idle, without frozen or rebooting VMs and
    without VMs of another update domain of its set."""
    ud = enc.spec.slice_of["Reboot"]
    c = []
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        for k in range(enc.n_hosts):
            ok = [s.hosts[k].patched, _ph(enc, s, k, IDLE)]
            for j, v in enumerate(s.vms):
                here = z3.And(v.host == k, z3.Not(_st(v, GONE)))  # a VM gone is on no host (R36, R37)
                ok.append(z3.Implies(here, _st(v, RUNNING)))
                if ud[j][0] == ud[i][0] and ud[j] != ud[i]:
                    ok.append(z3.Not(here))
            c.append(z3.Implies(z3.And(a.host != b.host, b.host == k), _all(ok)))
    return _all(c)


def vm_stays_on_host(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    moves = (REDEPLOY, FREEZE) if enc.params.live_migration else (REDEPLOY,)
    return _all([z3.Implies(a.host != b.host, _started_for(enc, t, i, moves))
                 for i, (a, b) in enumerate(zip(s.vms, t.vms))])


def live_migration_within_rules(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    """R27: a VM moving under a Started Freeze was frozen, runs on arrival, on a host that was
    patched, with the memory it was frozen with (where the profile live-migrates; R14 elsewhere)."""
    if not enc.params.live_migration:
        return TRUE
    c = []
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        patched = _all([z3.Implies(b.host == k, s.hosts[k].patched) for k in range(enc.n_hosts)])
        ok = z3.And(_st(a, FROZEN), _st(b, RUNNING), patched, b.memory == a.snapshot)
        c.append(z3.Implies(z3.And(a.host != b.host, _started_for(enc, t, i, (FREEZE,))), ok))
    return _all(c)


def memory_lost_only_by_reboot(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    return _all([
        z3.Implies(a.memory != b.memory,
                   z3.Or(z3.And(st.is_time, _st(a, RUNNING)),
                         z3.And(_st(b, REBOOTING), _started_for(enc, t, i, (REBOOT, REDEPLOY)))))
        for i, (a, b) in enumerate(zip(s.vms, t.vms))
    ])


def failure_applies_no_update(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    return _all([z3.Not(z3.And(z3.Not(a.patched), b.patched, enc.unplanned(e)))
                 for a, b, e in zip(s.hosts, t.hosts, _covering(enc, t))])


def user_event_applies_no_update(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    return _all([z3.Not(z3.And(z3.Not(a.patched), b.patched, e.present, e.user))
                 for a, b, e in zip(s.hosts, t.hosts, _covering(enc, t))])


def gone_only_by_started_eviction(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    """R36, R37: a VM is gone only at the end of a Started Preempt naming it (a Spot VM) or a Started
    Terminate naming it (a VM of a scale set), and a VM gone never runs again."""
    top, c = enc.spec.topology, []
    for i, (a, b) in enumerate(zip(s.vms, t.vms)):
        vm = top.vms[i]
        kinds = ([PREEMPT] if vm.spot else []) + ([TERMINATE] if top.aset(vm.availability_set).scale_set else [])
        by = _any([z3.And(_evs(enc, e, STARTED_STATUS), e.resources[i], e.etype == k) for e in s.slots for k in kinds])
        c.append(z3.Not(z3.And(_st(a, GONE), z3.Not(_st(b, GONE)))))
        c.append(z3.Implies(z3.And(z3.Not(_st(a, GONE)), _st(b, GONE)), by))
    return _all(c)


def terminate_waits_for_pending_terminates(enc: Encoding, s: SymState, t: SymState, st: StepInfo) -> z3.BoolRef:
    """R37: a Terminate started before its NotBefore found no other Terminate of its scale set Scheduled,
    unapproved and with its NotBefore ahead."""
    c = []
    sched, started = enc.status_ix(SCHEDULED), enc.status_ix(STARTED_STATUS)
    for h, (a, b) in enumerate(zip(s.slots, t.slots)):
        early = z3.And(_evs(enc, a, SCHEDULED), _same_id(a, b), b.status == started, a.etype == TERMINATE,
                       a.not_before_in > 0)
        for k, x in enumerate(s.slots):
            if k == h:
                continue
            shared = enc.share_a_set(s, h, k)
            pending = z3.And(x.present, x.etype == TERMINATE, x.status == sched, z3.Not(x.approved),
                             x.not_before_in > 0, shared)
            c.append(z3.Not(z3.And(early, pending)))
    return _all(c)


StateFormula = Callable[[Encoding, SymState], z3.BoolRef]
TransitionFormula = Callable[[Encoding, SymState, SymState, StepInfo], z3.BoolRef]

STATE_FORMULAS: dict[str, StateFormula] = {
    f.__name__: f
    for f in (
        type_ok, only_scheduled_or_started, frozen_memory_matches_snapshot, freeze_within_bound,
        clock_synced_after_resume, one_slice_at_a_time, aset_keeps_a_running_vm, impact_needs_started_event,
        removed_event_never_returns, finished_event_removed, event_matches_phase, notbefore_while_scheduled,
        impacted_vms_match_phase, impacted_vm_named_by_its_event, vm_named_by_one_event,
        named_vm_on_event_host_or_patched, started_events_one_slice, event_ids_current,
        unsynced_clock_on_finished_host, freeze_only_for_in_place_update, unpatched_until_impact,
        timers_in_range, event_resources_one_update_domain, unplanned_reboot_impacts_at_once, user_event_is_a_reboot,
        approval_from_the_set, approved_by_every_tenant, event_hosts_one_slice,
        eviction_names_its_kind_of_vm, gone_vm_named_by_no_event,
    )
}

TRANSITION_FORMULAS: dict[str, TransitionFormula] = {
    f.__name__: f
    for f in (
        memory_kept_at_resume, guest_clock_monotonic, reboot_update_never_under_freeze,
        reboot_update_announced_as_reboot, start_after_notbefore_or_approval, notice_at_least_minimum,
        incarnation_tracks_changes, event_lifecycle, vm_stays_on_host, memory_lost_only_by_reboot,
        recovery_gap_kept, redeploy_target_within_rules, live_migration_within_rules,
        failure_applies_no_update, user_event_applies_no_update, gone_only_by_started_eviction,
        terminate_waits_for_pending_terminates,
    )
}

DEADLOCK_FREE = "deadlock_free"


def deadlock_free(enc: Encoding, s: SymState) -> z3.BoolRef:
    """R20: some action is enabled."""
    return enc.enabled(s)


def encoded(name: str) -> bool:
    return name in STATE_FORMULAS or name in TRANSITION_FORMULAS or name == DEADLOCK_FREE


__all__ = ["DEADLOCK_FREE", "STATE_FORMULAS", "TRANSITION_FORMULAS", "StepInfo", "deadlock_free", "encoded"]
