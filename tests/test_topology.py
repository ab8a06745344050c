"""Topology validation: every error names what to fix; round-robin follows the Azure documentation."""

import pytest

from vmspec.model import VM, AvailabilitySet, Host, InvalidTopology, Topology, build, round_robin

AS = AvailabilitySet("as0", 2, 2)


H0 = (Host("h0"),)
VM0 = (VM("vm0", "as0", 0, 0, "h0"),)


def topo(sets=(AS,), hosts=H0, vms=VM0):
    return Topology(tuple(sets), tuple(hosts), tuple(vms))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(hosts=(), vms=()), "at least one host"),
        (dict(sets=(AS, AS)), "availability set name 'as0' is used twice"),
        (dict(hosts=(Host("h0"), Host("h0"))), "host name 'h0' is used twice"),
        (dict(vms=(VM("vm0", "as0", 0, 0, "h0"),) * 2), "VM name 'vm0' is used twice"),
        (dict(hosts=(Host(""),), vms=()), "host names must be non-empty strings"),
        (dict(sets=(AvailabilitySet("as0", 0, 1),), vms=()), "update_domains must be 1..20, got 0"),
        (dict(sets=(AvailabilitySet("as0", 21, 1),), vms=()), "update_domains must be 1..20, got 21"),
        (dict(sets=(AvailabilitySet("as0", 5, 0),), vms=()), "fault_domains must be 1..3, got 0"),
        (dict(sets=(AvailabilitySet("as0", 5, 4),), vms=()), "fault_domains must be 1..3, got 4"),
        (dict(hosts=(Host("h0", "live"),), vms=()), "update must be one of in_place, reboot, got 'live'"),
        (dict(vms=(VM("vm0", "nope", 0, 0, "h0"),)), "availability set 'nope' is not defined"),
        (dict(vms=(VM("vm0", "as0", 2, 0, "h0"),)), "update_domain must be 0..1"),
        (dict(vms=(VM("vm0", "as0", -1, 0, "h0"),)), "update_domain must be 0..1"),
        (dict(vms=(VM("vm0", "as0", 0, 2, "h0"),)), "fault_domain must be 0..1"),
        (dict(vms=(VM("vm0", "as0", 0, 0, "hX"),)), "host 'hX' is not defined"),
    ],
)
def test_invalid_topologies_say_what_to_fix(kwargs, message):
    with pytest.raises(InvalidTopology, match=message.replace("(", r"\(").replace(".", r"\.")):
        topo(**kwargs)


def test_valid_but_unsafe_topology_is_accepted():
    t = topo(vms=(VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 1, 1, "h0")))
    assert len(t.vms) == 2  # two UDs on one host: not an input error, a finding for the checkers


def test_round_robin_places_the_sixth_vm_with_the_first():
    vms = round_robin(AvailabilitySet("web", 5, 3), 7)
    assert [v.update_domain for v in vms] == [0, 1, 2, 3, 4, 0, 1]
    assert [v.fault_domain for v in vms] == [0, 1, 2, 0, 1, 2, 0]
    assert vms[5].host == "web-ud0-fd2"


def test_round_robin_over_given_hosts():
    vms = round_robin(AvailabilitySet("web", 2, 1), 3, hosts=("a", "b"))
    assert [v.host for v in vms] == ["a", "b", "a"]


def test_round_robin_rejects_negative_count():
    with pytest.raises(InvalidTopology, match="VM count must be >= 0"):
        round_robin(AS, -1)


def test_build_marks_reboot_hosts():
    t = build(((AvailabilitySet("s", 2, 1), 2),), reboot_hosts=frozenset({"s-ud1-fd0"}))
    assert [(h.name, h.update) for h in t.hosts] == [("s-ud0-fd0", "in_place"), ("s-ud1-fd0", "reboot")]
