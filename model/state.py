"""The state of a maintenance rollout: hosts, VMs and the Scheduled Events document.

Every timer is relative to now (seconds frozen, seconds to NotBefore, seconds since
resume), never an absolute clock, so the reachable state space is finite and two runs
that reach the same situation at different times meet in the same state.  Elapsed time
lives in traces, not in states.  Values are frozen and hashable: a state is a dict key
and a graph node.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal

# VM status; GONE: evicted (a Spot VM preempted, R36) or deleted (a scale set's VM terminated, R37), never
# to run again within the rollout (notes/decisions.md D25)
RUNNING, FROZEN, REBOOTING, GONE = "running", "frozen", "rebooting", "gone"
VM_STATUSES = (RUNNING, FROZEN, REBOOTING, GONE)

# Host maintenance phase
IDLE = "idle"  # no maintenance in flight
ANNOUNCED = "announced"  # its event is Scheduled
STARTED = "started"  # its event is Started, VMs not yet impacted
IN_FREEZE = "frozen"  # its VMs are frozen while the update is applied
IN_REBOOT = "rebooting"  # its VMs are rebooting (Reboot or Redeploy)
RECOVERED = "recovered"  # its VMs run again; the event is not yet removed
HOST_PHASES = (IDLE, ANNOUNCED, STARTED, IN_FREEZE, IN_REBOOT, RECOVERED)

# Scheduled Events status (research 3.3: "No Completed or similar status is ever provided")
SCHEDULED, STARTED_STATUS = "Scheduled", "Started"
EVENT_STATUSES = (SCHEDULED, STARTED_STATUS)

# Who approved an event (R28): a VM index, or OUTSIDE for the maintenance API or CLI
# acknowledging from outside any VM (research: Event Grid page, `az maintenance
# scheduledevent acknowledge`); OUTSIDE_NAME is how traces and captures name it.
OUTSIDE: Final = -2
OUTSIDE_NAME: Final = "outside"

# EventSource (research 3.3, api-version 2019-08-01 on): who asked for the event
PLATFORM_SOURCE, USER_SOURCE = "Platform", "User"
EVENT_SOURCES = (PLATFORM_SOURCE, USER_SOURCE)

# Description (research 3.3, api-version 2019-04-01 on): the documented example values, by what
# the event is; `Spec.description` chooses one.  The documentation quotes no Description for a
# user's Redeploy: that one is the model's own wording, after the user's Reboot.
DESCRIPTIONS = {
    "maintenance": "Host server is undergoing maintenance.",
    "live-migration": "Virtual machine is being paused because of a memory-preserving Live Migration operation.",
    "hardware-failure": "Host server is undergoing an emergency repair.",
    "user-Reboot": "Virtual machine is going to be restarted as requested by authorized user.",
    "user-Redeploy": "Virtual machine is going to be redeployed as requested by authorized user.",
    # the documentation quotes no Description for an eviction either: the model's own wording (R36, R37)
    "Preempt": "Spot virtual machine is being evicted.",
    "Terminate": "Virtual machine is being deleted from its scale set.",
}

# Abstract memory contents (notes/decisions.md D2, D19): BLANK after a boot, LOADED for the
# contents a VM starts the rollout with, WRITTEN once the running guest has written since.
# LOADED and WRITTEN name the newest contents the VM has held; STALE names an older image of
# its memory than the newest (a copy that lost the pages written since: a rollback).  The
# reference model never produces STALE; a platform that restores an older image does.
BLANK, LOADED, WRITTEN, STALE = 0, 1, 2, 3
MEMORY_TOKENS = (BLANK, LOADED, WRITTEN, STALE)
MEMORY_NAMES = ("BLANK", "LOADED", "WRITTEN", "STALE")


def memory_name(memory: int | None) -> str:
    """The name of a memory token for messages (`STALE`, not `3`); an unknown value as it is."""
    if isinstance(memory, int) and 0 <= memory < len(MEMORY_NAMES):
        return MEMORY_NAMES[memory]
    return repr(memory)


def written(memory: int) -> int:
    """The memory token after a running guest writes: it always differs from BLANK and from
    STALE (what the guest writes is its newest contents), and from the token before unless
    the guest had already written."""
    return WRITTEN if memory != BLANK else LOADED


def older_image(memory: int) -> int:
    """The token of an older image of memory whose newest contents are `memory`: the pages
    written since the rollout began (or since boot) lost.  Memory never written has no
    older image within the rollout, so it is unchanged."""
    return STALE if memory == WRITTEN else memory


@dataclass(frozen=True, slots=True)
class HostState:
    patched: bool  # the pending update has been applied to this host
    needs_reboot: bool  # the pending update can only be applied with a reboot (S5)
    phase: str  # one of HOST_PHASES
    rounds: int  # events announced for this host so far; names its EventIds


@dataclass(frozen=True, slots=True)
class VMState:
    status: str  # one of VM_STATUSES
    host: int  # index of the host the VM currently runs on
    memory: int  # abstract memory token (BLANK, LOADED, WRITTEN or STALE)
    snapshot: int | None  # memory token taken at freeze; None unless frozen
    frozen_for: int | None  # seconds frozen so far; None unless frozen
    clock_lag: int  # seconds the guest wall clock is behind host time
    unsynced_for: int | None  # seconds since resume while the clock lags; None when synced


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str  # EventId, stable for the event's whole life
    event_type: str  # Freeze, Reboot or Redeploy
    host: int  # the host under maintenance
    resources: tuple[int, ...]  # Resources: indices of the VMs the event names
    status: str  # EventStatus: Scheduled or Started
    not_before_in: int | None  # seconds until NotBefore while Scheduled (0 = passed); None once Started
    notice: int  # NotBefore minus the announcement time, in seconds
    duration: int  # DurationInSeconds (-1 = unknown)
    approved: bool  # an application approved it (StartRequests)
    source: str = PLATFORM_SOURCE  # EventSource: Platform or User
    approved_by: int | None = None  # who approved it: a VM index or OUTSIDE; None while unapproved (R28)
    tenants_approved: tuple[int, ...] = ()  # availability sets whose VM approved, while all must (R29)
    also_hosts: tuple[int, ...] = ()  # the other hosts whose VMs it names, sorted: one slice of a set (R30)

    @property
    def hosts(self) -> tuple[int, ...]:
        """Every host the event names VMs of, sorted: its own (`host`, which its EventId names)
        and, for an event announced for several hosts at once, the others (R30)."""
        return tuple(sorted((self.host,) + self.also_hosts)) if self.also_hosts else (self.host,)

    @property
    def unplanned(self) -> bool:
        """A hardware-failure Reboot: a Platform Reboot that appeared already Started with no
        notice at all (R34); every announced event has a notice of at least a second."""
        return self.notice == 0 and self.event_type == "Reboot" and self.source == PLATFORM_SOURCE

    @property
    def eviction(self) -> bool:
        """A Preempt (R36) or a Terminate (R37): the event ends with its VM gone, never maintenance."""
        return self.event_type in ("Preempt", "Terminate")

    @property
    def maintenance(self) -> bool:
        """The platform's announced maintenance: neither a hardware failure (R34) nor a user's
        request (R35), the events that never apply the host's pending update."""
        return self.source == PLATFORM_SOURCE and not self.unplanned


