"""Symmetry reduction: the canonical form is a symmetry image that commutes with the
next-state relation and keeps every property verdict, and it merges symmetric states."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vmspec.model import CONFIGS, Spec, Step
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


@pytest.fixture(scope="module", params=["TINY", "SMALL", "UNSAFE_SHARED_HOST", "SET_APPROVALS"])
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
    """UNSAFE_SHARED_HOST: h0 carries two VMs, h1 one, so announcing either differs (R22
    turned off, so that h0 may be announced at all)."""
    cfg = CONFIGS["UNSAFE_SHARED_HOST"]
    spec = Spec(cfg.topology, replace(cfg.params, resources_one_update_domain=False))
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


# ---------------------------------------------------------------------- only where sound


def _wipes_on_freeze_of(first: int, second: int, declare: bool):
    """A variant that is not symmetric in hosts: freezing host `first` wipes its VMs' memory
    once host `second` is patched (R15).  `declare` makes it claim symmetry all the same."""
    from vmspec.model import Spec
    from vmspec.model.state import BLANK, FROZEN

    class WipesOnFreezeOfOneHost(Spec):
        def host_freeze(self, s, h):
            nxt = super().host_freeze(s, h)
            if not nxt or h != first or not s.hosts[second].patched:
                return nxt
            return replace(nxt, vms=tuple(
                replace(v, memory=BLANK, snapshot=BLANK) if v.status == FROZEN and s.vms[i].status != FROZEN else v
                for i, v in enumerate(nxt.vms)))

    if declare:
        WipesOnFreezeOfOneHost.symmetric = True
    return WipesOnFreezeOfOneHost


def _shortest(spec_class, symmetry):
    from vmspec.properties.engines.explore import explore

    cfg = CONFIGS["TINY"]
    r = explore(spec_class(cfg.topology, cfg.params), config="TINY", symmetry=symmetry, keep_graph=False,
                stop_when=("memory_lost_only_by_reboot",))
    return r, len(r.counterexamples["memory_lost_only_by_reboot"])


def test_an_asymmetric_spec_is_explored_without_reduction():
    """Undeclared, the variant is explored unreduced even when reduction is asked for, and finds
    the true shortest violation; had it lied about its symmetry, reduction would have merged
    the state it needs with its mirror image and reported a longer one."""
    from vmspec.properties.engines.explore import summary

    honest, n = _shortest(_wipes_on_freeze_of(0, 1, declare=False), symmetry=True)
    assert not honest.symmetry and honest.symmetry_refused == "WipesOnFreezeOfOneHost"
    assert "does not declare itself symmetric" in summary(honest)
    _, unreduced = _shortest(_wipes_on_freeze_of(0, 1, declare=False), symmetry=False)
    liar, reduced = _shortest(_wipes_on_freeze_of(0, 1, declare=True), symmetry=True)
    assert liar.symmetry and n == unreduced == 10 and reduced == 11


def test_declarations_are_checked_on_the_class_itself():
    from vmspec.properties.catalogue.mutants import MUTANTS
    from vmspec.properties.engines.symmetry import declared_symmetric

    cfg = CONFIGS["TINY"]
    assert declared_symmetric(cfg.spec())
    undeclared = {m.name for m in MUTANTS if not declared_symmetric(m.spec(cfg.topology, cfg.params))}
    assert undeclared == {"migrate_under_freeze"}
    inherited = type("Sub", (MUTANTS[0].spec_class,), {})  # an override could break what its parent declared
    assert not declared_symmetric(inherited(cfg.topology, cfg.params))


def test_the_canonical_key_is_the_encoding_of_the_canonical_form():
    """The explorer's key is built from the encoding directly; it must be exactly the
    canonical State encoded, on every state the search meets (TINY, and AZURE_DEFAULT's first)."""
    from vmspec.model import AZURE_DEFAULT, TINY
    from vmspec.properties.engines.encoding import encode

    for config, bound in ((TINY, None), (AZURE_DEFAULT, 600)):
        spec = config.spec()
        sym = Symmetry.of(spec)
        seen, order = {spec.initial_state()}, [spec.initial_state()]
        for s in order:
            if bound and len(order) > bound:
                break
            for _, t in spec.successors(s):
                if t not in seen:
                    seen.add(t)
                    order.append(t)
        for s in order:
            assert sym.key(s, encode(s)) == encode(sym.canonical(s))
