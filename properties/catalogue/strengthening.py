"""Strengthening invariants for the inductive proofs (`vmspec.properties.engines.z3`, notes/proofs.md).

Each is a plain safety property of the model, registered in the one registry
(`vmspec.properties.catalogue.registry`) and checked by every engine like the rules' own
properties; the Z3 induction needs them because the rules alone are not inductive.  Each
mutant's `also_breaks` shows one of them caught (tests/test_mutant_coverage.py).
"""

from __future__ import annotations

from vmspec.model import Spec, State
from vmspec.model.state import (
    ANNOUNCED,
    FROZEN,
    GONE,
    IDLE,
    MEMORY_TOKENS,
    REBOOTING,
    RUNNING,
    SCHEDULED,
    STARTED_STATUS,
    USER_SOURCE,
)
from vmspec.properties.catalogue.registry import ALWAYS, _eviction_unfit, _host, _slices, _vm, prop

_IN_FLIGHT_STARTED = ("started", "frozen", "rebooting", "recovered")  # host phases under a Started event


def _events_of_host(s: State, h: int) -> list:
    return [e for e in s.events if e.host == h or h in e.also_hosts]


def _impact_host(s: State, e, i: int) -> int:  # type: ignore[no-untyped-def]
    """The host through which event `e` impacts VM `i`: the event's own host, or for an event
    of several hosts the one the VM sits on (R30)."""
    return s.vms[i].host if e.also_hosts else e.host


@prop("event_matches_phase", ALWAYS, "R13", reads=("hosts", "events"))
def event_matches_phase(spec: Spec, s: State) -> str | None:
    """A host has one event in the document exactly while its maintenance is in flight:
    Scheduled while announced, Started afterwards, a Freeze while frozen, a Reboot or
    Redeploy while rebooting."""
    for h, x in enumerate(s.hosts):
        evs = _events_of_host(s, h)
        if len(evs) > 1:
            return f"host {_host(spec, h)} has {len(evs)} events in the document"
        e = evs[0] if evs else None
        if (e is None) != (x.phase == IDLE):
            return f"host {_host(spec, h)} is {x.phase} with {'no event' if e is None else 'event ' + e.event_id}"
        if e is None:
            continue
        want = SCHEDULED if x.phase == ANNOUNCED else STARTED_STATUS
        if e.status != want:
            return f"host {_host(spec, h)} is {x.phase} but its event {e.event_id} is {e.status}"
        if (x.phase == "frozen") != (e.event_type == "Freeze") and x.phase in ("frozen", "rebooting"):
            return f"host {_host(spec, h)} is {x.phase} under {e.event_type} {e.event_id}"
    return None


@prop("notbefore_while_scheduled", ALWAYS, "R11", reads=("events",))
def notbefore_while_scheduled(spec: Spec, s: State) -> str | None:
    """An event has a NotBefore (zero or ahead) exactly while it is Scheduled."""
    for e in s.events:
        if (e.status == SCHEDULED) != (e.not_before_in is not None):
            return f"event {e.event_id} is {e.status} with NotBefore {e.not_before_in!r}"
        if e.not_before_in is not None and e.not_before_in < 0:
            return f"event {e.event_id} has NotBefore {e.not_before_in} s ahead"
    return None


_STATUS_IN_PHASE = {ANNOUNCED: RUNNING, "started": RUNNING, "frozen": FROZEN, "rebooting": REBOOTING,
                    "recovered": RUNNING}


@prop("impacted_vms_match_phase", ALWAYS, "R7", reads=("hosts", "vms", "events"))
def impacted_vms_match_phase(spec: Spec, s: State) -> str | None:
    """The VMs an event names are running until its host freezes or reboots them, frozen on
    that host while it is frozen, rebooting while it reboots, and running once recovered."""
    for e in s.events:
        for i in e.resources:
            h = _impact_host(s, e, i)
            phase = s.hosts[h].phase
            want = _STATUS_IN_PHASE.get(phase)
            v = s.vms[i]
            if want is not None and v.status != want:
                return f"VM {_vm(spec, i)} is {v.status} while host {_host(spec, h)} is {phase}"
            if phase in (ANNOUNCED, "started", "frozen") and v.host not in e.hosts:
                return f"VM {_vm(spec, i)} named by {e.event_id} is on {_host(spec, v.host)} while {phase}"
    return None


