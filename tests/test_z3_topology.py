"""The topology check: a maintenance order keeping R5 exists exactly when no host carries
VMs of two slices of one availability set; otherwise the witness names the host and VMs."""

from __future__ import annotations

from vmspec.model import CONFIGS, VM, AvailabilitySet, Host, Topology, profile
from vmspec.properties.engines.z3.topology_check import check_topology


def test_unsafe_shared_host_witness():
    c = CONFIGS["UNSAFE_SHARED_HOST"]
    v = check_topology(c.topology, c.params)
    assert not v.safe and v.model_agrees
    (w,) = v.witnesses
    assert (w.host, w.vms, w.availability_set, w.slices) == ("h0", ("vm0", "vm1"), "as0", (0, 1))
    assert "freezing it breaks R5" in str(w)


def test_named_safe_configurations_have_an_order():
    for name in ("TINY", "SMALL", "AZURE_DEFAULT"):
        c = CONFIGS[name]
        v = check_topology(c.topology, c.params)
        assert v.safe and v.model_agrees and not v.witnesses
        ordered = [h for batch in v.order for h in batch]
        assert sorted(ordered) == sorted(h.name for h in c.topology.hosts)


def test_slice_kind_decides():
    a = AvailabilitySet("as0", 2, 2)
    t = Topology((a,), (Host("h0"), Host("h1")),
                 (VM("v0", "as0", 0, 0, "h0"), VM("v1", "as0", 0, 1, "h0"), VM("v2", "as0", 1, 0, "h1")))
    assert check_topology(t, profile("azure-2017")).safe  # h0: one update domain
    fd = check_topology(t, profile("typical-2026"))  # h0: two fault domains
    assert not fd.safe and fd.witnesses[0].host == "h0" and fd.model_agrees
    vm = check_topology(t, profile("live-migration", live_migration=False))  # one VM at a time, in place: h0 has two
    assert not vm.safe and vm.witnesses[0].vms == ("v0", "v1")
    live = check_topology(t, profile("live-migration"))  # live migration moves h0's VMs in turn (R27)
    assert live.safe and live.model_agrees and live.notes and "R27" in live.notes[0]


def test_every_offending_host_is_reported():
    a = AvailabilitySet("as0", 2, 1)
    t = Topology((a,), (Host("h0"), Host("h1")),
                 (VM("a", "as0", 0, 0, "h0"), VM("b", "as0", 1, 0, "h0"), VM("c", "as0", 0, 0, "h1"),
                  VM("d", "as0", 1, 0, "h1")))
    v = check_topology(t, profile("azure-2017"))
    assert {w.host for w in v.witnesses} == {"h0", "h1"} and v.model_agrees
