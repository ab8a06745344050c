"""Topology: availability sets, hosts and the VMs placed on them.

Modelled: availability sets with 1-20 update domains and 1-3 fault domains (research
section 2.1), hosts, and VMs that each belong to one availability set, one update domain
(UD) and one fault domain (FD) and start on one host.  Each host carries one pending
update, either one that can be applied in place under a Freeze or one that needs a
reboot (S5).  An availability set may be a scale set (research 2.2: placed across update
and fault domains alike), whose VMs its owner may delete (R37); a VM may be a Spot VM (R36).

Left out: scale-set orchestration modes and autoscale, zones, region pairs, dedicated hosts, and the mapping of fault
domains to racks.  A host may carry VMs of several fault domains; the model does not
forbid it, the checkers report what it breaks.

A topology can be *valid but unsafe* (for instance one host carrying VMs of two update
domains of the same availability set).  That is not an input error: `Topology` accepts
it and the checkers must find and explain what it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_UPDATE_DOMAINS = 20  # research 2.1: "up to 3 fault domains and 20 update domains"
MAX_FAULT_DOMAINS = 3
DEFAULT_UPDATE_DOMAINS = 5  # research 2.1: "five non-user-configurable UDs are assigned by default"
DEFAULT_FAULT_DOMAINS = 3  # research 2.1: "separated across up to three fault domains"

UPDATE_KINDS = ("in_place", "reboot")


class InvalidTopology(ValueError):
    """A topology that cannot describe a real deployment; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class AvailabilitySet:
    name: str  # unique among availability sets
    update_domains: int = DEFAULT_UPDATE_DOMAINS  # 1..20, fixed at creation
    fault_domains: int = DEFAULT_FAULT_DOMAINS  # 1..3, fixed at creation
    # a virtual machine scale set, placed across update and fault domains like an availability set
    # (research 2.2): deleting one of its VMs may announce a Terminate (R37)
    scale_set: bool = False


@dataclass(frozen=True, slots=True)
class Host:
    name: str  # unique among hosts
    update: str = "in_place"  # the pending update: "in_place" (Freeze) or "reboot" (S5)


@dataclass(frozen=True, slots=True)
class VM:
    name: str  # unique among VMs
    availability_set: str  # name of its availability set
    update_domain: int  # 0-based, < the set's update_domains
    fault_domain: int  # 0-based, < the set's fault_domains
    host: str  # the host it is placed on at the start of the rollout
    spot: bool = False  # an Azure Spot VM, which the platform may evict under a Preempt (R36)


@dataclass(frozen=True, slots=True)
class Topology:
    availability_sets: tuple[AvailabilitySet, ...]
    hosts: tuple[Host, ...]
    vms: tuple[VM, ...]

    def __post_init__(self) -> None:
        validate(self)

    def host_index(self, name: str) -> int:
        return next(i for i, h in enumerate(self.hosts) if h.name == name)

    def vm_index(self, name: str) -> int:
        return next(i for i, v in enumerate(self.vms) if v.name == name)

    def aset(self, name: str) -> AvailabilitySet:
        return next(a for a in self.availability_sets if a.name == name)


