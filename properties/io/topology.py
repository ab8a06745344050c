"""Reading and writing topologies and parameters (TOML or JSON), with clear errors.

Format (notes/topology-format.md)::

    [params]                 # optional: a profile and any field overridden
    profile = "azure-2017"
    pause_bound = 30

    [[availability_sets]]
    name = "web"
    update_domains = 5
    fault_domains = 3
    round_robin = 10         # optional: place 10 VMs round-robin, one host per (UD, FD)

    [[hosts]]
    name = "h0"
    update = "in_place"      # or "reboot"

    [[vms]]
    name = "vm0"
    availability_set = "web"
    update_domain = 0
    fault_domain = 0
    host = "h0"
"""

from __future__ import annotations

from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from vmspec.model import (
    VM,
    AvailabilitySet,
    Host,
    InvalidParams,
    InvalidTopology,
    Params,
    Topology,
    profile,
    round_robin,
)
from vmspec.model.params import RENAMED
from vmspec.properties.io import inputs
from vmspec.properties.io.errors import InputError
from vmspec.properties.io.limits import current as current_limits


def _expect(path: str, where: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise InputError(path, None, where, f"expected {what}, got {value!r}")
    if not isinstance(value, kind):
        raise InputError(path, None, where, f"expected {what}, got {value!r}")
    return value


def _table(path: str, where: str, value: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
    _expect(path, where, value, dict, "a table")

    def field(key: str) -> str:
        return key if where == "<top>" else f"{where}.{key}"

    for key in value:
        if key not in allowed:
            raise InputError(path, None, field(str(key)), f"unknown field; expected one of {', '.join(sorted(allowed))}")
    for key in sorted(required):
        if key not in value:
            raise InputError(path, None, field(key), "missing required field")
    table: dict[str, Any] = value
    return table


PARAM_FIELDS = {f.name: f.type for f in fields(Params)}


def params_from_dict(data: Any, path: str = "<params>", where: str = "params") -> Params:
    table = _table(path, where, data, set(PARAM_FIELDS) | set(RENAMED) | {"profile"}, set())
    base = table.get("profile", "azure-2017")
    _expect(path, f"{where}.profile", base, str, "a profile name")
    overrides: dict[str, Any] = {}
    for key, value in table.items():
        if key == "profile":
            continue
        declared = str(PARAM_FIELDS[RENAMED.get(key, key)])
        if value is None and declared.endswith("| None"):  # an optional field left out (JSON null)
            overrides[key] = value
            continue
        kind = {"bool": bool, "str": str}.get(declared, int)
        _expect(path, f"{where}.{key}", value, kind, f"a {kind.__name__}")
        overrides[key] = value
    try:
        return profile(base, **overrides)
    except InvalidParams as exc:
        raise InputError(path, None, where, str(exc)) from None


def topology_from_dict(data: Any, path: str = "<topology>") -> tuple[Topology, Params]:
    """Build and validate a topology (and its parameters) from parsed TOML or JSON."""
    top = _table(path, "<top>", data, {"params", "availability_sets", "hosts", "vms"}, {"availability_sets"})
    limits = current_limits()
    for key, bound in (("availability_sets", limits.vms), ("hosts", limits.hosts), ("vms", limits.vms)):
        if isinstance(top.get(key), list) and len(top[key]) > bound:
            raise InputError(path, None, key, f"{len(top[key]):,} entries is beyond the limit of {bound:,}")
    params = params_from_dict(top.get("params", {}), path)
    sets: list[AvailabilitySet] = []
    hosts: list[Host] = []
    vms: list[VM] = []
    for i, a in enumerate(_expect(path, "availability_sets", top["availability_sets"], list, "an array of tables")):
        where = f"availability_sets[{i}]"
        a = _table(path, where, a, {"name", "update_domains", "fault_domains", "round_robin", "scale_set"},
                   {"name"})
        aset = AvailabilitySet(
            _expect(path, f"{where}.name", a["name"], str, "a string"),
            _expect(path, f"{where}.update_domains", a.get("update_domains", 5), int, "an integer 1..20"),
            _expect(path, f"{where}.fault_domains", a.get("fault_domains", 3), int, "an integer 1..3"),
            _expect(path, f"{where}.scale_set", a.get("scale_set", False), bool, "true or false"),
        )
        sets.append(aset)
        n = _expect(path, f"{where}.round_robin", a.get("round_robin", 0), int, "a VM count >= 0")
        if n < 0:
            raise InputError(path, None, f"{where}.round_robin", f"expected a VM count >= 0, got {n}")
        if len(vms) + n > limits.vms:
            raise InputError(path, None, f"{where}.round_robin",
                             f"{len(vms) + n:,} VMs in all is beyond the limit of {limits.vms:,} VMs a topology")
        vms.extend(round_robin(aset, n))
    for i, h in enumerate(_expect(path, "hosts", top.get("hosts", []), list, "an array of tables")):
        where = f"hosts[{i}]"
        h = _table(path, where, h, {"name", "update"}, {"name"})
        hosts.append(
            Host(
                _expect(path, f"{where}.name", h["name"], str, "a string"),
                _expect(path, f"{where}.update", h.get("update", "in_place"), str, '"in_place" or "reboot"'),
            )
        )
    for i, v in enumerate(_expect(path, "vms", top.get("vms", []), list, "an array of tables")):
        where = f"vms[{i}]"
        req = {"name", "availability_set", "update_domain", "fault_domain", "host"}
        v = _table(path, where, v, req | {"spot"}, req)
        vms.append(
            VM(
                _expect(path, f"{where}.name", v["name"], str, "a string"),
                _expect(path, f"{where}.availability_set", v["availability_set"], str, "a string"),
                _expect(path, f"{where}.update_domain", v["update_domain"], int, "an integer"),
                _expect(path, f"{where}.fault_domain", v["fault_domain"], int, "an integer"),
                _expect(path, f"{where}.host", v["host"], str, "a string"),
                _expect(path, f"{where}.spot", v.get("spot", False), bool, "true or false"),
            )
        )
    if len(vms) > limits.vms:
        raise InputError(path, None, "vms", f"{len(vms):,} VMs in all is beyond the limit of {limits.vms:,} VMs a topology")
    known = {h.name for h in hosts}
    for vm in vms:  # hosts implied by round-robin placement
        if vm.host not in known:
            hosts.append(Host(vm.host))
            known.add(vm.host)
    if len(hosts) > limits.hosts:
        raise InputError(path, None, "hosts", f"{len(hosts):,} hosts is beyond the limit of {limits.hosts:,} a topology")
    try:
        return Topology(tuple(sets), tuple(hosts), tuple(vms)), params
    except InvalidTopology as exc:
        raise InputError(path, None, "topology", str(exc)) from None


def load_topology(path: str | Path) -> tuple[Topology, Params]:
    """Read a TOML (or, by extension, JSON) topology file through the input layer's bounds."""
    name = "<stdin>" if str(path) == inputs.STDIN else str(path)
    raw = inputs.read_document(path)
    if Path(str(path)).suffix.lower() == ".json":
        data = inputs.load_json_document(raw, name)
    else:
        data = inputs.load_toml(raw, name)
    return topology_from_dict(data, name)


def _without_defaults(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    """`d` without the optional `keys` that hold False (scale sets, Spot VMs: R36, R37), so that
    topologies without them are written as before."""
    return {k: v for k, v in d.items() if not (k in keys and v is False)}


def topology_to_dict(topology: Topology, params: Params | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "availability_sets": [_without_defaults(asdict(a), "scale_set") for a in topology.availability_sets],
        "hosts": [asdict(h) for h in topology.hosts],
        "vms": [_without_defaults(asdict(v), "spot") for v in topology.vms],
    }
    if params is not None:
        out["params"] = asdict(params)
    return out