@prop("impacted_vm_named_by_its_event", ALWAYS, "R7", reads=("hosts", "vms", "events"))
def impacted_vm_named_by_its_event(spec: Spec, s: State) -> str | None:
    """A frozen VM is named by the event of its own host, which is frozen; a rebooting VM is
    named by the event of a rebooting host and sits on a patched host, unless a hardware
    failure (R34) or its user's request (R35) restarts it."""
    for i, v in enumerate(s.vms):
        if v.status == FROZEN:
            e = s.event_of_host(v.host)
            if s.hosts[v.host].phase != "frozen" or e is None or i not in e.resources:
                return f"VM {_vm(spec, i)} is frozen but host {_host(spec, v.host)}'s event does not freeze it"
        elif v.status == REBOOTING:
            if not any(i in e.resources and s.hosts[_impact_host(s, e, i)].phase == "rebooting" for e in s.events):
                return f"VM {_vm(spec, i)} is rebooting but no rebooting host's event names it"
            if not s.hosts[v.host].patched and not any(i in e.resources and not e.maintenance for e in s.events):
                return f"VM {_vm(spec, i)} is rebooting on unpatched host {_host(spec, v.host)}"
    return None


@prop("vm_named_by_one_event", ALWAYS, "R7", reads=("vms", "events"))
def vm_named_by_one_event(spec: Spec, s: State) -> str | None:
    """No VM is named in the Resources of two events at once."""
    for i in range(len(s.vms)):
        ids = [e.event_id for e in s.events if i in e.resources]
        if len(ids) > 1:
            return f"VM {_vm(spec, i)} is named by {', '.join(ids)}"
    return None


@prop("named_vm_on_event_host_or_patched", ALWAYS, "R14", reads=("hosts", "vms", "events"))
def named_vm_on_event_host_or_patched(spec: Spec, s: State) -> str | None:
    """A VM named by an event sits on that event's host, or on a patched host it was redeployed to."""
    for e in s.events:
        for i in e.resources:
            h = s.vms[i].host
            if h not in e.hosts and not s.hosts[h].patched:
                return f"VM {_vm(spec, i)} named by {e.event_id} is on unpatched host {_host(spec, h)}"
    return None


@prop("unplanned_reboot_impacts_at_once", ALWAYS, "R34", reads=("hosts", "events"))
def unplanned_reboot_impacts_at_once(spec: Spec, s: State) -> str | None:
    """An event without notice is a Started Reboot whose host's VMs are rebooting or back: a
    hardware failure impacts at once and is never started, rebooted or patched as maintenance."""
    for e in s.events:
        if e.unplanned and (e.status != STARTED_STATUS or s.hosts[e.host].phase not in ("rebooting", "recovered")):
            return f"event {e.event_id} gave no notice but is {e.status} with host {_host(spec, e.host)} " \
                   f"{s.hosts[e.host].phase}"
    return None


@prop("user_event_is_a_reboot", ALWAYS, "R35", reads=("events",))
def user_event_is_a_reboot(spec: Spec, s: State) -> str | None:
    """An event with EventSource User is a Reboot: its user's restart, never a Freeze that could
    carry an in-place update."""
    for e in s.events:
        if e.source == USER_SOURCE and e.event_type != "Reboot":
            return f"event {e.event_id} has EventSource User but is a {e.event_type}"
    return None


@prop("eviction_names_its_kind_of_vm", ALWAYS, "R36", reads=("events",))
def eviction_names_its_kind_of_vm(spec: Spec, s: State) -> str | None:
    """A Preempt names only Spot VMs (R36), a Terminate only VMs of a scale set (R37)."""
    for e in s.events:
        if not e.eviction:
            continue
        for i in e.resources:
            unfit = _eviction_unfit(spec, e.event_type, i)
            if unfit:
                return f"{e.event_type} {e.event_id} names {_vm(spec, i)}, which is {unfit}"
    return None


@prop("gone_vm_named_by_no_event", ALWAYS, "R36", reads=("vms", "events"))
def gone_vm_named_by_no_event(spec: Spec, s: State) -> str | None:
    """A VM gone (R36, R37) is named by no event in the document: its eviction removed its event,
    and no later event names it."""
    for e in s.events:
        for i in e.resources:
            if s.vms[i].status == GONE:
                return f"event {e.event_id} names {_vm(spec, i)}, which is gone"
    return None


