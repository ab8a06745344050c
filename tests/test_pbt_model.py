"""Property-based tests of the pure parts: topology validation and round-robin placement,
parameter profiles, and the counterexample value (JSON round trip, files, replay).

The strategies are the shared ones of `vmspec.properties.engines.strategies`; every test states a law
that one bad line in the code under test would break.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vmspec.model import (
    PROFILES,
    SLICES,
    VM,
    AvailabilitySet,
    Host,
    InvalidParams,
    InvalidTopology,
    Params,
    Spec,
    Topology,
    build,
    profile,
    round_robin,
)
from vmspec.model.topology import MAX_FAULT_DOMAINS, MAX_UPDATE_DOMAINS, validate
from vmspec.properties.engines.strategies import (
    availability_sets,
    invalid_param_fields,
    mixed_slice_hosts,
    params,
    round_robin_topologies,
    timings,
    topologies,
)
from vmspec.properties.evidence.counterexample import Counterexample, replay, replay_steps
from vmspec.properties.evidence.counterexample import build as build_cx
from vmspec.properties.io.errors import InputError
from vmspec.properties.io.topology import params_from_dict, topology_from_dict, topology_to_dict

# ---------------------------------------------------------------------- topology validation


@given(topologies(max_hosts=6, max_vms=10, max_sets=3))
def test_drawn_topologies_are_valid_and_round_trip_through_dicts(t):
    assert validate(t) is None
    back, _ = topology_from_dict(json.loads(json.dumps(topology_to_dict(t))))
    assert back == t


_BREAKS = ("duplicate_vm", "duplicate_host", "ud_out_of_range", "fd_out_of_range", "unknown_host", "unknown_set",
           "too_many_uds", "no_uds", "too_many_fds", "bad_update", "no_hosts")


def _break(t: Topology, how: str) -> tuple[dict, str]:
    """A topology dict with one thing wrong, and what the error must name."""
    d = topology_to_dict(t)
    vm = d["vms"][0]
    if how == "duplicate_vm":
        d["vms"].append(dict(vm))
        return d, repr(vm["name"])
    if how == "duplicate_host":
        d["hosts"].append(dict(d["hosts"][0]))
        return d, repr(d["hosts"][0]["name"])
    aset = next(a for a in d["availability_sets"] if a["name"] == vm["availability_set"])
    if how == "ud_out_of_range":
        vm["update_domain"] = aset["update_domains"]
        return d, "update_domain"
    if how == "fd_out_of_range":
        vm["fault_domain"] = aset["fault_domains"]
        return d, "fault_domain"
    if how == "unknown_host":
        vm["host"] = "nowhere"
        return d, "'nowhere'"
    if how == "unknown_set":
        vm["availability_set"] = "no-such-set"
        return d, "'no-such-set'"
    if how == "too_many_uds":
        aset["update_domains"] = MAX_UPDATE_DOMAINS + 1
        return d, "update_domains"
    if how == "no_uds":
        aset["update_domains"] = 0
        return d, "update_domains"
    if how == "too_many_fds":
        aset["fault_domains"] = MAX_FAULT_DOMAINS + 1
        return d, "fault_domains"
    if how == "bad_update":
        d["hosts"][0]["update"] = "live"
        return d, "update"
    d["hosts"], d["vms"] = [], []
    return d, "at least one host"


@given(topologies(max_hosts=4, max_vms=6), st.sampled_from(_BREAKS))
def test_one_wrong_field_is_rejected_and_named(t, how):
    d, named = _break(t, how)
    with pytest.raises(InvalidTopology) as err:
        Topology(
            tuple(AvailabilitySet(**a) for a in d["availability_sets"]),
            tuple(Host(**h) for h in d["hosts"]),
            tuple(VM(**v) for v in d["vms"]),
        )
    assert named in str(err.value)
    if how == "unknown_host":  # a topology file may leave hosts implied by its VMs: the reader adds them
        back, _ = topology_from_dict(d, "topo.json")
        assert "nowhere" in {h.name for h in back.hosts}
        return
    with pytest.raises(InputError) as err2:  # the file reader reports the same, with where
        topology_from_dict(d, "topo.json")
    assert "topo.json" in str(err2.value) and named in str(err2.value)


# ---------------------------------------------------------------------- round-robin placement


@given(availability_sets(max_sets=1).map(lambda s: s[0]), st.integers(0, 60))
def test_round_robin_follows_the_documented_order(a, n):
    vms = round_robin(a, n)
    assert len(vms) == n and len({v.name for v in vms}) == n
    for i, v in enumerate(vms):
        assert (v.update_domain, v.fault_domain) == (i % a.update_domains, i % a.fault_domains)
        if i >= a.update_domains:  # "the sixth VM is placed into the same UD as the first" (5 UDs)
            assert v.update_domain == vms[i - a.update_domains].update_domain
    per_ud = [sum(v.update_domain == u for v in vms) for u in range(a.update_domains)]
    assert max(per_ud) - min(per_ud) <= 1  # balanced


@given(availability_sets(max_sets=1).map(lambda s: s[0]), st.integers(1, 40),
       st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=1, max_size=6, unique=True))
def test_round_robin_assigns_given_hosts_in_turn(a, n, hosts):
    vms = round_robin(a, n, tuple(hosts))
    assert [v.host for v in vms] == [hosts[i % len(hosts)] for i in range(n)]


@given(availability_sets(max_sets=1).map(lambda s: s[0]), st.integers(max_value=-1))
def test_round_robin_rejects_a_negative_count(a, n):
    with pytest.raises(InvalidTopology, match="count"):
        round_robin(a, n)


@given(round_robin_topologies())
def test_built_topologies_keep_each_host_inside_one_update_domain(t):
    assert mixed_slice_hosts(t, profile("azure-2017")) == {}
    assert mixed_slice_hosts(t, profile("typical-2026")) == {}
    assert mixed_slice_hosts(t, profile("live-migration")) == {} or any(
        sum(v.host == h.name for v in t.vms) > 1 for h in t.hosts)
    for h in t.hosts:
        residents = [v for v in t.vms if v.host == h.name]
        assert len({(v.availability_set, v.update_domain, v.fault_domain) for v in residents}) == 1


def test_build_names_reboot_hosts():
    t = build(((AvailabilitySet("web"), 10),), reboot_hosts=frozenset({"web-ud4-fd1"}))
    assert [h.name for h in t.hosts if h.update == "reboot"] == ["web-ud4-fd1"]


# ---------------------------------------------------------------------- parameter profiles


@given(params())
def test_drawn_parameters_are_valid_and_round_trip(p):
    assert p.pause_bound >= p.granularity >= 1
    assert params_from_dict({k: getattr(p, k) for k in Params.__dataclass_fields__}) == p


@given(st.sampled_from(sorted(PROFILES)), timings())
def test_profiles_accept_any_consistent_timings(name, overrides):
    p = profile(name, **overrides)
    assert (p.pause_bound, p.granularity) == (overrides["pause_bound"], overrides["granularity"])
    assert p.freeze_slice == PROFILES[name].freeze_slice
    for event_type in ("Freeze", "Reboot", "Redeploy"):
        assert 0 <= p.required_notice(event_type) <= p.notice_for(event_type)


@given(invalid_param_fields())
def test_impossible_parameters_are_rejected_naming_the_field(case):
    field_name, overrides = case
    with pytest.raises(InvalidParams) as err:
        Params(**overrides)
    assert field_name in str(err.value)


@given(st.text(min_size=1, max_size=12))
def test_unknown_profile_names_are_rejected_with_the_choices(name):
    assume(name not in PROFILES)
    with pytest.raises(InvalidParams, match="azure-2017"):
        profile(name)


@given(st.sampled_from(SLICES))
def test_slice_names_are_accepted(slice_):
    assert Params(freeze_slice=slice_).freeze_slice == slice_
    assert profile("azure-2017", slice=slice_).freeze_slice == slice_  # the earlier name


# ---------------------------------------------------------------------- counterexamples


@st.composite
def walks(draw, max_steps: int = 25):
    """A world and a run of the correct model in it, chosen step by step."""
    p = draw(params())
    t = draw(topologies(max_hosts=3, max_vms=4))
    spec = Spec(t, p)
    s, path = spec.initial_state(), []
    for _ in range(draw(st.integers(0, max_steps))):
        succ = list(spec.successors(s))
        step, s = succ[draw(st.integers(0, len(succ) - 1))]
        path.append((step, s))
    return spec, path


@given(walks())
def test_counterexample_json_round_trip(walk):
    spec, path = walk
    c = build_cx(spec, path, "type_ok", "a message", engine="fuzz", config="drawn",
                 engine_settings={"seed": 3})
    assert Counterexample.from_json(json.loads(c.dumps())) == c
    assert len(c) == len(path) and [s.index for s in c.steps] == list(range(1, len(path) + 1))
    if path:
        assert c.steps[-1].time == sum(st_.args[0] for st_, _ in path if st_.name == "time_passes")


@given(walks())
def test_replay_rebuilds_the_same_states_and_finds_no_violation_on_the_model(walk):
    spec, path = walk
    verdict = replay_steps(spec.topology, spec.params, None, [st_ for st_, _ in path], "type_ok")
    assert list(verdict.states[1:]) == [t for _, t in path]
    assert not verdict.reproduced and "holds" in verdict.detail


@given(walks(max_steps=10), st.integers(0, 9))
def test_replay_refuses_a_step_that_is_not_enabled(walk, k):
    spec, path = walk
    assume(path)
    steps = [st_ for st_, _ in path]
    k = k % len(steps)
    bogus = steps[:k] + [steps[k]._replace(name="platform_complete_event", args=("nobody#9",))] + steps[k + 1:]
    verdict = replay_steps(spec.topology, spec.params, None, bogus, "type_ok")
    assert not verdict.reproduced and f"step {k + 1}" in verdict.detail


@given(walks(max_steps=8))
def test_saved_counterexample_loads_back(tmp_path_factory, walk):
    spec, path = walk
    c = build_cx(spec, path, "deadlock_free", "m", kind="deadlock", engine="fuzz", config="drawn")
    f = c.save(tmp_path_factory.mktemp("cx") / "c.json")
    assert Counterexample.load(f) == c
    assert not [p for p in f.parent.iterdir() if p.name != "c.json"]  # no temporary file left behind


def test_mutant_counterexample_prints_as_a_passing_pytest_test():
    from vmspec.model import CONFIGS
    from vmspec.properties.engines.fuzz import fuzz_target
    from vmspec.properties.evidence.verdict import Target

    cfg = CONFIGS["TINY"]
    r = fuzz_target(Target(cfg.topology, cfg.params, "TINY", "memory_wiped_at_freeze"),
                    watch=["memory_lost_only_by_reboot"], all_properties=False)
    c = r.counterexamples["memory_lost_only_by_reboot"]
    assert replay(c).reproduced
    namespace: dict = {}
    exec(compile(c.to_python(), "<counterexample>", "exec"), namespace)
    test = next(v for k, v in namespace.items() if k.startswith("test_"))
    test()  # the printed test replays and asserts the violation
    assert not replay(replace(c, mutant=None)).reproduced
