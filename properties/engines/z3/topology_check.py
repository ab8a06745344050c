"""Can any maintenance order keep the slice rule (R5) for this topology?

A host is maintained by one event naming every VM on it, and the VMs of one event are
impacted together; each VM counts in the slice of its host's event (a Freeze by the freeze
slice, a Reboot by update domain).  So a maintenance order exists exactly when every host's VMs fall in
one slice of each availability set: then hosts can be taken in batches whose VMs never
mix two slices of a set.  A host carrying VMs of two slices of one set (for instance
`vmspec.model.configs.UNSAFE_SHARED_HOST`) can never be frozen without breaking R5, and the
model's own guard (`Spec.slice_allows`) never lets its event start (R18 then fails).

Under live migration (R27) a Freeze names one VM of each set on its host, so a host's VMs of
one set are impacted in turn, never together: only VMs of different hosts must then be kept
apart.  Such a Freeze needs a patched host to move to, which this check does not decide; the
verdict says so in its notes when no host is empty at the start.

The question is put to Z3 as a scheduling problem: each host gets a batch number, and two
VMs of one set in different slices must be in different batches.  Each host's constraint
is tracked under its name, so an unsat core *is* the witness: the host and its VMs.  The
answer is cross-checked against the model's guard on the initial state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

from vmspec.model import Params, Spec, Topology


@dataclass(frozen=True)
class Witness:
    """A host whose VMs span two slices of one availability set."""

    host: str
    vms: tuple[str, ...]  # the host's VMs of that set
    availability_set: str
    slices: tuple[int, ...]  # the slice units (UD, FD or VM index) they fall in

    def __str__(self) -> str:
        kind = "slices"
        return (f"host {self.host} carries {', '.join(self.vms)} of availability set {self.availability_set} "
                f"in {len(self.slices)} {kind} {list(self.slices)}: freezing it breaks R5, so its event never starts")


@dataclass(frozen=True)
class TopologyVerdict:
    safe: bool
    witnesses: tuple[Witness, ...] = ()
    order: tuple[tuple[str, ...], ...] = ()  # when safe: batches of hosts that may be maintained together
    model_agrees: bool = True  # the model's slice guard gives the same answer
    slice_kind: str = "update_domain"
    notes: tuple[str, ...] = field(default_factory=tuple)


def _event_type(spec: Spec, h: int) -> str:
    """The event type host `h`'s update is announced with first: a Freeze if in place, else a Reboot."""
    return "Reboot" if spec.initial_state().hosts[h].needs_reboot else "Freeze"


def _key(spec: Spec, i: int) -> tuple:
    """(availability set, (kind, unit)): VM `i`'s slice under its host's event (R5)."""
    return spec.slice_of[_event_type(spec, spec.initial_state().vms[i].host)][i]


def _together(spec: Spec, h: int) -> tuple[int, ...]:
    """The VMs of host `h` its first event names, impacted together (all of them, or under live
    migration one VM of each set, R27)."""
    return spec.announced_resources(spec.initial_state(), h, _event_type(spec, h))


def _host_slices(spec: Spec, h: int) -> dict[int, dict[int, list[int]]]:
    """Per availability set, per slice unit, the VMs of host `h` its event impacts together."""
    out: dict[int, dict[int, list[int]]] = {}
    for i in _together(spec, h):
        a, (_, unit) = _key(spec, i)
        out.setdefault(a, {}).setdefault(unit, []).append(i)
    return out


def check_topology(topology: Topology, params: Params) -> TopologyVerdict:
    """Decide whether some maintenance order satisfies R5; return the witnesses if not."""
    spec = Spec(topology, params)
    hosts = spec.host_names
    batch = [z3.Int(f"batch.{name}") for name in hosts]
    solver = z3.Solver()
    solver.set(unsat_core=True)
    for b in batch:
        solver.add(b >= 0, b < len(hosts))
    vm_host = [v.host for v in spec.initial_state().vms]
    labels = {}
    for h, name in enumerate(hosts):
        # the host's own VMs are impacted together: they must not span two slices of a set
        together = set(_together(spec, h))
        own = [z3.Not(z3.And(vm_host[i] == h, vm_host[j] == h))
               for i in range(len(vm_host)) for j in range(i + 1, len(vm_host))
               if _cross(spec, i, j) and i in together and j in together]
        lit = z3.Bool(f"host {name}")
        labels[str(lit)] = h
        solver.assert_and_track(z3.And(own) if own else z3.BoolVal(True), lit)
    for i in range(len(vm_host)):
        for j in range(i + 1, len(vm_host)):
            if _cross(spec, i, j) and vm_host[i] != vm_host[j]:
                solver.add(batch[vm_host[i]] != batch[vm_host[j]])
    answer = solver.check()
    if answer == z3.unknown:
        raise RuntimeError(f"topology check: Z3 answered unknown ({solver.reason_unknown()})")
    s0 = spec.initial_state()
    guard_ok = [spec.slice_allows(s0, _together(spec, h), _event_type(spec, h)) for h in range(len(hosts))]
    notes: tuple[str, ...] = ()
    if params.live_migration and all(spec.residents(s0, h) for h in range(len(hosts))):
        notes = ("under live migration a Freeze is announced only when a patched host can take its VMs (R27); "
                 "no host is empty here, so only a host patched by a Reboot can ever take them",)
    if answer == z3.sat:
        m = solver.model()
        groups: dict[int, list[str]] = {}
        for h, b in enumerate(batch):
            if spec.residents(s0, h):
                groups.setdefault(m.eval(b, model_completion=True).as_long(), []).append(hosts[h])
        order = tuple(tuple(groups[k]) for k in sorted(groups))
        return TopologyVerdict(True, (), order, all(guard_ok), params.freeze_slice, notes)
    core = sorted(labels[str(c)] for c in solver.unsat_core())
    witnesses = []
    for h in core:
        for a, units in _host_slices(spec, h).items():
            if len(units) > 1:
                vms = tuple(spec.vm_names[i] for u in sorted(units) for i in units[u])
                witnesses.append(Witness(hosts[h], vms, topology.availability_sets[a].name, tuple(sorted(units))))
    # Z3 returns one minimal reason; report every offending host, as the guard sees them.
    for h, ok in enumerate(guard_ok):
        if not ok and h not in core:
            for a, units in _host_slices(spec, h).items():
                if len(units) > 1:
                    vms = tuple(spec.vm_names[i] for u in sorted(units) for i in units[u])
                    witnesses.append(Witness(hosts[h], vms, topology.availability_sets[a].name, tuple(sorted(units))))
    agrees = {w.host for w in witnesses} == {hosts[h] for h, ok in enumerate(guard_ok) if not ok}
    return TopologyVerdict(False, tuple(witnesses), (), agrees, params.freeze_slice, notes)


def _cross(spec: Spec, i: int, j: int) -> bool:
    (a, u), (b, w) = _key(spec, i), _key(spec, j)
    return a == b and u != w


__all__ = ["TopologyVerdict", "Witness", "check_topology"]