def _unique(kind: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name:
            raise InvalidTopology(f"{kind} names must be non-empty strings, got {name!r}")
        if name in seen:
            raise InvalidTopology(f"{kind} name {name!r} is used twice; give each {kind} its own name")
        seen.add(name)


def validate(topology: Topology) -> None:
    """Raise `InvalidTopology` naming the first thing to fix; return None when valid."""
    _unique("availability set", [a.name for a in topology.availability_sets])
    _unique("host", [h.name for h in topology.hosts])
    _unique("VM", [v.name for v in topology.vms])
    if any(v.name == "outside" for v in topology.vms):
        raise InvalidTopology('VM name "outside" is reserved: it names an approval from outside the VMs (R28)')
    for a in topology.availability_sets:
        if not isinstance(a.update_domains, int) or not 1 <= a.update_domains <= MAX_UPDATE_DOMAINS:
            raise InvalidTopology(
                f"availability set {a.name!r}: update_domains must be 1..{MAX_UPDATE_DOMAINS}, got {a.update_domains!r}"
            )
        if not isinstance(a.fault_domains, int) or not 1 <= a.fault_domains <= MAX_FAULT_DOMAINS:
            raise InvalidTopology(
                f"availability set {a.name!r}: fault_domains must be 1..{MAX_FAULT_DOMAINS}, got {a.fault_domains!r}"
            )
        if not isinstance(a.scale_set, bool):
            raise InvalidTopology(f"availability set {a.name!r}: scale_set must be true or false, got {a.scale_set!r}")
    if not topology.hosts:
        raise InvalidTopology("a topology needs at least one host")
    for h in topology.hosts:
        if h.update not in UPDATE_KINDS:
            raise InvalidTopology(f"host {h.name!r}: update must be one of {', '.join(UPDATE_KINDS)}, got {h.update!r}")
    sets = {a.name: a for a in topology.availability_sets}
    hosts = {h.name for h in topology.hosts}
    for v in topology.vms:
        aset = sets.get(v.availability_set)
        if aset is None:
            raise InvalidTopology(
                f"VM {v.name!r}: availability set {v.availability_set!r} is not defined; "
                f"add it or use one of {sorted(sets)}"
            )
        if not isinstance(v.update_domain, int) or not 0 <= v.update_domain < aset.update_domains:
            raise InvalidTopology(
                f"VM {v.name!r}: update_domain must be 0..{aset.update_domains - 1} "
                f"(set {aset.name!r} has {aset.update_domains}), got {v.update_domain!r}"
            )
        if not isinstance(v.fault_domain, int) or not 0 <= v.fault_domain < aset.fault_domains:
            raise InvalidTopology(
                f"VM {v.name!r}: fault_domain must be 0..{aset.fault_domains - 1} "
                f"(set {aset.name!r} has {aset.fault_domains}), got {v.fault_domain!r}"
            )
        if not isinstance(v.spot, bool):
            raise InvalidTopology(f"VM {v.name!r}: spot must be true or false, got {v.spot!r}")
        if v.host not in hosts:
            raise InvalidTopology(f"VM {v.name!r}: host {v.host!r} is not defined; add it or use one of {sorted(hosts)}")


def round_robin(
    aset: AvailabilitySet, count: int, hosts: tuple[str, ...] | None = None, prefix: str | None = None
) -> tuple[VM, ...]:
    """Place `count` VMs of `aset` as Azure documents: the i-th VM goes to UD i mod #UD
    (research 2.1, "the sixth virtual machine is placed into the same update domain as the
    first") and FD i mod #FD.  `hosts`, when given, are assigned round-robin as well;
    otherwise each VM gets a host named after its (UD, FD) pair, which keeps every host
    inside one update domain (the safe placement)."""
    if count < 0:
        raise InvalidTopology(f"availability set {aset.name!r}: VM count must be >= 0, got {count}")
    stem = prefix if prefix is not None else f"{aset.name}-vm"
    vms = []
    for i in range(count):
        ud, fd = i % aset.update_domains, i % aset.fault_domains
        host = hosts[i % len(hosts)] if hosts else f"{aset.name}-ud{ud}-fd{fd}"
        vms.append(VM(f"{stem}{i}", aset.name, ud, fd, host))
    return tuple(vms)


def build(
    sets: tuple[tuple[AvailabilitySet, int], ...], reboot_hosts: frozenset[str] = frozenset()
) -> Topology:
    """A topology from (availability set, VM count) pairs placed by `round_robin`, one
    host per (set, UD, FD) in use; hosts named in `reboot_hosts` carry a reboot update."""
    vms = tuple(vm for aset, n in sets for vm in round_robin(aset, n))
    host_names = list(dict.fromkeys(vm.host for vm in vms))
    hosts = tuple(Host(h, "reboot" if h in reboot_hosts else "in_place") for h in host_names)
    return Topology(tuple(a for a, _ in sets), hosts, vms)
