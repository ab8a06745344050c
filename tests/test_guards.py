"""Every guard clause names its rules: a refused step says which clause of which action's guard
failed and the rules it enforces.  Every clause is met as a refusal on a reachable state of the
exhaustive TINY/SMALL spaces, or says why it is structural (and then never is); every rule an
action or a clause names exists, and the actions' docstrings cite the rules they declare."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import replace

import pytest

from vmspec.model import (
    ACTIONS,
    CONFIGS,
    EVENT_TYPES,
    MAX_ROUNDS,
    SMALL,
    TINY,
    VM,
    ActionNotEnabled,
    AvailabilitySet,
    Host,
    Spec,
    State,
    Step,
    Topology,
    profile,
)
from vmspec.model.spec import Refusal
from vmspec.model.state import OUTSIDE
from vmspec.properties.catalogue.mutants import mutant
from vmspec.properties.catalogue.rules import RULE_BY_ID


def _arguments(spec: Spec, s: State, kind: str) -> tuple:
    """Every argument of `kind` an action could be asked to take in `s` (as the method takes it)."""
    g = spec.params.granularity
    return {
        "host": tuple(range(len(s.hosts))),
        "vm": tuple(range(len(s.vms))),
        "event": tuple(spec.event_id(h, r) for h in range(len(s.hosts)) for r in range(1, MAX_ROUNDS + 1)),
        "event_type": EVENT_TYPES,
        "seconds": (0, g, 10 * spec.params.pause_bound, *spec.time_choices(s)),
        "approver": (*range(len(s.vms)), OUTSIDE),
    }[kind]


def _refusals(spec: Spec, s: State) -> set[tuple[str, str]]:
    """(action, clause) of every refusal any action gives in `s`, on every argument."""
    out = set()
    for a in ACTIONS:
        method = getattr(spec, a.name)
        argss = [()]
        for kind in a.args:
            argss = [(*args, x) for args in argss for x in _arguments(spec, s, kind)]
        for args in argss:
            nxt = method(s, *args)
            if isinstance(nxt, Refusal):
                out.add((nxt.action, nxt.name))
            else:
                assert isinstance(nxt, State), f"{a.name}{args} returned {nxt!r}"
    return out


def _bfs(spec: Spec, wanted: set[tuple[str, str]] | None = None, limit: int | None = None) -> tuple[set, int]:
    """Refusals met on the reachable states, breadth-first; stops once `wanted` are all met."""
    s0 = spec.initial_state()
    seen, queue, met = {s0}, deque([s0]), set()
    while queue and (limit is None or len(seen) < limit):
        s = queue.popleft()
        met |= _refusals(spec, s)
        if wanted is not None and wanted <= met:
            break
        for _, t in spec.successors(s):
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return met, len(seen)


CLAUSES = [(a.name, c) for a in ACTIONS for c in a.clauses]
STRUCTURAL = {(name, c.name) for name, c in CLAUSES if c.structural}
REACHABLE = {(name, c.name) for name, c in CLAUSES if not c.structural}


@pytest.fixture(scope="module")
def tiny_refusals():
    met, states = _bfs(TINY.spec())
    assert states == 11931
    return met


def test_every_clause_names_known_rules_and_says_what_failed():
    assert len(CLAUSES) >= 45
    for name, c in CLAUSES:
        assert c.action == name and c.name and c.clause, (name, c)
        assert c.rules, f"{name}: clause {c.name} names no rule"
        for r in c.rules:
            assert r in RULE_BY_ID, f"{name}: clause {c.name} names unknown rule {r}"
        assert not c, "a refusal must be falsy"


def test_every_action_declares_known_rules_cited_by_its_docstring():
    for a in ACTIONS:
        for r in a.rules:
            assert r in RULE_BY_ID, f"{a.name} declares unknown rule {r}"
        cited = set(re.findall(r"\bR\d+\b", getattr(Spec, a.name).__doc__ or ""))
        assert cited == set(a.rules), f"{a.name}: docstring cites {sorted(cited)}, declared {sorted(a.rules)}"


def _with_spare_host(config):
    """`config` plus a host that carries no VM (TINY and SMALL have none)."""
    topo = config.topology
    return Spec(replace(topo, hosts=topo.hosts + (replace(topo.hosts[0], name="spare"),)), config.params)


def _two_redeploys_of_one_update_domain():
    """Two hosts of update domain 0 whose Redeploys run at once and share the spare host: the
    second waits while the first one's VMs reboot there (R26's `no_target`)."""
    a = AvailabilitySet("as0", update_domains=2, fault_domains=2)
    topo = Topology((a,), (Host("h0", update="reboot"), Host("h0b", update="reboot"), Host("spare")),
                    (VM("vm0", "as0", 0, 0, "h0"), VM("vm0b", "as0", 0, 1, "h0b")))
    return Spec(topo, profile("dev-timing", allow_redeploy=True))


def _multi_host(config, **overrides):
    """`config` where the platform may announce an event for several hosts at once (R30), with a
    spare host and the given parameters."""
    spec = _with_spare_host(config)
    return Spec(spec.topology, replace(spec.params, multi_host_events=True, **overrides))


def _witnesses():
    """What TINY cannot show, and where each is shown: (why, spec, the actions whose clauses it
    is searched for, or single (action, clause) pairs).  A search stops once the missing clauses of its actions are all met, so no
    search runs to its limit for a clause that only another one can show."""
    user_redeploys = CONFIGS["REDEPLOY_TARGET"]
    return (
        ("R22 needs a host carrying two update domains", CONFIGS["UNSAFE_SHARED_HOST"].spec(),
         {"platform_announce_event"}),
        ("a failure's refusals need hardware failures (R34) and a host with no VM",
         _with_spare_host(CONFIGS["UNPLANNED"]), {"host_hardware_failure", "platform_announce_event"}),
        ("R26's no_target: two Redeploys of one update domain share the spare host",
         _two_redeploys_of_one_update_domain(), {"host_redeploy"}),
        ("R29: a tenant approving twice", CONFIGS["ALL_TENANTS"].spec(), {"app_approve_event"}),
        ("R27: h0's VMs move in turn (one event each, up to its last EventId) and h1's target may be "
         "taken before it moves", CONFIGS["LIVE_MIGRATION"].spec(), {"host_live_migrate", "platform_announce_event"}),
        ("R35 is refused on a patched host only where a Redeploy moved its VM there",
         Spec(user_redeploys.topology, replace(user_redeploys.params, user_events=True)), {"user_reboot_vm"}),
        ("R30 with R22: a host of two update domains is never part of a group", _multi_host(CONFIGS["UNSAFE_SHARED_HOST"]),
         {"platform_announce_group"}),
        ("R30 with R27: a live migration is never a group",
         Spec(CONFIGS["LIVE_MIGRATION"].topology, replace(CONFIGS["LIVE_MIGRATION"].params, multi_host_events=True)),
         {("platform_announce_group", "live_migration"), ("platform_announce_group", "rounds")}),
        ("R30: a Redeploy stays with one host, and a host no other can join is announced alone",
         _multi_host(CONFIGS["SET_WIDE"], allow_redeploy=True), {"platform_announce_group"}),
        ("R36, R37: a regular VM is not preempted, a Spot VM's host already has an event, a Terminate waits for "
         "another", CONFIGS["SPOT_SCALE_SET"].spec(), {"platform_preempt_vm", "user_delete_vm", "platform_start_event"}),
        ("R37: only a scale set's VM is deleted under a Terminate", Spec(TINY.topology, replace(TINY.params,
                                                                                                terminate_timeout=300)),
         {"user_delete_vm"}),
        ("R36, R37 are refused on a patched host only where a Redeploy moved the VM there", _scale_set_redeploys(),
         {"platform_preempt_vm", "user_delete_vm"}),
    )


def _scale_set_redeploys():
    """REDEPLOY_TARGET as a scale set whose vm1 is a Spot VM, with evictions and terminate notifications."""
    c = CONFIGS["REDEPLOY_TARGET"]
    topo = replace(c.topology, availability_sets=tuple(replace(a, scale_set=True) for a in c.topology.availability_sets),
                   vms=tuple(replace(v, spot=v.name == "vm1") for v in c.topology.vms))
    return Spec(topo, replace(c.params, spot_evictions=True, terminate_timeout=300))


def test_every_clause_is_refused_on_a_reachable_state_or_is_structural(tiny_refusals):
    missing = REACHABLE - tiny_refusals
    for _why, spec, actions in _witnesses():
        wanted = {c for c in missing if c[0] in actions or c in actions}  # an action's clauses, or one clause
        if wanted:
            met, _ = _bfs(spec, wanted=wanted, limit=20_000)
            missing -= met
    assert not missing, f"clauses refused neither on TINY nor on their witness and not marked structural: {sorted(missing)}"


def test_structural_clauses_never_refuse_on_tiny(tiny_refusals):
    assert STRUCTURAL and not STRUCTURAL & tiny_refusals, sorted(STRUCTURAL & tiny_refusals)


@pytest.mark.slow
def test_structural_clauses_never_refuse_on_small_and_unsafe():
    for name in ("SMALL", "UNSAFE_SHARED_HOST"):
        met, _ = _bfs(CONFIGS[name].spec())
        assert not STRUCTURAL & met, (name, sorted(STRUCTURAL & met))


def test_structural_clause_refuses_under_a_mutant_that_breaks_its_reason():
    """`needs_reboot` of host_apply_patch is structural in the model; a spec that announces a
    reboot update as a Freeze meets it (the safety net is live code, not dead)."""
    class FreezeAnything(Spec):
        def event_types_for(self, s, h):
            return ("Freeze",)

    spec = FreezeAnything(SMALL.topology, SMALL.params)
    s = spec.initial_state()
    for st in (Step("platform_announce_event", ("h2", "Freeze")), Step("time_passes", (30,)),
               Step("platform_start_event", ("h2#1",)), Step("host_freeze", ("h2",))):
        s = spec.step(s, st)
    with pytest.raises(ActionNotEnabled) as info:
        spec.step(s, Step("host_apply_patch", ("h2",)))
    assert (info.value.clause, info.value.rules) == ("the update needs a reboot and cannot be applied in place", ("R6",))


def _run(spec: Spec, *steps: tuple[str, tuple]) -> State:
    s = spec.initial_state()
    for name, args in steps:
        s = spec.step(s, Step(name, args))
    return s


def _refused(spec: Spec, s: State, name: str, *args) -> ActionNotEnabled:
    with pytest.raises(ActionNotEnabled) as info:
        spec.step(s, Step(name, args))
    return info.value


START_H0 = (("platform_announce_event", ("h0", "Freeze")), ("time_passes", (30,)), ("platform_start_event", ("h0#1",)))


def test_a_refusal_names_action_clause_and_rules_in_its_message():
    spec = TINY.spec()
    s = _run(spec, *START_H0, ("host_freeze", ("h0",)))
    exc = _refused(spec, s, "platform_resume_host", "h0")  # resuming an unpatched host normally
    assert (exc.action, exc.rules, exc.refusal.name) == ("platform_resume_host", ("R6", "R2"), "unpatched")
    assert str(exc) == (f"platform_resume_host(h0) refused by guard of platform_resume_host: {exc.clause} (R6, R2)")
    exc = _refused(spec, s, "host_reboot", "h0")  # frozen already: not a Started maintenance any more
    assert exc.refusal.name == "not_started" and "R7" in exc.rules


def test_refusals_the_implementations_meet_name_their_rules():
    spec = replace(SMALL, params=replace(SMALL.params)).spec()
    # rebooting under a Started Freeze
    s = _run(spec, *START_H0)
    exc = _refused(spec, s, "host_reboot", "h0")
    assert (exc.refusal.name, exc.rules) == ("not_reboot", ("R15",))
    # completing an event while its VMs still reboot
    s = _run(spec, ("platform_announce_event", ("h2", "Reboot")), ("time_passes", (30,)),
             ("platform_start_event", ("h2#1",)), ("host_reboot", ("h2",)))
    exc = _refused(spec, s, "platform_complete_event", "h2#1")
    assert (exc.refusal.name, exc.rules) == ("vms_not_back", ("R13", "R7"))
    # starting a cancelled EventId
    s = _run(spec, ("platform_announce_event", ("h0", "Freeze")), ("platform_cancel_event", ("h0#1",)))
    exc = _refused(spec, s, "platform_start_event", "h0#1")
    assert (exc.refusal.name, exc.rules) == ("removed", ("R12",))
    # starting an event that was never announced, and a second slice at once
    assert _refused(spec, s, "platform_start_event", "h1#1").refusal.name == "unknown"
    s = _run(spec, *START_H0, ("platform_announce_event", ("h1", "Freeze")), ("time_passes", (30,)))
    exc = _refused(spec, s, "platform_start_event", "h1#1")
    assert (exc.refusal.name, exc.rules) == ("slice_busy", ("R5",))


def test_unknown_actions_and_bad_arguments_are_not_guard_refusals():
    spec, s = TINY.spec(), TINY.spec().initial_state()
    exc = _refused(spec, s, "reboot_everything")
    assert (exc.clause, exc.rules, exc.refusal) == ("unknown action", (), None)
    exc = _refused(spec, s, "host_freeze", "nohost")
    assert (exc.action, exc.clause, exc.refusal) == ("host_freeze", "bad arguments", None)
    exc = _refused(spec, s, "platform_announce_event", "h0")
    assert exc.clause == "bad arguments" and "expected 2 (host, event_type), got 1" in str(exc)


def test_an_override_that_returns_none_is_refused_as_unspecified():
    m = mutant("resume_forgotten")
    spec = m.spec(TINY.topology, TINY.params)
    s = _run(spec, *START_H0, ("host_freeze", ("h0",)), ("host_apply_patch", ("h0",)))
    exc = _refused(spec, s, "platform_resume_host", "h0")
    assert (exc.clause, exc.rules, exc.refusal.name) == ("unspecified", (), "unspecified")
    assert "refused by guard of platform_resume_host: unspecified" in str(exc)
    # a mutant that wraps the model's action passes the model's refusal through
    spec = mutant("incarnation_not_bumped").spec(TINY.topology, TINY.params)
    exc = _refused(spec, spec.initial_state(), "platform_start_event", "h0#1")
    assert exc.refusal.name == "unknown"


def test_refusal_reports_the_clause_or_none(tiny_refusals):
    spec = TINY.spec()
    s = _run(spec, *START_H0)
    assert spec.refusal(s, Step("host_freeze", ("h0",))) is None
    assert spec.refusal(s, Step("platform_start_event", ("h0#1",))).name == "not_scheduled"
    with pytest.raises(ActionNotEnabled):
        spec.refusal(s, Step("host_freeze", ("nohost",)))
