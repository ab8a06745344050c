"""Topology files: the documented format loads, and every bad file gets file, field and reason."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmspec.properties.io.errors import InputError
from vmspec.properties.io.topology import load_topology, topology_from_dict, topology_to_dict

DATA = Path(__file__).parent / "data" / "topologies"


def test_documented_example_loads():
    topology, params = load_topology(DATA / "two_sets.toml")
    assert [a.name for a in topology.availability_sets] == ["web", "db"]
    assert [v.name for v in topology.vms] == ["web-vm0", "web-vm1", "db0", "db1"]
    assert {h.name: h.update for h in topology.hosts}["dbhost1"] == "reboot"
    assert params.notice_divisor == 30


def test_json_round_trip(tmp_path):
    topology, params = load_topology(DATA / "two_sets.toml")
    path = tmp_path / "t.json"
    path.write_text(json.dumps(topology_to_dict(topology, params)))
    assert load_topology(path) == (topology, params)


def test_scale_sets_and_spot_vms_round_trip_and_stay_out_of_other_files(tmp_path):
    """R36, R37: a scale set and a Spot VM are written and read back; a topology without them is
    written as before (no scale_set or spot key)."""
    from vmspec.model import CONFIGS

    spot = CONFIGS["SPOT_SCALE_SET"]
    data = topology_to_dict(spot.topology, spot.params)
    assert data["availability_sets"][0]["scale_set"] is True and data["vms"][1]["spot"] is True
    assert "spot" not in data["vms"][0] and data["params"]["terminate_timeout"] == 300
    path = tmp_path / "spot.json"
    path.write_text(json.dumps(data))
    assert load_topology(path) == (spot.topology, spot.params)
    tiny = topology_to_dict(CONFIGS["TINY"].topology)
    assert all("scale_set" not in a for a in tiny["availability_sets"]) and all("spot" not in v for v in tiny["vms"])


def write(tmp_path, text, name="t.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    "text, field, reason",
    [
        ("hosts = []", "availability_sets", "missing required field"),
        ("bogus = 1\navailability_sets = []", "bogus", "unknown field"),
        ('[[availability_sets]]\nname = "a"\nupdate_domains = "5"', "availability_sets[0].update_domains",
         "expected an integer 1..20"),
        ('[[availability_sets]]\nname = "a"\nupdate_domains = 0', "topology", "update_domains must be 1..20"),
        ('[[availability_sets]]\nname = "a"\nround_robin = -2', "availability_sets[0].round_robin",
         "expected a VM count >= 0"),
        ('[[availability_sets]]\nname = "a"\n[[vms]]\nname = "v"', "vms[0].availability_set", "missing required"),
        ('[params]\npause_bound = "long"\n[[availability_sets]]\nname = "a"', "params.pause_bound",
         "expected a int"),
        ('[params]\nprofile = "nope"\n[[availability_sets]]\nname = "a"', "params", "unknown profile"),
        ('[params]\nshort_notice = 1\n[[availability_sets]]\nname = "a"', "params.short_notice", "expected a bool"),
        ('[[availability_sets]]\nname = "a"\nupdate_domains = true', "availability_sets[0].update_domains",
         "expected an integer"),
        ('[[availability_sets]]\nname = "a"\nscale_set = "yes"', "availability_sets[0].scale_set",
         "expected true or false"),
        ('[[availability_sets]]\nname = "a"\n[[vms]]\nname = "v"\navailability_set = "a"\nupdate_domain = 0\n'
         'fault_domain = 0\nhost = "h"\nspot = 1', "vms[0].spot", "expected true or false"),
        ('[params]\nterminate_timeout = 60\n[[availability_sets]]\nname = "a"', "params",
         "terminate_timeout must be a whole number of seconds from 300 to 900"),
    ],
)
def test_bad_files_name_the_field(tmp_path, text, field, reason):
    with pytest.raises(InputError) as exc:
        load_topology(write(tmp_path, text))
    assert exc.value.field == field and reason in exc.value.reason
    assert str(exc.value).startswith(str(tmp_path / "t.toml"))


def test_syntax_errors_carry_the_line(tmp_path):
    with pytest.raises(InputError) as exc:
        load_topology(write(tmp_path, '[[availability_sets]]\nname = "a"\nupdate_domains = = 3\n'))
    assert exc.value.line == 3 and "invalid TOML" in exc.value.reason
    with pytest.raises(InputError) as exc:
        load_topology(write(tmp_path, '{\n "availability_sets": [,]\n}', "t.json"))
    assert exc.value.line == 2 and "invalid JSON" in exc.value.reason


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(InputError, match="cannot read file"):
        load_topology(tmp_path / "absent.toml")
    p = tmp_path / "bin.toml"
    p.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not UTF-8"):
        load_topology(p)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 25) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "update_domains", "fault_domains", "round_robin", "hosts", "vms", "update",
                         "availability_set", "update_domain", "fault_domain", "host", "params", "profile",
                         "availability_sets", "pause_bound"]), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(json_values)
def test_parser_fuzz_returns_a_topology_or_an_input_error(data):
    try:
        topology, params = topology_from_dict(data, "fuzz.json")
    except InputError as exc:
        assert exc.path == "fuzz.json" and exc.reason
    else:
        assert topology.hosts and params.pause_bound >= params.granularity


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_raw_bytes_never_raise_anything_but_input_error(tmp_path_factory, raw):
    p = tmp_path_factory.mktemp("fz") / "f.toml"
    p.write_bytes(raw)
    try:
        load_topology(p)
    except InputError:
        pass
