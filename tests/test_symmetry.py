"""Symmetry reduction: the canonical form is a symmetry image that commutes with the
next-state relation and keeps every property verdict, and it merges symmetric states."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vmspec.model import CONFIGS, Step
from vmspec.properties.catalogue.registry import ALWAYS, REGISTRY, STATE, TRANSITION
from vmspec.properties.engines.symmetry import Symmetry


def _bfs(spec, limit):
    s0 = spec.initial_state()
    seen, order = {s0}, [s0]
    i = 0
    while i < len(order) and len(order) < limit:
        for _, t in spec.successors(order[i]):
            if t not in seen:
                seen.add(t)
                order.append(t)
        i += 1
    return order


@pytest.fixture(scope="module", params=["TINY", "SMALL", "UNSAFE_SHARED_HOST"])
def sample(request):
    spec = CONFIGS[request.param].spec()
    return spec, Symmetry.of(spec), _bfs(spec, 1500)


def test_canonical_is_idempotent(sample):
    spec, sym, states = sample
    for s in states:
        c = sym.canonical(s)
        assert sym.canonical(c) == c
        assert len(c.hosts) == len(s.hosts) and len(c.vms) == len(s.vms)


def test_canonical_commutes_with_successors(sample):
    """The reduced successors of s and of its canonical form are the same set: the
    canonical map is a symmetry of the transition relation."""
    spec, sym, states = sample
    for s in states[::3]:
        here = {sym.canonical(t) for _, t in spec.successors(s)}
        there = {sym.canonical(t) for _, t in spec.successors(sym.canonical(s))}
        assert here == there


def test_canonical_keeps_property_verdicts(sample):
    spec, sym, states = sample
    state_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == STATE]
    trans_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == TRANSITION]
    for s in states[::5]:
        c = sym.canonical(s)
        assert [p.check(spec, s) is None for p in state_props] == [p.check(spec, c) is None for p in state_props]
        out_s = sorted(all(p.check(spec, s, st, t) is None for p in trans_props) for st, t in spec.successors(s))
        out_c = sorted(all(p.check(spec, c, st, t) is None for p in trans_props) for st, t in spec.successors(c))
        assert out_s == out_c


def test_symmetric_states_merge_on_tiny():
    spec = CONFIGS["TINY"].spec()
    sym = Symmetry.of(spec)
    s0 = spec.initial_state()
    a = spec.step(s0, Step("platform_announce_event", ("h0", "Freeze")))
    b = spec.step(s0, Step("platform_announce_event", ("h1", "Freeze")))
    assert a != b and sym.canonical(a) == sym.canonical(b)
    assert sym.canonical(a).events[0].event_id == "h0#1"  # EventIds are renamed with their host


def test_asymmetric_host_is_not_merged():
    """UNSAFE_SHARED_HOST: h0 carries two VMs, h1 one, so announcing either differs."""
    spec = CONFIGS["UNSAFE_SHARED_HOST"].spec()
    sym = Symmetry.of(spec)
    s0 = spec.initial_state()
    a = spec.step(s0, Step("platform_announce_event", ("h0", "Freeze")))
    b = spec.step(s0, Step("platform_announce_event", ("h1", "Freeze")))
    assert sym.canonical(a) != sym.canonical(b)


def test_redeploy_pins_hosts_in_place():
    """With allow_redeploy the target is the first patched host in topology order, so
    hosts are not interchangeable and keep their places."""
    cfg = CONFIGS["TINY"]
    spec = type(cfg.spec())(cfg.topology, replace(cfg.params, allow_redeploy=True))
    sym = Symmetry.of(spec)
    assert not sym.hosts_free
    for s in _bfs(spec, 300):
        c = sym.canonical(s)
        assert c.hosts == s.hosts