@dataclass(frozen=True, slots=True)
class State:
    hosts: tuple[HostState, ...]  # per host, in topology order
    vms: tuple[VMState, ...]  # per VM, in topology order
    events: tuple[Event, ...]  # the Scheduled Events document, ordered by EventId
    incarnation: int  # DocumentIncarnation
    removed: frozenset[str]  # EventIds that have left the document
    # per availability set, in topology order: (the update domain whose rebooted VMs came back,
    # seconds its recovery gap still runs), or None when no gap runs (R21)
    recovering: tuple[tuple[int, int] | None, ...] = ()

    def event(self, event_id: str) -> Event | None:
        for e in self.events:
            if e.event_id == event_id:
                return e
        return None

    def event_of_host(self, host: int) -> Event | None:
        """The event whose maintenance covers `host`: announced for it, or for several hosts
        with it among them (R30)."""
        for e in self.events:
            if e.host == host or host in e.also_hosts:
                return e
        return None


# ---------------------------------------------------------------- evolve: a value with named fields changed
#
# Each action names only what its event changes: `evolve_vm(v, status=RUNNING, clock_lag=0)`.
# These are `dataclasses.replace` written out per value, several times faster, since the
# exhaustive searches build every state through them.  `KEEP` (the default) keeps a field;
# `None` is a value like any other (an empty timer or snapshot).


