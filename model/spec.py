"""The next-state relation of memory-preserving maintenance.

`Spec(topology, params)` is the executable specification.  Each action is a method named
after its actor and the domain event; it checks its guard first and returns None when
the guard fails, otherwise the next state.  `successors(state)` is the one deterministic
next-state generator: the explorer, the Hypothesis machine, replay, trace checking and
the Z3 cross-check all go through it (or through `step`, which is built on the same
actions), so no guard is written twice.

Modelled (rule ids refer to notes/spec.md): the Scheduled Events lifecycle of one event
per host maintenance (announce, approve, start, cancel, complete; R8-R13), the freeze /
patch / resume cycle with its pause bound and watchdog (R1, R2, R6), clock resync (R3,
R4), announced reboots and redeploys that lose memory legitimately (R14, R15), the
sequencing slice (R5) and the passage of time.

Left out: the IMDS transport (headers, rate limits), maintenance configurations and the
35-day window, health-signal stops, the 30-minute recovery gap between rebooted update
domains, zones, regions and scale sets (see notes/spec.md, "Not checked").

Time: while something is timing (a frozen VM, a clock awaiting resync) time advances one
granule at a time; otherwise it jumps to the next NotBefore deadline, or by one granule
when there is none (notes/decisions.md D1).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from vmspec.model.params import Params
from vmspec.model.state import (
    ANNOUNCED,
    BLANK,
    FROZEN,
    IDLE,
    IN_FREEZE,
    IN_REBOOT,
    LOADED,
    REBOOTING,
    RECOVERED,
    RUNNING,
    SCHEDULED,
    STARTED,
    STARTED_STATUS,
    Event,
    HostState,
    State,
    VMState,
    written,
)
from vmspec.model.topology import Topology

PLATFORM, APPLICATION, ENVIRONMENT = "platform", "application", "environment"


class Step(NamedTuple):
    """One action with its arguments (host names, VM names, EventIds or seconds)."""

    name: str
    args: tuple

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.args))})"


class ActionNotEnabled(ValueError):
    """`step` was asked to apply an action whose guard is false in the given state."""


@dataclass(frozen=True, slots=True)
class ActionInfo:
    name: str
    actor: str  # platform, application or environment
    fair: bool  # weakly fair: if enabled forever it is eventually taken
    kind: str  # what the arguments name: host, vm, event or seconds
    doc: str


# The actions in the order `successors` tries them.  Fairness: the platform's actions and
# the passage of time are weakly fair; an application may never approve.
ACTIONS: tuple[ActionInfo, ...] = (
    ActionInfo("platform_announce_event", PLATFORM, True, "host", "announce a Freeze, Reboot or Redeploy for a host"),
    ActionInfo("platform_patch_empty_host", PLATFORM, True, "host", "patch a host that carries no VM"),
    ActionInfo("app_approve_event", APPLICATION, False, "event", "an application approves a Scheduled event"),
    ActionInfo("platform_start_event", PLATFORM, True, "event", "a Scheduled event starts"),
    ActionInfo("platform_cancel_event", PLATFORM, False, "event", "a Scheduled event is cancelled"),
    ActionInfo("host_freeze", PLATFORM, True, "host", "freeze the VMs of a host under a Started Freeze"),
    ActionInfo("host_apply_patch", PLATFORM, False, "host", "the in-place update is applied while frozen"),
    ActionInfo("platform_resume_host", PLATFORM, True, "host", "resume the frozen VMs of a patched host"),
    ActionInfo("platform_watchdog_resume", PLATFORM, True, "host", "resume before the bound; redo as a Reboot"),
    ActionInfo("host_reboot", PLATFORM, True, "host", "reboot the VMs of a host under a Started Reboot"),
    ActionInfo("host_redeploy", PLATFORM, True, "host", "move the VMs of a host under a Started Redeploy"),
    ActionInfo("host_boot_vms", PLATFORM, True, "host", "rebooted VMs come back up"),
    ActionInfo("vm_clock_resync", PLATFORM, True, "vm", "step a resumed guest clock forward to host time"),
    ActionInfo("platform_complete_event", PLATFORM, True, "event", "remove a Started event once its VMs are back"),
    ActionInfo("time_passes", ENVIRONMENT, True, "seconds", "time passes; running guests write memory"),
)
ACTION_INFO = {a.name: a for a in ACTIONS}

# The per-host actions after the document's, in the order `successors` tries them.
_HOST_ACTIONS = (
    "host_freeze",
    "host_apply_patch",
    "platform_resume_host",
    "platform_watchdog_resume",
    "host_reboot",
    "host_redeploy",
    "host_boot_vms",
)


def _evolve_event(e: Event, kw: dict) -> Event:
    """`e` with the fields in `kw` changed (a fast `dataclasses.replace`)."""
    new = Event(
        kw.pop("event_id", e.event_id), kw.pop("event_type", e.event_type), kw.pop("host", e.host),
        kw.pop("resources", e.resources), kw.pop("status", e.status), kw.pop("not_before_in", e.not_before_in),
        kw.pop("notice", e.notice), kw.pop("duration", e.duration), kw.pop("approved", e.approved),
    )
    if kw:
        raise TypeError(f"unknown Event fields {sorted(kw)}")
    return new


# At most this many events are announced per host: the first may be cancelled and
# re-announced once, and an aborted Freeze is redone as a Reboot (notes/decisions.md D4).
MAX_ROUNDS = 3


@dataclass(frozen=True)
class Spec:
    """The specification for one topology and one parameter set."""

    topology: Topology
    params: Params = field(default_factory=Params)

    def __post_init__(self) -> None:
        t = self.topology
        aset_ix = {a.name: i for i, a in enumerate(t.availability_sets)}
        host_ix = {h.name: i for i, h in enumerate(t.hosts)}
        vm_ix = {v.name: i for i, v in enumerate(t.vms)}
        kind = self.params.slice
        slices = []
        for i, v in enumerate(t.vms):
            unit = v.update_domain if kind == "update_domain" else v.fault_domain if kind == "fault_domain" else i
            slices.append((aset_ix[v.availability_set], unit))
        per_set: dict[int, set] = {}
        for a, unit in slices:
            per_set.setdefault(a, set()).add(unit)
        derived = {
            "host_names": tuple(h.name for h in t.hosts),
            "vm_names": tuple(v.name for v in t.vms),
            "host_ix": host_ix,
            "vm_ix": vm_ix,
            "vm_aset": tuple(aset_ix[v.availability_set] for v in t.vms),
            "vm_slice": tuple(slices),  # (availability set index, slice unit) per VM
            "multi_slice_sets": frozenset(a for a, units in per_set.items() if len(units) > 1),
            "frozen_cap": self.params.pause_bound + self.params.granularity,
            "unsynced_cap": self.params.resync_latency + self.params.granularity,
        }
        for k, val in derived.items():
            object.__setattr__(self, k, val)
        self._prepare_successors()

    def _prepare_successors(self) -> None:
        """Bind the actions and build their `Step` values once, so that `successors`, the
        hot loop of every exhaustive search, does no name lookups (performance only: the
        guards are still the methods below, overridable by mutants)."""
        hn, vn = self.host_names, self.vm_names
        host_actions = []
        for name in _HOST_ACTIONS:
            method = getattr(self, name)
            host_actions.append(tuple((method, Step(name, (hn[h],))) for h in range(len(hn))))
        cached = {
            "_host_actions": tuple(host_actions),
            "_patch_empty": tuple(Step("platform_patch_empty_host", (n,)) for n in hn),
            "_resync": tuple(Step("vm_clock_resync", (n,)) for n in vn),
            "_announce_steps": {},
            "_event_steps": {},
            "_time_steps": {},
        }
        for k, val in cached.items():
            object.__setattr__(self, k, val)

    # ------------------------------------------------------------------ queries

    def initial_state(self) -> State:
        hosts = tuple(HostState(False, h.update == "reboot", IDLE, 0) for h in self.topology.hosts)
        vms = tuple(
            VMState(RUNNING, self.host_ix[v.host], LOADED, None, None, 0, None) for v in self.topology.vms
        )
        return State(hosts, vms, (), 1, frozenset())

    def residents(self, s: State, host: int) -> tuple[int, ...]:
        """Indices of the VMs currently on `host`."""
        return tuple(i for i, v in enumerate(s.vms) if v.host == host)

    def rollout_complete(self, s: State) -> bool:
        """Every host patched and idle, no event left, every VM running with a synced clock."""
        return (
            not s.events
            and all(h.patched and h.phase == IDLE for h in s.hosts)
            and all(v.status == RUNNING and v.clock_lag == 0 for v in s.vms)
        )

    def event_id(self, host: int, round_: int) -> str:
        return f"{self.host_names[host]}#{round_}"

    def impacted_slices(self, vms: object) -> dict[int, set]:
        """Slice units per availability set among the given VM indices."""
        out: dict[int, set] = {}
        for i in vms:  # type: ignore[attr-defined]
            a, unit = self.vm_slice[i]
            out.setdefault(a, set()).add(unit)
        return out

    # ------------------------------------------------------------------ guards shared by several actions

    def event_types_for(self, s: State, h: int) -> tuple[str, ...]:
        """Which event types may announce the pending update of host `h` (S5, R6)."""
        if not s.hosts[h].needs_reboot:
            return ("Freeze",)
        if self.params.allow_redeploy and any(x.patched for i, x in enumerate(s.hosts) if i != h):
            return ("Reboot", "Redeploy")
        return ("Reboot",)

    def announced_notice(self, event_type: str) -> int:
        """The NotBefore lead time the platform gives an event of this type (R9)."""
        return self.params.notice_for(event_type)

    def slice_allows(self, s: State, resources: tuple[int, ...]) -> bool:
        """R5: starting an event on `resources` keeps at most one slice of each
        availability set under a Started event."""
        busy = [i for e in s.events if e.status == STARTED_STATUS for i in e.resources]
        return all(len(units) <= 1 for units in self.impacted_slices(busy + list(resources)).values())

    def start_allowed(self, e: Event) -> bool:
        """R8: a Scheduled event starts once NotBefore has passed or it was approved."""
        return e.not_before_in == 0 or e.approved

    def freeze_deadline_ok(self, s: State, dt: int) -> bool:
        """R2: time may not carry a frozen VM past the pause bound (the watchdog acts first)."""
        bound = self.params.pause_bound
        return all(v.frozen_for is None or v.frozen_for + dt <= bound for v in s.vms)

    def resync_deadline_ok(self, s: State, dt: int) -> bool:
        """R3: time may not carry an unsynced guest clock past the resync latency."""
        latency = self.params.resync_latency
        return all(v.unsynced_for is None or v.unsynced_for + dt <= latency for v in s.vms)

    def watchdog_due(self, s: State, h: int) -> bool:
        """One more granule would carry a VM of `h` past the pause bound."""
        g, bound = self.params.granularity, self.params.pause_bound
        return any(v.frozen_for is not None and v.frozen_for + g > bound for v in s.vms if v.host == h)

    def resumed_vm(self, v: VMState) -> VMState:
        """A frozen VM resumed: memory untouched, the guest clock still behind by the pause (R1, R3)."""
        lag = v.clock_lag
        return VMState(RUNNING, v.host, v.memory, None, None, lag, 0 if lag else None)

    # ------------------------------------------------------------------ document edits

    def _with_event(self, s: State, e: Event, hosts: tuple[HostState, ...]) -> State:
        events = tuple(sorted(s.events + (e,), key=lambda x: x.event_id))
        return State(hosts, s.vms, events, s.incarnation + 1, s.removed)

    def _replace_event(self, s: State, e: Event, **kw: object) -> tuple[Event, ...]:
        new = _evolve_event(e, kw)
        return tuple(new if x.event_id == e.event_id else x for x in s.events)

    def _without_event(self, s: State, e: Event) -> tuple[tuple[Event, ...], frozenset[str]]:
        return tuple(x for x in s.events if x.event_id != e.event_id), s.removed | {e.event_id}

    @staticmethod
    def _set(seq: tuple, i: int, value: object) -> tuple:
        return seq[:i] + (value,) + seq[i + 1 :]

    def _set_phase(self, s: State, h: int, phase: str, **kw: object) -> tuple[HostState, ...]:
        x = s.hosts[h]
        new = HostState(
            kw.pop("patched", x.patched), kw.pop("needs_reboot", x.needs_reboot), phase, kw.pop("rounds", x.rounds)
        )
        if kw:
            raise TypeError(f"unknown HostState fields {sorted(kw)}")
        return self._set(s.hosts, h, new)

    # ------------------------------------------------------------------ actions

    def platform_announce_event(self, s: State, h: int, event_type: str) -> State | None:
        """The platform announces maintenance of host `h` as a Scheduled event (R9)."""
        host = s.hosts[h]
        if host.patched or host.phase != IDLE or host.rounds >= MAX_ROUNDS:
            return None
        if event_type not in self.event_types_for(s, h):
            return None
        resources = self.residents(s, h)
        if not resources:
            return None
        notice = self.announced_notice(event_type)
        duration = self.params.expected_pause if event_type == "Freeze" else -1
        e = Event(self.event_id(h, host.rounds + 1), event_type, h, resources, SCHEDULED, notice, notice, duration, False)
        return self._with_event(s, e, self._set_phase(s, h, ANNOUNCED, rounds=host.rounds + 1))

    def platform_patch_empty_host(self, s: State, h: int) -> State | None:
        """A host that carries no VM is patched without any event."""
        host = s.hosts[h]
        if host.patched or host.phase != IDLE or self.residents(s, h):
            return None
        return State(self._set_phase(s, h, IDLE, patched=True, needs_reboot=False), s.vms, s.events, s.incarnation, s.removed)

    def app_approve_event(self, s: State, event_id: str) -> State | None:
        """An application approves a Scheduled event; one approval releases it for all its Resources."""
        e = s.event(event_id)
        if e is None or e.status != SCHEDULED or e.approved or not e.not_before_in:
            return None  # after NotBefore the event is approved by default (research 3.5)
        return State(s.hosts, s.vms, self._replace_event(s, e, approved=True), s.incarnation, s.removed)

    def platform_start_event(self, s: State, event_id: str) -> State | None:
        """A Scheduled event starts: NotBefore passed or approved (R8), and the slice allows it (R5)."""
        e = s.event(event_id)
        if e is None or e.status != SCHEDULED or not self.start_allowed(e):
            return None
        if not self.slice_allows(s, e.resources):
            return None
        events = self._replace_event(s, e, status=STARTED_STATUS, not_before_in=None)
        return State(self._set_phase(s, e.host, STARTED), s.vms, events, s.incarnation + 1, s.removed)

    def platform_cancel_event(self, s: State, event_id: str) -> State | None:
        """The platform judges a Scheduled event too risky and withdraws it (research 3.5, case 2)."""
        e = s.event(event_id)
        if e is None or e.status != SCHEDULED or s.hosts[e.host].rounds >= MAX_ROUNDS - 1:
            return None
        events, removed = self._without_event(s, e)
        return State(self._set_phase(s, e.host, IDLE), s.vms, events, s.incarnation + 1, removed)

    def host_freeze(self, s: State, h: int) -> State | None:
        """Freeze every VM of host `h` in place, keeping its memory (S2, R1, R14)."""
        e = s.event_of_host(h)
        if s.hosts[h].phase != STARTED or e is None or e.event_type != "Freeze":
            return None
        return self.frozen(s, h, e)

    def frozen(self, s: State, h: int, e: Event) -> State:
        """The effect of a freeze: each VM of `e` frozen with a snapshot of its memory."""
        vms = list(s.vms)
        for i in e.resources:
            v = vms[i]
            vms[i] = VMState(FROZEN, v.host, v.memory, v.memory, 0, v.clock_lag, v.unsynced_for)
        return State(self._set_phase(s, h, IN_FREEZE), tuple(vms), s.events, s.incarnation, s.removed)

    def host_apply_patch(self, s: State, h: int) -> State | None:
        """The in-place update is applied while the VMs are frozen; a reboot update cannot be (S5, R6)."""
        host = s.hosts[h]
        if host.phase != IN_FREEZE or host.patched or host.needs_reboot:
            return None
        return State(self._set_phase(s, h, IN_FREEZE, patched=True), s.vms, s.events, s.incarnation, s.removed)

    def platform_resume_host(self, s: State, h: int) -> State | None:
        """Resume the frozen VMs of a patched host with their memory intact (S3, R1)."""
        host = s.hosts[h]
        if host.phase != IN_FREEZE or not host.patched:
            return None
        vms = tuple(self.resumed_vm(v) if v.status == FROZEN and v.host == h else v for v in s.vms)
        return State(self._set_phase(s, h, RECOVERED), vms, s.events, s.incarnation, s.removed)

    def platform_watchdog_resume(self, s: State, h: int) -> State | None:
        """The patch overran: resume before the bound is crossed; the update is redone as a Reboot (S5, R2)."""
        host = s.hosts[h]
        if host.phase != IN_FREEZE or host.patched or not self.watchdog_due(s, h):
            return None
        vms = tuple(self.resumed_vm(v) if v.status == FROZEN and v.host == h else v for v in s.vms)
        hosts = self._set_phase(s, h, RECOVERED, needs_reboot=True)
        return State(hosts, vms, s.events, s.incarnation, s.removed)

    def host_reboot(self, s: State, h: int) -> State | None:
        """Under a Started Reboot the host is patched and its VMs restart; memory is lost (R15)."""
        e = s.event_of_host(h)
        if s.hosts[h].phase != STARTED or e is None or e.event_type != "Reboot":
            return None
        vms = list(s.vms)
        for i in e.resources:
            vms[i] = VMState(REBOOTING, vms[i].host, BLANK, None, None, 0, None)
        hosts = self._set_phase(s, h, IN_REBOOT, patched=True, needs_reboot=False)
        return State(hosts, tuple(vms), s.events, s.incarnation, s.removed)

    def redeploy_target(self, s: State, h: int) -> int | None:
        """A Redeploy moves the VMs to the first other host that is already patched."""
        return next((i for i, x in enumerate(s.hosts) if i != h and x.patched), None)

    def host_redeploy(self, s: State, h: int) -> State | None:
        """Under a Started Redeploy the VMs move to a patched host and restart; the
        vacated host is patched (research 3.3: "move to another node")."""
        e = s.event_of_host(h)
        if s.hosts[h].phase != STARTED or e is None or e.event_type != "Redeploy":
            return None
        target = self.redeploy_target(s, h)
        if target is None:
            return None
        vms = list(s.vms)
        for i in e.resources:
            vms[i] = VMState(REBOOTING, target, BLANK, None, None, 0, None)
        hosts = self._set_phase(s, h, IN_REBOOT, patched=True, needs_reboot=False)
        return State(hosts, tuple(vms), s.events, s.incarnation, s.removed)

    def host_boot_vms(self, s: State, h: int) -> State | None:
        """The VMs rebooted under the event of host `h` come back up, clocks synced at boot."""
        e = s.event_of_host(h)
        if s.hosts[h].phase != IN_REBOOT or e is None:
            return None
        vms = list(s.vms)
        for i in e.resources:
            v = vms[i]
            vms[i] = VMState(RUNNING, v.host, v.memory, None, None, 0, None)
        return State(self._set_phase(s, h, RECOVERED), tuple(vms), s.events, s.incarnation, s.removed)

    def vm_clock_resync(self, s: State, vm: int) -> State | None:
        """The host steps a resumed guest's wall clock forward to host time (S4, R3, R4)."""
        v = s.vms[vm]
        if v.status != RUNNING or v.clock_lag == 0:
            return None
        vms = self._set(s.vms, vm, VMState(RUNNING, v.host, v.memory, None, None, 0, None))
        return State(s.hosts, vms, s.events, s.incarnation, s.removed)

    def platform_complete_event(self, s: State, event_id: str) -> State | None:
        """A Started event whose VMs are all back is removed from the document (R13)."""
        e = s.event(event_id)
        if e is None or e.status != STARTED_STATUS or s.hosts[e.host].phase != RECOVERED:
            return None
        events, removed = self._without_event(s, e)
        return State(self._set_phase(s, e.host, IDLE), s.vms, events, s.incarnation + 1, removed)

    def time_choices(self, s: State) -> tuple[int, ...]:
        """How far time may advance from `s` (notes/decisions.md D1)."""
        g = self.params.granularity
        timing = any(v.frozen_for is not None or v.unsynced_for is not None for v in s.vms)
        if not timing:
            waits = [e.not_before_in for e in s.events if e.not_before_in]
            if waits:
                return (min(waits),)
        return (g,)

    def time_passes(self, s: State, dt: int) -> State | None:
        """`dt` seconds pass: running guests write memory, frozen clocks fall behind,
        NotBefore deadlines draw nearer.  Time never carries a freeze past its bound
        nor a clock past its resync latency."""
        if dt <= 0 or not self.freeze_deadline_ok(s, dt) or not self.resync_deadline_ok(s, dt):
            return None
        fcap, ucap = self.frozen_cap, self.unsynced_cap
        vms = []
        for v in s.vms:
            if v.status == RUNNING:
                unsynced = None if v.unsynced_for is None else min(v.unsynced_for + dt, ucap)
                v = VMState(RUNNING, v.host, written(v.memory), None, None, v.clock_lag, unsynced)
            elif v.status == FROZEN:
                frozen = min(v.frozen_for + dt, fcap)  # type: ignore[operator]
                v = VMState(FROZEN, v.host, v.memory, v.snapshot, frozen, min(v.clock_lag + dt, fcap), v.unsynced_for)
            vms.append(v)
        events = tuple(
            Event(e.event_id, e.event_type, e.host, e.resources, e.status, max(0, e.not_before_in - dt), e.notice,
                  e.duration, e.approved) if e.not_before_in else e
            for e in s.events
        )
        return State(s.hosts, tuple(vms), events, s.incarnation, s.removed)

    # ------------------------------------------------------------------ the next-state relation

    def candidates(self, s: State) -> Iterator[tuple[str, tuple, Callable[[], State | None]]]:
        """Every (action, readable args, thunk) worth trying in `s`, in a stable order."""
        hn, vn = self.host_names, self.vm_names
        for h in range(len(s.hosts)):
            for t in self.event_types_for(s, h):
                yield "platform_announce_event", (hn[h], t), lambda h=h, t=t: self.platform_announce_event(s, h, t)
            yield "platform_patch_empty_host", (hn[h],), lambda h=h: self.platform_patch_empty_host(s, h)
        for e in s.events:
            eid = e.event_id
            yield "app_approve_event", (eid,), lambda eid=eid: self.app_approve_event(s, eid)
            yield "platform_start_event", (eid,), lambda eid=eid: self.platform_start_event(s, eid)
            yield "platform_cancel_event", (eid,), lambda eid=eid: self.platform_cancel_event(s, eid)
        for h in range(len(s.hosts)):
            for name in _HOST_ACTIONS:
                yield name, (hn[h],), lambda h=h, name=name: getattr(self, name)(s, h)
        for i in range(len(s.vms)):
            yield "vm_clock_resync", (vn[i],), lambda i=i: self.vm_clock_resync(s, i)
        for e in s.events:
            eid = e.event_id
            yield "platform_complete_event", (eid,), lambda eid=eid: self.platform_complete_event(s, eid)
        for dt in self.time_choices(s):
            yield "time_passes", (dt,), lambda dt=dt: self.time_passes(s, dt)

    def successors(self, s: State) -> Iterator[tuple[Step, State]]:
        """Every enabled step from `s` with the state it leads to, in the stable order of
        `candidates` (which it unrolls with pre-built steps: the hot loop of the explorer)."""
        out: list[tuple[Step, State]] = []
        add = out.append
        hosts = range(len(s.hosts))
        announce, patch_empty = self._announce_steps, self._patch_empty
        for h in hosts:
            for t in self.event_types_for(s, h):
                nxt = self.platform_announce_event(s, h, t)
                if nxt is not None:
                    st = announce.get((h, t))
                    if st is None:
                        st = announce[(h, t)] = Step("platform_announce_event", (self.host_names[h], t))
                    add((st, nxt))
            nxt = self.platform_patch_empty_host(s, h)
            if nxt is not None:
                add((patch_empty[h], nxt))
        if s.events:
            approve, start, cancel = self.app_approve_event, self.platform_start_event, self.platform_cancel_event
            for e in s.events:
                steps = self._steps_of_event(e.event_id)
                eid = e.event_id
                nxt = approve(s, eid)
                if nxt is not None:
                    add((steps[0], nxt))
                nxt = start(s, eid)
                if nxt is not None:
                    add((steps[1], nxt))
                nxt = cancel(s, eid)
                if nxt is not None:
                    add((steps[2], nxt))
        host_actions = self._host_actions
        for h in hosts:
            for per_host in host_actions:
                method, st = per_host[h]
                nxt = method(s, h)
                if nxt is not None:
                    add((st, nxt))
        resync, resync_steps = self.vm_clock_resync, self._resync
        for i in range(len(s.vms)):
            nxt = resync(s, i)
            if nxt is not None:
                add((resync_steps[i], nxt))
        if s.events:
            complete = self.platform_complete_event
            for e in s.events:
                nxt = complete(s, e.event_id)
                if nxt is not None:
                    add((self._steps_of_event(e.event_id)[3], nxt))
        times = self._time_steps
        for dt in self.time_choices(s):
            nxt = self.time_passes(s, dt)
            if nxt is not None:
                st = times.get(dt)
                if st is None:
                    st = times[dt] = Step("time_passes", (dt,))
                add((st, nxt))
        return iter(out)

    def _steps_of_event(self, eid: str) -> tuple[Step, Step, Step, Step]:
        """The approve, start, cancel and complete steps of one EventId, built once."""
        steps = self._event_steps.get(eid)
        if steps is None:
            steps = self._event_steps[eid] = tuple(
                Step(name, (eid,))
                for name in ("app_approve_event", "platform_start_event", "platform_cancel_event",
                             "platform_complete_event")
            )
        return steps

    def enabled_actions(self, s: State) -> Iterator[Step]:
        """Every enabled step from `s`, in a stable order."""
        for st, _ in self.successors(s):
            yield st

    def step(self, s: State, action: Step) -> State:
        """Apply one step, or raise `ActionNotEnabled` saying why not."""
        name, args = action
        if name not in ACTION_INFO:
            raise ActionNotEnabled(f"unknown action {name!r}; known: {', '.join(ACTION_INFO)}")
        try:
            resolved = self._resolve(ACTION_INFO[name].kind, name, tuple(args))
        except (KeyError, TypeError, ValueError) as exc:
            raise ActionNotEnabled(f"{name}{tuple(args)}: bad arguments ({exc})") from None
        nxt = getattr(self, name)(s, *resolved)
        if nxt is None:
            raise ActionNotEnabled(f"{Step(name, tuple(args))} is not enabled: its guard is false here")
        return nxt

    def _resolve(self, kind: str, name: str, args: tuple) -> tuple:
        if kind == "host":
            if name == "platform_announce_event":
                host, event_type = args
                return (self.host_ix[host], event_type)
            (host,) = args
            return (self.host_ix[host],)
        if kind == "vm":
            (vm,) = args
            return (self.vm_ix[vm],)
        if kind == "event":
            (eid,) = args
            if not isinstance(eid, str):
                raise TypeError("EventId must be a string")
            return (eid,)
        (dt,) = args
        if not isinstance(dt, numbers.Rational) or isinstance(dt, bool):
            raise TypeError("seconds must be an int or a Fraction (exact time)")
        return (dt,)

    def guard(self, s: State, name: str, *args: object) -> bool:
        """Whether action `name` with readable `args` is enabled in `s` (for preconditions)."""
        try:
            self.step(s, Step(name, tuple(args)))
        except ActionNotEnabled:
            return False
        return True