@prop("started_events_one_slice", ALWAYS, "R5", reads=("events",))
def started_events_one_slice(spec: Spec, s: State) -> str | None:
    """The Started events together name at most one slice of each availability set, each VM counted by its event's type."""
    busy = [(i, e.event_type) for e in s.events if e.status == STARTED_STATUS for i in e.resources]
    for a, units in spec.impacted_slices(busy).items():
        if len(units) > 1:
            aset = spec.topology.availability_sets[a].name
            named = f"{len(units)} slices" if len({k for k, _ in units}) == 1 else _slices(units)
            return f"Started events name {named} of availability set {aset}"
    return None


@prop("event_ids_current", ALWAYS, "R12", reads=("hosts", "events", "removed"))
def event_ids_current(spec: Spec, s: State) -> str | None:
    """An event's EventId names its host's latest round, and every removed EventId names an
    earlier-announced round of its host (notes/decisions.md D4)."""
    for e in s.events:
        want = f"{_host(spec, e.host)}#{s.hosts[e.host].rounds}"
        if e.event_id != want or s.hosts[e.host].rounds < 1:
            return f"event {e.event_id} of host {_host(spec, e.host)} should be {want}"
    if not s.removed:
        return None
    used = {f"{_host(spec, h)}#{r}" for h, x in enumerate(s.hosts) for r in range(1, x.rounds + 1)}
    for eid in sorted(s.removed - used):
        return f"removed EventId {eid} was never announced"
    return None


@prop("unsynced_clock_on_finished_host", ALWAYS, "R3", reads=("hosts", "vms"))
def unsynced_clock_on_finished_host(spec: Spec, s: State) -> str | None:
    """A clock awaiting its resync belongs to a running VM that lags, on a host that is
    patched or has been marked for a reboot (so it is never frozen again before the resync)."""
    for i, v in enumerate(s.vms):
        if v.unsynced_for is None:
            continue
        x = s.hosts[v.host]
        if v.status != RUNNING or v.clock_lag == 0 or not (x.patched or x.needs_reboot):
            return f"VM {_vm(spec, i)} awaits a resync while {v.status} with lag {v.clock_lag} on {_host(spec, v.host)}"
    return None


@prop("freeze_only_for_in_place_update", ALWAYS, "R6", reads=("hosts", "events"))
def freeze_only_for_in_place_update(spec: Spec, s: State) -> str | None:
    """A host announced, started or frozen under a Freeze has an update that can be applied
    in place (the watchdog marks it for a reboot only as it resumes the VMs)."""
    for e in s.events:
        for h in e.hosts:
            x = s.hosts[h]
            if e.event_type == "Freeze" and x.phase in (ANNOUNCED, "started", "frozen") and x.needs_reboot:
                return f"host {_host(spec, h)} is {x.phase} under Freeze {e.event_id} but its update needs a reboot"
    return None


@prop("unpatched_until_impact", ALWAYS, "R6", reads=("hosts",))
def unpatched_until_impact(spec: Spec, s: State) -> str | None:
    """A host whose maintenance is announced or started, VMs not yet impacted, is not yet patched."""
    for h, x in enumerate(s.hosts):
        if x.phase in (ANNOUNCED, "started") and x.patched:
            return f"host {_host(spec, h)} is already patched while {x.phase}"
    return None


@prop("timers_in_range", ALWAYS, "R0", reads=("hosts", "vms"))
def timers_in_range(spec: Spec, s: State) -> str | None:
    """Timers are never negative, a VM has a pause timer and a snapshot exactly while it is
    frozen, a snapshot is a memory token, and a host has used at most MAX_ROUNDS EventIds."""
    from vmspec.model import MAX_ROUNDS

    for i, v in enumerate(s.vms):
        if (v.frozen_for is None) == (v.status == FROZEN) or (v.snapshot is None) == (v.status == FROZEN):
            return f"VM {_vm(spec, i)} is {v.status} with frozen_for={v.frozen_for} snapshot={v.snapshot}"
        for name in ("frozen_for", "unsynced_for"):
            value = getattr(v, name)
            if value is not None and value < 0:
                return f"VM {_vm(spec, i)} has {name} {value}"
        if v.snapshot is not None and v.snapshot not in MEMORY_TOKENS:
            return f"VM {_vm(spec, i)} has snapshot {v.snapshot!r}"
    for h, x in enumerate(s.hosts):
        if not 0 <= x.rounds <= MAX_ROUNDS:
            return f"host {_host(spec, h)} has used {x.rounds} rounds"
    return None