class _Keep(Enum):
    KEEP = 0


KEEP: Final = _Keep.KEEP
Keep = Literal[_Keep.KEEP]


def evolve_host(
    x: HostState, *, patched: bool | Keep = KEEP, needs_reboot: bool | Keep = KEEP, phase: str | Keep = KEEP,
    rounds: int | Keep = KEEP,
) -> HostState:
    return HostState(
        x.patched if patched is KEEP else patched,
        x.needs_reboot if needs_reboot is KEEP else needs_reboot,
        x.phase if phase is KEEP else phase,
        x.rounds if rounds is KEEP else rounds,
    )


def evolve_vm(
    v: VMState, *, status: str | Keep = KEEP, host: int | Keep = KEEP, memory: int | Keep = KEEP,
    snapshot: int | None | Keep = KEEP, frozen_for: int | None | Keep = KEEP, clock_lag: int | Keep = KEEP,
    unsynced_for: int | None | Keep = KEEP,
) -> VMState:
    return VMState(
        v.status if status is KEEP else status,
        v.host if host is KEEP else host,
        v.memory if memory is KEEP else memory,
        v.snapshot if snapshot is KEEP else snapshot,
        v.frozen_for if frozen_for is KEEP else frozen_for,
        v.clock_lag if clock_lag is KEEP else clock_lag,
        v.unsynced_for if unsynced_for is KEEP else unsynced_for,
    )


def evolve_event(
    e: Event, *, event_id: str | Keep = KEEP, event_type: str | Keep = KEEP, host: int | Keep = KEEP,
    resources: tuple[int, ...] | Keep = KEEP, status: str | Keep = KEEP, not_before_in: int | None | Keep = KEEP,
    notice: int | Keep = KEEP, duration: int | Keep = KEEP, approved: bool | Keep = KEEP, source: str | Keep = KEEP,
    approved_by: int | None | Keep = KEEP, tenants_approved: tuple[int, ...] | Keep = KEEP,
    also_hosts: tuple[int, ...] | Keep = KEEP,
) -> Event:
    return Event(
        e.event_id if event_id is KEEP else event_id,
        e.event_type if event_type is KEEP else event_type,
        e.host if host is KEEP else host,
        e.resources if resources is KEEP else resources,
        e.status if status is KEEP else status,
        e.not_before_in if not_before_in is KEEP else not_before_in,
        e.notice if notice is KEEP else notice,
        e.duration if duration is KEEP else duration,
        e.approved if approved is KEEP else approved,
        e.source if source is KEEP else source,
        e.approved_by if approved_by is KEEP else approved_by,
        e.tenants_approved if tenants_approved is KEEP else tenants_approved,
        e.also_hosts if also_hosts is KEEP else also_hosts,
    )


def evolve_state(
    s: State, *, hosts: tuple[HostState, ...] | Keep = KEEP, vms: tuple[VMState, ...] | Keep = KEEP,
    events: tuple[Event, ...] | Keep = KEEP, incarnation: int | Keep = KEEP, removed: frozenset[str] | Keep = KEEP,
    recovering: tuple[tuple[int, int] | None, ...] | Keep = KEEP,
) -> State:
    return State(
        s.hosts if hosts is KEEP else hosts,
        s.vms if vms is KEEP else vms,
        s.events if events is KEEP else events,
        s.incarnation if incarnation is KEEP else incarnation,
        s.removed if removed is KEEP else removed,
        s.recovering if recovering is KEEP else recovering,
    )
