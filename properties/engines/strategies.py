"""Every Hypothesis strategy the project shares: topologies, parameter profiles, timings and
the worlds (topology + parameters) the stateful machine runs in.

Topologies come in every shape the model accepts (`vmspec.model.topology.validate`): one to
several availability sets of 1-20 update domains and 1-3 fault domains, hosts with in-place
or reboot updates, hosts that carry no VM, and placements that are valid but unsafe (one
host carrying VMs of two slices of the same availability set).  Unsafe placements are
drawn on purpose, not filtered out: the checkers must find what they break (R5, R18).

`safe_topologies` and `unsafe_topologies` split that space with `mixed_slice_hosts`, which
asks the model itself which slices a host's VMs fall into (`Spec.impacted_slices`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from vmspec.model import (
    PROFILES,
    SLICES,
    VM,
    AvailabilitySet,
    Host,
    Params,
    Spec,
    Topology,
    build,
    round_robin,
)
from vmspec.model.topology import MAX_FAULT_DOMAINS, MAX_UPDATE_DOMAINS, UPDATE_KINDS

__all__ = [
    "World",
    "availability_sets",
    "invalid_param_fields",
    "mixed_slice_hosts",
    "params",
    "round_robin_topologies",
    "safe_topologies",
    "safe_worlds",
    "timings",
    "topologies",
    "unsafe_topologies",
    "unsafe_worlds",
    "worlds",
]


@dataclass(frozen=True)
class World:
    """What one stateful run checks: a topology, its parameters and a label for reports."""

    label: str
    topology: Topology
    params: Params

    def spec(self) -> Spec:
        return Spec(self.topology, self.params)


# ---------------------------------------------------------------------- topologies


@st.composite
def availability_sets(draw: st.DrawFn, max_sets: int = 3, max_update_domains: int = MAX_UPDATE_DOMAINS) -> tuple:
    """1..max_sets availability sets with unique names and any documented UD/FD counts."""
    n = draw(st.integers(1, max_sets))
    return tuple(
        AvailabilitySet(
            f"as{i}",
            draw(st.integers(1, min(max_update_domains, MAX_UPDATE_DOMAINS))),
            draw(st.integers(1, MAX_FAULT_DOMAINS)),
        )
        for i in range(n)
    )


@st.composite
def topologies(draw: st.DrawFn, max_hosts: int = 4, max_vms: int = 5, max_sets: int = 2,
               max_update_domains: int = MAX_UPDATE_DOMAINS, min_vms: int = 1) -> Topology:
    """Any valid topology: each VM lands in any set, UD, FD and host, so shared hosts
    (valid but unsafe), hosts without VMs and reboot updates all occur."""
    sets = draw(availability_sets(max_sets, max_update_domains))
    n_hosts = draw(st.integers(1, max_hosts))
    hosts = tuple(Host(f"h{i}", draw(st.sampled_from(UPDATE_KINDS))) for i in range(n_hosts))
    n_vms = draw(st.integers(min_vms, max(min_vms, max_vms)))
    vms = []
    for i in range(n_vms):
        a = draw(st.sampled_from(sets))
        vms.append(
            VM(
                f"vm{i}",
                a.name,
                draw(st.integers(0, a.update_domains - 1)),
                draw(st.integers(0, a.fault_domains - 1)),
                draw(st.sampled_from(hosts)).name,
            )
        )
    return Topology(sets, hosts, tuple(vms))


@st.composite
def round_robin_topologies(draw: st.DrawFn, max_sets: int = 3, max_vms_per_set: int = 12,
                           max_update_domains: int = MAX_UPDATE_DOMAINS) -> Topology:
    """Topologies placed the way Azure documents (`vmspec.model.build`: round-robin over UDs and
    FDs, one host per (set, UD, FD)), with a few reboot updates: realistic and safe."""
    sets = draw(availability_sets(max_sets, max_update_domains))
    counts = [draw(st.integers(1, max_vms_per_set)) for _ in sets]
    names = [vm.host for a, n in zip(sets, counts) for vm in round_robin(a, n)]
    reboot = draw(st.frozensets(st.sampled_from(sorted(set(names))), max_size=3))
    return build(tuple(zip(sets, counts)), reboot_hosts=reboot)


def mixed_slice_hosts(topology: Topology, params: Params) -> dict[str, dict[str, list]]:
    """Hosts whose VMs fall into more than one slice of one availability set under an
    event type their update may be announced with, with the set and slices (kind, unit)
    involved: a Reboot always (an overrunning Freeze is redone as one), a Freeze for an
    in-place update (the VMs it names: under live migration one VM of each set, R27).  Such a host
    can never start that event within R5, so its update may never be applied (R18): valid, but unsafe."""
    spec = Spec(topology, params)
    s = spec.initial_state()
    out: dict[str, dict[str, list]] = {}
    for h, name in enumerate(spec.host_names):
        types = ("Reboot",) if s.hosts[h].needs_reboot else ("Freeze", "Reboot")
        for event_type in types:
            named = spec.announced_resources(s, h, event_type)  # under live migration one VM of each set (R27)
            for a, units in spec.impacted_slices((i, event_type) for i in named).items():
                if len(units) > 1:
                    out.setdefault(name, {}).setdefault(topology.availability_sets[a].name, sorted(units))
    return out


# ---------------------------------------------------------------------- parameters


@st.composite
def timings(draw: st.DrawFn, max_ticks: int = 4) -> dict[str, int]:
    """Consistent durations: a granularity, a pause bound of 1..max_ticks granules (so the
    watchdog is reachable in a few steps) and a typical pause within it, a resync latency,
    notices and an announced pause.  Returned as Params field overrides."""
    g = draw(st.sampled_from((1, 5, 10)))
    bound = g * draw(st.integers(1, max_ticks)) + draw(st.integers(0, g - 1))
    return {
        "granularity": g,
        "pause_bound": bound,
        # R31: a typical pause of 1..the hard bound, or none (the hard bound itself)
        "typical_pause": draw(st.one_of(st.none(), st.integers(1, bound))),
        "resync_latency": draw(st.sampled_from((0, 0, g, 2 * g))),
        "min_notice": draw(st.sampled_from((0, 30, 300, 900))),
        "expected_pause": draw(st.integers(-1, 30)),
        "notice_divisor": draw(st.sampled_from((1, 30))),
    }


@st.composite
def params(draw: st.DrawFn, max_ticks: int = 4) -> Params:
    """A named profile, or one with its timings, slice and flags redrawn.  Live migration (R27)
    is left off: its action is one a machine has a rule for only when its worlds are built to
    take it (`machine.OPTIONAL_ACTIONS`; the LIVE_MIGRATION configuration), so that every
    other campaign draws as before."""
    base = replace(PROFILES[draw(st.sampled_from(sorted(PROFILES)))], live_migration=False)
    if draw(st.booleans()):
        return base
    t = draw(timings(max_ticks))
    return replace(
        base,
        **t,
        watchdog_any_time=draw(st.booleans()),
        freeze_slice=draw(st.sampled_from(SLICES)),
        short_notice=draw(st.booleans()),
        allow_redeploy=draw(st.booleans()),
    )


@st.composite
def invalid_param_fields(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """(the field at fault, overrides) that no deployment could have: a negative or
    non-integer duration, a pause bound below one granule, an unknown slice..."""
    kind = draw(st.sampled_from(("freeze_slice", "negative", "not_int", "bound_below_granule", "divisor", "expected")))
    if kind == "freeze_slice":
        return kind, {kind: draw(st.text(min_size=1, max_size=8).filter(lambda x: x not in SLICES))}
    if kind == "negative":
        name = draw(st.sampled_from(("pause_bound", "min_notice", "resync_latency")))
        return name, {name: draw(st.integers(max_value=-1))}
    if kind == "not_int":
        name = draw(st.sampled_from(("pause_bound", "min_notice", "resync_latency", "granularity")))
        return name, {name: draw(st.one_of(st.floats(allow_nan=False), st.text(max_size=3), st.none()))}
    if kind == "bound_below_granule":
        g = draw(st.integers(2, 60))
        return "pause_bound", {"granularity": g, "pause_bound": draw(st.integers(0, g - 1))}
    if kind == "divisor":
        return "notice_divisor", {"notice_divisor": draw(st.integers(max_value=0))}
    return "expected_pause", {"expected_pause": draw(st.integers(max_value=-2))}


# ---------------------------------------------------------------------- worlds


def worlds(topology: st.SearchStrategy[Topology] | None = None,
           parameters: st.SearchStrategy[Params] | None = None, label: str = "drawn") -> st.SearchStrategy[World]:
    """Worlds for the stateful machine: small topologies and any parameters by default."""
    return st.builds(World, st.just(label), topology if topology is not None else topologies(),
                     parameters if parameters is not None else params())


@st.composite
def safe_topologies(draw: st.DrawFn, parameters: Params, **kw: Any) -> Topology:
    """Any topology with no host spanning two slices of one set (under `parameters`)."""
    t = draw(topologies(**kw))
    if mixed_slice_hosts(t, parameters):
        t = _separate(t)
    return t


def safe_worlds(max_ticks: int = 4, **kw: Any) -> st.SearchStrategy[World]:
    """Worlds whose topology is safe under their own parameters (no mixed-slice host)."""
    return params(max_ticks).flatmap(lambda p: safe_topologies(p, **kw).map(lambda t: World("drawn-safe", t, p)))


def unsafe_worlds(max_ticks: int = 4, **kw: Any) -> st.SearchStrategy[World]:
    """Worlds in which some host carries two slices of one set under their parameters."""
    return params(max_ticks).flatmap(lambda p: unsafe_topologies(p, **kw).map(lambda t: World("drawn-unsafe", t, p)))


def _separate(t: Topology) -> Topology:
    """The same VMs with one host of its own each: always safe."""
    hosts = {v.name: Host(f"{v.host}-{v.name}", t.hosts[t.host_index(v.host)].update) for v in t.vms}
    vms = tuple(replace(v, host=hosts[v.name].name) for v in t.vms)
    return Topology(t.availability_sets, tuple(hosts.values()) or t.hosts, vms)


@st.composite
def unsafe_topologies(draw: st.DrawFn, parameters: Params, **kw: Any) -> Topology:
    """A valid topology in which some host carries VMs of two slices of one set."""
    t = draw(topologies(**kw))
    if mixed_slice_hosts(t, parameters):
        return t
    a = draw(st.sampled_from([a for a in t.availability_sets if _two_units(a, parameters)] or [None]))
    if a is None:  # no set can hold two slices: widen the first one
        first = t.availability_sets[0]
        a = replace(first, update_domains=max(2, first.update_domains), fault_domains=max(2, first.fault_domains))
        t = Topology((a,) + t.availability_sets[1:], t.hosts, t.vms)
    host = draw(st.sampled_from(t.hosts)).name
    second = (1 % a.update_domains, 1 % a.fault_domains)
    pair = (VM("vm-x0", a.name, 0, 0, host), VM("vm-x1", a.name, *second, host))
    out = Topology(t.availability_sets, t.hosts, t.vms + pair)
    assert mixed_slice_hosts(out, parameters), out
    return out


def _two_units(a: AvailabilitySet, p: Params) -> bool:
    """Whether VMs of `a` at (UD, FD) = (0, 0) and (1, 1), modulo its counts, fall into two
    slices of some event type (a Reboot's update domains, or the freeze slice)."""
    if a.update_domains > 1 or (p.freeze_slice == "vm" and not p.live_migration):
        return True
    return p.freeze_slice == "fault_domain" and a.fault_domains > 1
