"""The next-state relation of memory-preserving maintenance.

`Spec(topology, params)` is the executable specification.  Each action is a method named
after its actor and the domain event; it checks its guard first, clause by clause, and
returns the `Refusal` of the first clause that fails (a falsy value naming the clause and
the rules it enforces), otherwise the next state.  `successors(state)` is the one
deterministic next-state generator: the explorer, the Hypothesis machine, replay, trace
checking and the Z3 cross-check all go through it (or through `step`, which is built on
the same actions and raises `ActionNotEnabled` naming the refusing clause), so no guard is
written twice.

`ACTIONS` is the one table of actions: actor, fairness, argument kinds, the rules each
exercises and its guard's clauses.  Its order is the order `successors` tries them, and
everything else that lists actions (argument resolution, the Hypothesis rules, the trace
format) is derived from it (notes/extending.md).

Modelled (rule ids refer to notes/spec.md): the Scheduled Events lifecycle of one event
per host maintenance (announce, approve, start, cancel, complete; R8-R13), the freeze /
patch / resume cycle with its pause bound and watchdog (R1, R2, R6), clock resync (R3,
R4), announced reboots and redeploys that lose memory legitimately (R14, R15), the
sequencing slice per event type (R5: Freeze by the profile's slice, Reboot and Redeploy
by update domain) and the passage of time.

Live migration (R27): where the profile live-migrates, a Freeze names one VM of each set on
its host, freezes it for the blackout and resumes it on a patched host; the source host is
patched once it carries no VM.

Events of several hosts (R30): where the profile allows it, one Freeze or Reboot may name the
VMs of a host and of every other host it can share a slice of each availability set with.

The recovery gap (R21): once the VMs of a rebooted update domain are back, no other update
domain of their availability set starts maintenance until the gap has run out.

Where the profile models them, the environment may fail a host without notice (R34) or restart
a VM at its owner's request, a Reboot with EventSource User (R35); neither applies maintenance.
Where the profile models them, the platform may evict a Spot VM under a Preempt (R36), and the
owner of a scale set may delete one of its VMs under a Terminate (R37): once the event is Started
the VM is gone for good (status GONE: no longer on its host's residents, notes/decisions.md D25).

Left out: the IMDS transport (headers, rate limits), maintenance configurations and the
35-day window, health-signal stops, zones, regions and scale sets beyond their terminate
notifications (see notes/spec.md,
"Not checked").

Time: while something is timing (a frozen VM, a clock awaiting resync) time advances one
granule at a time; otherwise it jumps to the next NotBefore deadline, or by one granule
when there is none (notes/decisions.md D1).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import Any, ClassVar, Literal, NamedTuple

from vmspec.model.params import ALL_EVENT_TYPES, Params
from vmspec.model.state import (
    ANNOUNCED,
    BLANK,
    DESCRIPTIONS,
    FROZEN,
    GONE,
    IDLE,
    IN_FREEZE,
    IN_REBOOT,
    KEEP,
    LOADED,
    OUTSIDE,
    OUTSIDE_NAME,
    REBOOTING,
    RECOVERED,
    RUNNING,
    SCHEDULED,
    STARTED,
    STARTED_STATUS,
    USER_SOURCE,
    WRITTEN,
    Event,
    HostState,
    Keep,
    State,
    VMState,
    evolve_event,
    evolve_host,
    evolve_state,
    evolve_vm,
    written,
)
from vmspec.model.topology import VM, Topology

PLATFORM, APPLICATION, ENVIRONMENT = "platform", "application", "environment"

# At most this many events are announced per host: the first may be cancelled and
# re-announced once, and an aborted Freeze is redone as a Reboot (notes/decisions.md D4).
MAX_ROUNDS = 3


class Step(NamedTuple):
    """One action with its arguments (host names, VM names, EventIds or seconds)."""

    name: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.args))})"


# ---------------------------------------------------------------------- refusals


@dataclass(frozen=True, slots=True)
class Refusal:
    """One clause of an action's guard, as the value the action returns when that clause
    fails.  Falsy, so `if nxt:` reads alike whether an action returned a state or a refusal;
    built once per clause, so refusing costs nothing."""

    action: str  # the action whose guard this clause belongs to
    name: str  # the clause's identifier within its action
    clause: str  # what failed, in words
    rules: tuple[str, ...]  # the rule ids of notes/spec.md this clause enforces
    structural: str = ""  # why no reachable state of the model fails this clause ("" when some does)

    def __bool__(self) -> Literal[False]:
        return False

    def __str__(self) -> str:
        return f"{self.clause} ({', '.join(self.rules) or 'no rule named'})"


def clause(text: str, *rules: str, structural: str = "") -> Refusal:
    """A guard clause declared in a `Guard` class (its action and name are filled in there)."""
    return Refusal("", "", text, rules, structural)


class Guard:
    """The clauses of one action's guard, as class attributes in the order the action tests
    them: `class _Start(Guard, action="platform_start_event"): too_early = clause(...)`."""

    action: ClassVar[str] = ""

    def __init_subclass__(cls, action: str = "", **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.action = action
        for name, value in list(vars(cls).items()):
            if isinstance(value, Refusal):
                setattr(cls, name, Refusal(action, name, value.clause, value.rules, value.structural))

    @classmethod
    def clauses(cls) -> tuple[Refusal, ...]:
        return tuple(v for v in vars(cls).values() if isinstance(v, Refusal))


def unspecified(action: str) -> Refusal:
    """The refusal of a guard that returned None (an override that names no clause)."""
    return Refusal(action, "unspecified", "unspecified", ())


class ActionNotEnabled(ValueError):
    """`step` was asked to apply an action it cannot: unknown, with bad arguments, or refused
    by its guard.  `.action`, `.clause` and `.rules` say which action, which clause of its
    guard failed (or "unknown action" / "bad arguments") and the rule ids that clause
    enforces; `.refusal` is the `Refusal` itself when a guard refused."""

    def __init__(self, message: str, *, action: str, clause: str, rules: tuple[str, ...] = (),
                 refusal: Refusal | None = None) -> None:
        super().__init__(message)
        self.action, self.clause, self.rules, self.refusal = action, clause, rules, refusal

    @classmethod
    def refused(cls, step: Step, refusal: Refusal) -> ActionNotEnabled:
        return cls(f"{step} refused by guard of {refusal.action}: {refusal}", action=refusal.action,
                   clause=refusal.clause, rules=refusal.rules, refusal=refusal)


# ---------------------------------------------------------------------- guard clauses, one class per action
#
# Each action tests these in the order declared and returns the first that fails.  A clause
# marked `structural` cannot fail on a reachable state of the model (an earlier clause or
# an invariant covers it); it stays as a safety net for overrides and for trace steps.

_REMOVED = "the EventId has left the document, and a removed event never returns"
_UNKNOWN = "no event with this EventId has been announced"


class _Announce(Guard, action="platform_announce_event"):
    patched = clause("the host is already patched: no update is pending", "R18")
    busy = clause("the host already has maintenance in flight (one event per host)", "R13", "R7")
    rounds = clause("the host has used all its EventIds (notes/decisions.md D4; under live migration a host "
                    "whose VMs of one set moved in turn, each under an event of its own, may use them all, D15)",
                    "R12", "R27")
    event_type = clause("the event type does not fit the pending update: a Freeze only for an in-place update "
                        "(under live migration only when a host within R27 can take the VMs it would name), a Reboot "
                        "(or, where allowed, a Redeploy when a host within R26 can take the VMs) for one that needs "
                        "a reboot", "R6", "R26", "R27")
    no_vms = clause("the host carries no VM: it is patched without an event", "R11")
    resources_span_update_domains = clause(
        "the host carries VMs of two update domains of one availability set, and the profile keeps the "
        "2017-2020 guarantee that an event's Resources lie in one update domain", "R22")


class _AnnounceGroup(Guard, action="platform_announce_group"):
    disabled = clause("the profile announces an event for one host at a time (Params.multi_host_events)", "R30")
    # the clauses of a single host's announcement, tested in the same order (`Spec._announce_refusal`)
    patched = clause(_Announce.patched.clause, *_Announce.patched.rules)
    busy = clause(_Announce.busy.clause, *_Announce.busy.rules)
    rounds = clause(_Announce.rounds.clause, *_Announce.rounds.rules, structural=_Announce.rounds.structural)
    event_type = clause(_Announce.event_type.clause, *_Announce.event_type.rules)
    no_vms = clause(_Announce.no_vms.clause, *_Announce.no_vms.rules)
    resources_span_update_domains = clause(_Announce.resources_span_update_domains.clause,
                                           *_Announce.resources_span_update_domains.rules)
    redeploy = clause("a Redeploy is announced for one host: each host's VMs need their own target "
                      "(notes/decisions.md D17)", "R30", "R26")
    live_migration = clause("under live migration a Freeze names VMs of one host, one VM of a set at a time, each "
                            "moving to a host of its own (notes/decisions.md D15, D17)", "R30", "R27")
    alone = clause("no other host can share the event: idle, unpatched, with an update of the same event type, "
                   "carrying VMs, all within the event's slice of each availability set", "R30")


class _PatchEmpty(Guard, action="platform_patch_empty_host"):
    patched = clause("the host is already patched", "R18")
    busy = clause("the host has maintenance in flight", "R13")
    has_vms = clause("the host carries VMs: patching it would impact them outside a Started event", "R7")


class _Approve(Guard, action="app_approve_event"):
    removed = clause(_REMOVED, "R12")
    unknown = clause(_UNKNOWN, "R11")
    not_an_approver = clause("the approver is neither a VM of an availability set the event names nor, where the "
                             "profile allows it, the maintenance API from outside the VMs (under the narrow scope of "
                             "the exhaustive configurations: a VM the event names)", "R28", "R17")
    not_scheduled = clause("the event is already Started: only a Scheduled event is approved", "R8", "R11")
    approved = clause("the event is already approved: one approval releases it for all its Resources", "R17")
    notbefore_passed = clause("NotBefore has passed: the event is approved by default "
                              "(notes/decisions.md D6)", "R8")
    tenant_approved = clause("the approver's tenant (its availability set) has already approved; the event waits "
                             "for the other tenants it names, or for NotBefore", "R29")


class _Start(Guard, action="platform_start_event"):
    removed = clause(_REMOVED, "R12")
    unknown = clause(_UNKNOWN, "R11")
    not_scheduled = clause("the event is already Started", "R11")
    too_early = clause("NotBefore has not passed and no application approved the event", "R8")
    slice_busy = clause("another slice of an availability set named by the event is under a Started event (each "
                        "VM counted by its event's type: a Freeze by the freeze slice, a Reboot or Redeploy by "
                        "update domain)", "R5")
    recovery_gap = clause("the event names VMs of an availability set in another update domain than the one "
                          "recovering from a reboot, and the set's recovery gap still runs", "R21")
    terminate_pending = clause("the Terminate was approved before its NotBefore while another Terminate of its scale "
                               "set is neither approved nor past its NotBefore: that VM's deletion goes first", "R37")


class _Cancel(Guard, action="platform_cancel_event"):
    removed = clause(_REMOVED, "R12")
    unknown = clause(_UNKNOWN, "R11")
    not_scheduled = clause("only a Scheduled event can be cancelled; a Started one runs to completion", "R11")
    last_round = clause("the host's re-announced event may not be cancelled again (notes/decisions.md D4)", "R18")


class _Freeze(Guard, action="host_freeze"):
    not_started = clause("the host's event is not Started, or its VMs were already impacted", "R7")
    no_event = clause("the host has no event in the document", "R7",
                      structural="a host in the started phase always has its event (event_matches_phase)")
    not_freeze = clause("the Started event is a Reboot or Redeploy, not a Freeze", "R7", "R6")


class _ApplyPatch(Guard, action="host_apply_patch"):
    not_frozen = clause("the host's VMs are not frozen: the in-place update is applied only under a freeze", "R6")
    patched = clause("the update has already been applied", "R6")
    needs_reboot = clause("the update needs a reboot and cannot be applied in place", "R6",
                          structural="a host whose update needs a reboot is only announced as a Reboot or "
                          "Redeploy, so it is never frozen")
    live_migration = clause("under live migration the VMs leave the host before its update is applied: the host "
                            "is patched once it carries no VM, never under the freeze", "R27", "R14")


class _Resume(Guard, action="platform_resume_host"):
    not_frozen = clause("the host's VMs are not frozen: there is nothing to resume", "R19")
    unpatched = clause("the update has not been applied: an unpatched host resumes only by the watchdog, "
                       "which redoes the update as a Reboot", "R6", "R2")


class _Watchdog(Guard, action="platform_watchdog_resume"):
    not_frozen = clause("the host's VMs are not frozen", "R2")
    patched = clause("the update was applied: the host resumes normally, not by the watchdog", "R6")
    not_due = clause("no VM of the host is within one granule of the pause bound yet (under a profile whose "
                     "watchdog keeps to the last granule: dev timing)", "R2")
    can_migrate = clause("under live migration a host can take the frozen VMs: they resume there, and in place "
                         "only when no host can (notes/decisions.md D15)", "R27", "R2")


class _LiveMigrate(Guard, action="host_live_migrate"):
    disabled = clause("the profile does not live-migrate (Params.live_migration): a Freeze happens in place",
                      "R27", "R14")
    not_frozen = clause("the host's VMs are not frozen under its Started Freeze", "R27", "R7")
    no_event = clause("the host has no event in the document", "R7",
                      structural="a host in the frozen phase always has its event (event_matches_phase)")
    no_target = clause("no other host can take the VMs within the rules: patched, free of maintenance (no event "
                       "in flight, no VM frozen or rebooting there) and carrying no VM of another update domain of "
                       "a set the event names", "R27", "R26")


class _Reboot(Guard, action="host_reboot"):
    not_started = clause("the host's event is not Started, or its VMs were already impacted", "R7", "R15")
    no_event = clause("the host has no event in the document", "R7",
                      structural="a host in the started phase always has its event (event_matches_phase)")
    not_reboot = clause("the Started event is not a Reboot: memory may be lost only under a Started Reboot "
                        "or Redeploy", "R15")


class _Redeploy(Guard, action="host_redeploy"):
    not_started = clause("the host's event is not Started, or its VMs were already impacted", "R7", "R15")
    no_event = clause("the host has no event in the document", "R7",
                      structural="a host in the started phase always has its event (event_matches_phase)")
    not_redeploy = clause("the Started event is not a Redeploy: a VM changes host only under a Started "
                          "Redeploy", "R14", "R15")
    no_target = clause("no other host can take the VMs within the rules: patched, free of maintenance (no event "
                       "in flight, no VM frozen or rebooting there) and carrying no VM of another update domain of "
                       "a set the event names", "R26")


class _BootVMs(Guard, action="host_boot_vms"):
    not_rebooting = clause("the host's VMs are not rebooting", "R15")
    no_event = clause("the host has no event in the document", "R7",
                      structural="a host in the rebooting phase always has its event (event_matches_phase)")


class _Failure(Guard, action="host_hardware_failure"):
    disabled = clause("the profile does not model unannounced hardware failures (Params.hardware_failures)", "R34")
    busy = clause("the host has maintenance in flight: a failure is modelled only on an idle host "
                  "(notes/decisions.md D23)", "R34", "R13")
    rounds = clause("the host has had an event already: a host fails at most once, before its maintenance is "
                    "announced, so its EventIds still suffice (notes/decisions.md D23)", "R34", "R18")
    patched = clause("the host is already patched (it carried no VM then): a failure is modelled only before the "
                     "host's maintenance (notes/decisions.md D23)", "R34")
    no_vms = clause("the host carries no VM: a failure is reported as an event naming the VMs it restarts", "R34")
    impacted = clause("a VM on the host is frozen or rebooting under another event", "R7",
                      structural="an idle host never yet announced carries only running VMs (impacted_vms_match_phase)")
    slice_busy = clause("another slice of an availability set named by the failure is down for maintenance: failures "
                        "that overlap another slice's maintenance are not modelled (notes/decisions.md D23)",
                        "R5", "R34")


class _UserReboot(Guard, action="user_reboot_vm"):
    disabled = clause("the profile does not model user-initiated restarts (Params.user_events)", "R35")
    not_running = clause("the VM is not running: a restart is modelled for a running VM (notes/decisions.md D24)",
                         "R35")
    busy = clause("the VM's host has an event in flight: one event per host (notes/decisions.md D24)", "R35", "R13")
    rounds = clause("the VM's host has had an event already: a user's restart is modelled once per host, before "
                    "its maintenance is announced, so its EventIds still suffice (notes/decisions.md D24)",
                    "R35", "R18")
    patched = clause("the VM's host is already patched (it carried no VM then; notes/decisions.md D24)", "R35")


class _Preempt(Guard, action="platform_preempt_vm"):
    disabled = clause("the profile does not model Spot evictions (Params.spot_evictions)", "R36")
    not_spot = clause("the VM is not a Spot VM: only a Spot VM is preempted", "R36")
    not_running = clause("the VM is not running: an eviction is modelled for a running VM (notes/decisions.md D25)",
                         "R36")
    busy = clause("the VM's host has an event in flight: one event per host (notes/decisions.md D25)", "R36", "R13")
    rounds = clause("the VM's host has had an event already: an eviction is modelled once per host, before its "
                    "maintenance is announced, so its EventIds still suffice (notes/decisions.md D25)", "R36", "R18")
    patched = clause("the VM's host is already patched (it carried no VM then; notes/decisions.md D25)", "R36")


class _Delete(Guard, action="user_delete_vm"):
    disabled = clause("the profile does not model terminate notifications (Params.terminate_timeout)", "R37")
    not_scale_set = clause("the VM is not in a scale set: only a scale set's VM is deleted under a Terminate", "R37")
    not_running = clause("the VM is not running: a deletion is modelled for a running VM (notes/decisions.md D25)",
                         "R37")
    busy = clause("the VM's host has an event in flight: one event per host (notes/decisions.md D25)", "R37", "R13")
    rounds = clause("the VM's host has had an event already: a deletion is modelled once per host, before its "
                    "maintenance is announced, so its EventIds still suffice (notes/decisions.md D25)", "R37", "R18")
    patched = clause("the VM's host is already patched (it carried no VM then; notes/decisions.md D25)", "R37")


class _Evict(Guard, action="host_evict_vm"):
    not_started = clause("the host's event is not Started, or its VMs were already impacted", "R7", "R36", "R37")
    no_event = clause("the host has no event in the document", "R7",
                      structural="a host in the started phase always has its event (event_matches_phase)")
    not_eviction = clause("the Started event is not a Preempt or a Terminate: a VM is gone only under a Started "
                          "Preempt or Terminate", "R36", "R37")


class _Resync(Guard, action="vm_clock_resync"):
    not_running = clause("the VM is not running: a frozen or rebooting guest's clock is not stepped", "R4")
    synced = clause("the guest clock is already synced to host time", "R3")


class _Complete(Guard, action="platform_complete_event"):
    removed = clause(_REMOVED, "R12")
    unknown = clause(_UNKNOWN, "R11")
    not_started = clause("only a Started event completes; a Scheduled one is cancelled", "R11", "R13")
    vms_not_back = clause("the event's VMs are not all back (still frozen, rebooting, or not yet impacted)",
                          "R13", "R7")


class _Time(Guard, action="time_passes"):
    not_forward = clause("time only moves forward", "R4")
    pause_bound = clause("time would carry a frozen VM past the pause bound (the watchdog resumes it first)", "R2")
    resync_latency = clause("time would carry a lagging guest clock past the resync latency", "R3")


# ---------------------------------------------------------------------- the table of actions

# What an action's arguments name, in `Step.args`: hosts, VMs and EventIds by name, an event
# type, exact seconds.
ARG_KINDS = ("host", "vm", "event", "event_type", "seconds", "approver")


@dataclass(frozen=True, slots=True)
class ActionInfo:
    name: str
    actor: str  # platform, application or environment
    fair: bool  # weakly fair: if enabled forever it is eventually taken
    args: tuple[str, ...]  # what each argument names (ARG_KINDS); the first is the object it acts on
    doc: str
    rules: tuple[str, ...]  # the rules of notes/spec.md the action exercises when taken
    guard: type[Guard]  # its guard's clauses, each naming the rules it enforces

    def __post_init__(self) -> None:
        if self.guard.action != self.name:
            raise ValueError(f"action {self.name}: its guard clauses are declared for {self.guard.action!r}")
        if not self.args or any(k not in ARG_KINDS for k in self.args):
            raise ValueError(f"action {self.name}: argument kinds must be among {ARG_KINDS}, got {self.args}")

    @property
    def kind(self) -> str:
        """What the action acts on: host, vm, event or seconds (its first argument)."""
        return self.args[0]

    @property
    def clauses(self) -> tuple[Refusal, ...]:
        return self.guard.clauses()

    def clause(self, name: str) -> Refusal:
        for c in self.clauses:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no guard clause {name!r}; clauses: {[c.name for c in self.clauses]}")


# The actions in the order `successors` tries them: for each run of consecutive actions
# over the same kind of object, each object in turn (hosts, EventIds in the document, VMs,
# time choices), then each action of the run.  Fairness: the platform's actions and the
# passage of time are weakly fair; an application may never approve.
ACTIONS: tuple[ActionInfo, ...] = (
    ActionInfo("platform_announce_event", PLATFORM, True, ("host", "event_type"),
               "announce a Freeze, Reboot or Redeploy for a host", ("R9", "R22"), _Announce),
    ActionInfo("platform_announce_group", PLATFORM, False, ("host", "event_type"),
               "announce one Freeze or Reboot for a host and the other hosts of its slice", ("R9", "R22", "R30"),
               _AnnounceGroup),
    ActionInfo("platform_patch_empty_host", PLATFORM, True, ("host",),
               "patch a host that carries no VM", (), _PatchEmpty),
    ActionInfo("app_approve_event", APPLICATION, False, ("event", "approver"),
               "an application (a VM of the set, or the API from outside) approves a Scheduled event",
               ("R8", "R17", "R28", "R29"), _Approve),
    ActionInfo("platform_start_event", PLATFORM, True, ("event",),
               "a Scheduled event starts", ("R8", "R5", "R21"), _Start),
    ActionInfo("platform_cancel_event", PLATFORM, False, ("event",),
               "a Scheduled event is cancelled", ("R11",), _Cancel),
    ActionInfo("host_freeze", PLATFORM, True, ("host",),
               "freeze the VMs of a host under a Started Freeze", ("R1", "R14"), _Freeze),
    ActionInfo("host_apply_patch", PLATFORM, False, ("host",),
               "the in-place update is applied while frozen", ("R6",), _ApplyPatch),
    ActionInfo("platform_resume_host", PLATFORM, True, ("host",),
               "resume the frozen VMs of a patched host", ("R1",), _Resume),
    ActionInfo("platform_watchdog_resume", PLATFORM, True, ("host",),
               "resume before the bound; redo as a Reboot", ("R2",), _Watchdog),
    ActionInfo("host_live_migrate", PLATFORM, True, ("host",),
               "the frozen VMs of a host under live migration resume on a patched host, memory kept",
               ("R27", "R14", "R1"), _LiveMigrate),
    ActionInfo("host_reboot", PLATFORM, True, ("host",),
               "reboot the VMs of a host under a Started Reboot", ("R15",), _Reboot),
    ActionInfo("host_redeploy", PLATFORM, True, ("host",),
               "move the VMs of a host under a Started Redeploy", ("R14", "R15", "R26"), _Redeploy),
    ActionInfo("host_boot_vms", PLATFORM, True, ("host",),
               "rebooted VMs come back up; their update domain's recovery gap begins", ("R21",), _BootVMs),
    ActionInfo("host_evict_vm", PLATFORM, True, ("host",),
               "the VM named by a Started Preempt or Terminate is evicted or deleted; the event leaves the document",
               ("R36", "R37", "R13"), _Evict),
    ActionInfo("host_hardware_failure", ENVIRONMENT, False, ("host",),
               "a host fails: its VMs restart at once under a Reboot already Started", ("R34", "R15"), _Failure),
    ActionInfo("vm_clock_resync", PLATFORM, True, ("vm",),
               "step a resumed guest clock forward to host time", ("R3", "R4"), _Resync),
    ActionInfo("user_reboot_vm", ENVIRONMENT, False, ("vm",),
               "the VM's owner restarts it: a Reboot with EventSource User is Scheduled", ("R35", "R9"), _UserReboot),
    ActionInfo("platform_preempt_vm", PLATFORM, False, ("vm",),
               "the platform evicts a Spot VM: a Preempt naming it is Scheduled with 30 s notice", ("R36", "R9"),
               _Preempt),
    ActionInfo("user_delete_vm", ENVIRONMENT, False, ("vm",),
               "the owner of a scale set deletes one of its VMs: a Terminate naming it is Scheduled with the "
               "configured notBeforeTimeout", ("R37", "R9"), _Delete),
    ActionInfo("platform_complete_event", PLATFORM, True, ("event",),
               "remove a Started event once its VMs are back", ("R13",), _Complete),
    ActionInfo("time_passes", ENVIRONMENT, True, ("seconds",),
               "time passes; running guests write memory", (), _Time),
)
ACTION_INFO = {a.name: a for a in ACTIONS}


def _blocks(actions: tuple[ActionInfo, ...]) -> tuple[tuple[str, tuple[ActionInfo, ...]], ...]:
    """`actions` cut into runs of consecutive actions of the same kind."""
    out: list[tuple[str, list[ActionInfo]]] = []
    for a in actions:
        if out and out[-1][0] == a.kind:
            out[-1][1].append(a)
        else:
            out.append((a.kind, [a]))
    return tuple((kind, tuple(run)) for kind, run in out)


# The order of `successors`: (kind, actions) per run of ACTIONS.
ACTION_BLOCKS = _blocks(ACTIONS)

Outcome = State | Refusal  # what an action returns
_Add = Callable[[tuple[Step, State]], None]
_Expand = Callable[[State, _Add], None]


def _unit(kind: str, i: int, v: VM) -> int:
    """The unit of VM `v` (index `i`) in a slice of `kind`: its update or fault domain, or itself."""
    return v.update_domain if kind == "update_domain" else v.fault_domain if kind == "fault_domain" else i


@dataclass(frozen=True)
class Spec:
    """The specification for one topology and one parameter set."""

    topology: Topology
    params: Params = field(default_factory=Params)
    # Derived from the topology and parameters in __post_init__ (not arguments, not compared).
    host_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    vm_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    host_ix: dict[str, int] = field(init=False, repr=False, compare=False)
    vm_ix: dict[str, int] = field(init=False, repr=False, compare=False)
    vm_aset: tuple[int, ...] = field(init=False, repr=False, compare=False)  # availability set index per VM
    # per event type, per VM: (availability set index, (slice kind, unit)) -- R5
    slice_of: dict[str, tuple[tuple[int, tuple[str, int]], ...]] = field(init=False, repr=False, compare=False)
    # per event type: the availability sets whose VMs span more than one of its slices -- R16
    spread_sets: dict[str, frozenset[int]] = field(init=False, repr=False, compare=False)
    frozen_cap: int = field(init=False, repr=False, compare=False)  # pause timers saturate here
    unsynced_cap: int = field(init=False, repr=False, compare=False)  # resync timers saturate here
    # Built once for `successors` (performance only: the guards are the action methods).
    _expanders: tuple[_Expand, ...] = field(init=False, repr=False, compare=False)
    _steps: dict[tuple[str, tuple[Any, ...]], Step] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        t = self.topology
        aset_ix = {a.name: i for i, a in enumerate(t.availability_sets)}
        slice_of: dict[str, tuple[tuple[int, tuple[str, int]], ...]] = {}
        for event_type in ALL_EVENT_TYPES:
            kind = self.params.slice_for(event_type)
            slice_of[event_type] = tuple(
                (aset_ix[v.availability_set], (kind, _unit(kind, i, v))) for i, v in enumerate(t.vms)
            )
        spread: dict[str, frozenset[int]] = {}
        for event_type, keys in slice_of.items():
            per_set: dict[int, set[tuple[str, int]]] = {}
            for a, key in keys:
                per_set.setdefault(a, set()).add(key)
            spread[event_type] = frozenset(a for a, units in per_set.items() if len(units) > 1)
        derived: dict[str, object] = {
            "host_names": tuple(h.name for h in t.hosts),
            "vm_names": tuple(v.name for v in t.vms),
            "host_ix": {h.name: i for i, h in enumerate(t.hosts)},
            "vm_ix": {v.name: i for i, v in enumerate(t.vms)},
            "vm_aset": tuple(aset_ix[v.availability_set] for v in t.vms),
            "slice_of": slice_of,
            "spread_sets": spread,
            "frozen_cap": self.params.pause_bound + self.params.granularity,
            "unsynced_cap": self.params.resync_latency + self.params.granularity,
            "_steps": {},
        }
        for k, val in derived.items():
            object.__setattr__(self, k, val)
        object.__setattr__(self, "_expanders", tuple(self._expander(kind, run) for kind, run in ACTION_BLOCKS))

    # ------------------------------------------------------------------ queries

    def initial_state(self) -> State:
        hosts = tuple(HostState(False, h.update == "reboot", IDLE, 0) for h in self.topology.hosts)
        vms = tuple(
            VMState(RUNNING, self.host_ix[v.host], LOADED, None, None, 0, None) for v in self.topology.vms
        )
        return State(hosts, vms, (), 1, frozenset(), (None,) * len(self.topology.availability_sets))

    def residents(self, s: State, host: int) -> tuple[int, ...]:
        """Indices of the VMs currently on `host` (a VM gone, R36 and R37, is on no host)."""
        return tuple(i for i, v in enumerate(s.vms) if v.host == host and v.status != GONE)

    def rollout_complete(self, s: State) -> bool:
        """Every host patched and idle, no event left, every VM running with a synced clock, or gone
        (R36, R37)."""
        return (
            not s.events
            and all(h.patched and h.phase == IDLE for h in s.hosts)
            and all((v.status == RUNNING and v.clock_lag == 0) or v.status == GONE for v in s.vms)
        )

    def event_id(self, host: int, round_: int) -> str:
        return f"{self.host_names[host]}#{round_}"

    def impacted_slices(self, impacts: Iterable[tuple[int, str]]) -> dict[int, set[tuple[str, int]]]:
        """Slices per availability set among (VM index, event type) pairs: a VM under a
        Freeze counts by the freeze slice, under a Reboot or Redeploy by its update domain."""
        out: dict[int, set[tuple[str, int]]] = {}
        slice_of = self.slice_of
        for i, event_type in impacts:
            a, key = slice_of[event_type][i]
            out.setdefault(a, set()).add(key)
        return out

    # ------------------------------------------------------------------ guards shared by several actions

    def event_types_for(self, s: State, h: int) -> tuple[str, ...]:
        """Which event types may announce the pending update of host `h` (S5, R6)."""
        if not s.hosts[h].needs_reboot:
            if self.params.live_migration and self.redeploy_target(s, h, self.announced_resources(s, h, "Freeze")) \
                    is None:
                return ()  # R27: a live migration is announced only when a host can take the VMs
            return ("Freeze",)
        if self.params.allow_redeploy and self.redeploy_target(s, h, self.residents(s, h)) is not None:
            return ("Reboot", "Redeploy")
        return ("Reboot",)

    def announced_resources(self, s: State, h: int, event_type: str) -> tuple[int, ...]:
        """The VMs an event of `event_type` for host `h` names: every VM on the host, or, for a
        live migration (R27), the first VM on it of each availability set (one VM of a set at a
        time: the others move in turn, under the host's next events; decisions D15)."""
        residents = self.residents(s, h)
        if event_type != "Freeze" or not self.params.live_migration:
            return residents
        seen: set[int] = set()
        out = []
        for i in residents:
            a = self.vm_aset[i]
            if a not in seen:
                seen.add(a)
                out.append(i)
        return tuple(out)

    def description(self, e: Event) -> str:
        """The event's Description (research 3.3): a user's Reboot or Redeploy, an emergency repair for
        a hardware failure, a live migration under the VM freeze slice, host maintenance otherwise."""
        if e.source == USER_SOURCE and "user-" + e.event_type in DESCRIPTIONS:
            return DESCRIPTIONS["user-" + e.event_type]
        if e.eviction:
            return DESCRIPTIONS[e.event_type]
        if e.unplanned:
            return DESCRIPTIONS["hardware-failure"]
        if e.event_type == "Freeze" and self.params.freeze_slice == "vm":
            return DESCRIPTIONS["live-migration"]
        return DESCRIPTIONS["maintenance"]
    def approvers_for(self, s: State, e: Event) -> tuple[int, ...]:
        """Who may approve event `e` (R28): every VM of an availability set it names (its
        Resources only under `approval_scope="resources"`), in index order, then OUTSIDE where
        the profile lets the maintenance API approve from outside the VMs."""
        if self.params.approval_scope == "resources":
            out = tuple(sorted(e.resources))
        else:
            sets = {self.vm_aset[i] for i in e.resources}
            out = tuple(i for i, a in enumerate(self.vm_aset) if a in sets)
        return out + (OUTSIDE,) if self.params.approval_from_outside else out

    def approver_name(self, approver: int) -> str:
        """How traces and captures name an approver: the VM's name, or "outside"."""
        return OUTSIDE_NAME if approver == OUTSIDE else self.vm_names[approver]

    def announced_notice(self, event_type: str) -> int:
        """The NotBefore lead time the platform gives an event of this type (R9)."""
        return self.params.notice_for(event_type)

    def slice_allows(self, s: State, resources: tuple[int, ...], event_type: str) -> bool:
        """R5: starting an event of `event_type` on `resources` keeps at most one slice of
        each availability set under Started events, each VM counted by its event's type."""
        busy = [(i, e.event_type) for e in s.events if e.status == STARTED_STATUS for i in e.resources]
        busy += [(i, event_type) for i in resources]
        return all(len(units) <= 1 for units in self.impacted_slices(busy).values())

    def resources_within_one_update_domain(self, resources: tuple[int, ...]) -> bool:
        """R22: where the profile keeps the 2017-2020 guarantee, an event's Resources hold VMs
        of at most one update domain of each availability set."""
        if not self.params.resources_one_update_domain:
            return True
        by_ud = self.slice_of["Reboot"]  # (availability set, ("update_domain", UD)) per VM
        return len({by_ud[i] for i in resources}) == len({by_ud[i][0] for i in resources})

    def recovery_gap_allows(self, s: State, resources: tuple[int, ...]) -> bool:
        """R21: no VM of `resources` lies in an availability set whose recovery gap runs for
        another update domain (notes/decisions.md D13: every event type, Freezes included)."""
        rec = s.recovering
        if not any(rec):
            return True
        by_ud = self.slice_of["Reboot"]  # (availability set, ("update_domain", UD)) per VM
        for i in resources:
            a, (_, ud) = by_ud[i]
            gap = rec[a]
            if gap is not None and gap[0] != ud:
                return False
        return True

    def recovered(self, s: State, resources: tuple[int, ...]) -> tuple[tuple[int, int] | None, ...]:
        """The recovery timers once the rebooted VMs `resources` are back: each of their sets
        starts the gap of their update domain (R21; unchanged when the gap is 0)."""
        gap = self.params.gap()
        if not gap:
            return s.recovering
        rec = list(s.recovering)
        seen: set[int] = set()
        for i in resources:
            a, (_, ud) = self.slice_of["Reboot"][i]
            if a not in seen:
                seen.add(a)
                rec[a] = (ud, gap)
        return tuple(rec)

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
        """R2: the watchdog may resume host `h` at any time before the hard bound (a VM of `h`
        is frozen), or, where the profile keeps it to the last granule, once one more granule
        would carry a VM of `h` past the bound."""
        if self.params.watchdog_any_time:
            return any(v.frozen_for is not None for v in s.vms if v.host == h)
        g, bound = self.params.granularity, self.params.pause_bound
        return any(v.frozen_for is not None and v.frozen_for + g > bound for v in s.vms if v.host == h)

    def resumed_vm(self, v: VMState) -> VMState:
        """A frozen VM resumed: memory untouched, the guest clock still behind by the pause (R1, R3)."""
        return evolve_vm(v, status=RUNNING, snapshot=None, frozen_for=None, unsynced_for=0 if v.clock_lag else None)

    # ------------------------------------------------------------------ document and host edits

    def _with_event(self, s: State, e: Event, hosts: tuple[HostState, ...]) -> State:
        events = tuple(sorted(s.events + (e,), key=lambda x: x.event_id))
        return evolve_state(s, hosts=hosts, events=events, incarnation=s.incarnation + 1)

    def _replace_event(self, s: State, new: Event) -> tuple[Event, ...]:
        """The document with the event of `new`'s EventId replaced by `new`."""
        return tuple(new if x.event_id == new.event_id else x for x in s.events)

    def _without_event(self, s: State, e: Event) -> tuple[tuple[Event, ...], frozenset[str]]:
        return tuple(x for x in s.events if x.event_id != e.event_id), s.removed | {e.event_id}

    @staticmethod
    def _set(seq: tuple[Any, ...], i: int, value: object) -> tuple[Any, ...]:
        return seq[:i] + (value,) + seq[i + 1 :]

    def _set_phase(self, s: State, h: int, phase: str, *, patched: bool | Keep = KEEP,
                   needs_reboot: bool | Keep = KEEP, rounds: int | Keep = KEEP) -> tuple[HostState, ...]:
        """The hosts with host `h` moved to `phase` (and the named fields changed)."""
        new = evolve_host(s.hosts[h], phase=phase, patched=patched, needs_reboot=needs_reboot, rounds=rounds)
        return s.hosts[:h] + (new,) + s.hosts[h + 1 :]

    # ------------------------------------------------------------------ actions

    def _announce_refusal(self, s: State, h: int, event_type: str,
                          g: type[_Announce] | type[_AnnounceGroup]) -> Refusal | None:
        """The clause of `g` that refuses announcing `event_type` for host `h`, or None: the
        guard of a single host's announcement, which an announcement for several hosts keeps."""
        host = s.hosts[h]
        if host.patched:
            return g.patched
        if host.phase != IDLE:
            return g.busy
        if host.rounds >= MAX_ROUNDS:
            return g.rounds
        if event_type not in self.event_types_for(s, h):
            return g.event_type
        resources = self.announced_resources(s, h, event_type)
        if not resources:
            return g.no_vms
        if not self.resources_within_one_update_domain(resources):
            return g.resources_span_update_domains
        return None

    def _announced(self, s: State, h: int, event_type: str, resources: tuple[int, ...],
                   also: tuple[int, ...] = ()) -> State:
        """The state once an event of `event_type` naming `resources` is announced for host `h`
        (and the hosts `also`, whose EventIds it does not use)."""
        host = s.hosts[h]
        notice = self.announced_notice(event_type)
        duration = self.params.expected_pause if event_type == "Freeze" else -1
        e = Event(self.event_id(h, host.rounds + 1), event_type, h, resources, SCHEDULED, notice, notice, duration,
                  False, also_hosts=also)
        hosts = self._set_phase(s, h, ANNOUNCED, rounds=host.rounds + 1)
        for x in also:
            hosts = hosts[:x] + (evolve_host(hosts[x], phase=ANNOUNCED),) + hosts[x + 1:]
        return self._with_event(s, e, hosts)

    def platform_announce_event(self, s: State, h: int, event_type: str) -> Outcome:
        """The platform announces maintenance of host `h` as a Scheduled event (R9), naming its
        VMs, only if they lie within one update domain of each set where R22 applies."""
        refusal = self._announce_refusal(s, h, event_type, _Announce)
        if refusal is not None:
            return refusal
        return self._announced(s, h, event_type, self.announced_resources(s, h, event_type))

    def within_slice(self, resources: Iterable[int], event_type: str) -> bool:
        """R30: `resources` lie in one slice of each availability set, the slice of `event_type`
        (one update domain for a Reboot, the profile's freeze slice for a Freeze)."""
        return all(len(units) <= 1 for units in self.impacted_slices((i, event_type) for i in resources).values())

    def announce_group(self, s: State, h: int, event_type: str) -> tuple[int, ...]:
        """The other hosts that share an event of `event_type` announced for host `h` (R30): in
        index order, each idle, unpatched host whose update takes this event type, carrying VMs
        that keep the event within one slice of each availability set (and within one update
        domain where R22 applies)."""
        resources = list(self.residents(s, h))
        also: list[int] = []
        for x, host in enumerate(s.hosts):
            if x == h or host.patched or host.phase != IDLE or host.rounds >= MAX_ROUNDS:
                continue
            if event_type not in self.event_types_for(s, x):
                continue
            here = self.residents(s, x)
            if not here:
                continue
            joined = resources + list(here)
            if self.within_slice(joined, event_type) and self.resources_within_one_update_domain(tuple(joined)):
                resources = joined
                also.append(x)
        return tuple(also)

    def platform_announce_group(self, s: State, h: int, event_type: str) -> Outcome:
        """The platform announces one Scheduled event (R9) for host `h` and every other host of
        its slice it can share it with (R30): it names their VMs, within one update domain of
        each set where R22 applies, its EventId is `h`'s, and each host's maintenance is in
        flight under it.  A Redeploy stays with one host (notes/decisions.md D17)."""
        if not self.params.multi_host_events:
            return _AnnounceGroup.disabled
        refusal = self._announce_refusal(s, h, event_type, _AnnounceGroup)
        if refusal is not None:
            return refusal
        if event_type == "Redeploy":
            return _AnnounceGroup.redeploy
        if event_type == "Freeze" and self.params.live_migration:
            return _AnnounceGroup.live_migration
        also = self.announce_group(s, h, event_type)
        if not also:
            return _AnnounceGroup.alone
        resources = tuple(sorted(self.residents(s, h) + tuple(i for x in also for i in self.residents(s, x))))
        return self._announced(s, h, event_type, resources, also)

    def named_on(self, s: State, e: Event, h: int) -> tuple[int, ...]:
        """The VMs event `e` impacts through host `h`: all it names for an event of one host
        (a Redeploy's have moved to their target by the time they boot), those on `h` for an
        event of several hosts (R30)."""
        if not e.also_hosts:
            return e.resources
        return tuple(i for i in e.resources if s.vms[i].host == h)

    def _set_phases(self, s: State, e: Event, phase: str) -> tuple[HostState, ...]:
        """The hosts with every host of event `e` moved to `phase`."""
        hosts = s.hosts
        for x in e.hosts:
            hosts = hosts[:x] + (evolve_host(hosts[x], phase=phase),) + hosts[x + 1:]
        return hosts

    def platform_patch_empty_host(self, s: State, h: int) -> Outcome:
        """A host that carries no VM is patched without any event."""
        host = s.hosts[h]
        if host.patched:
            return _PatchEmpty.patched
        if host.phase != IDLE:
            return _PatchEmpty.busy
        if self.residents(s, h):
            return _PatchEmpty.has_vms
        return evolve_state(s, hosts=self._set_phase(s, h, IDLE, patched=True, needs_reboot=False))

    def app_approve_event(self, s: State, event_id: str, approver: int | None = None) -> Outcome:
        """`approver` (a VM of a set the event names, or OUTSIDE where allowed) approves a
        Scheduled event, which records who approved; one approval releases it for all its
        Resources, and the event starts later, at the platform's step (R8, R17, R28); where
        every tenant must approve, only the last tenant's approval releases it (R29).  An
        approval that names no approver (traces and files written before approvals recorded
        one) is the leader's, the first VM the event names (research 3.5)."""
        e = s.event(event_id)
        if e is None:
            return _Approve.removed if event_id in s.removed else _Approve.unknown
        if approver is None:
            approver = e.resources[0]
        if approver not in self.approvers_for(s, e):
            return _Approve.not_an_approver
        if e.status != SCHEDULED:
            return _Approve.not_scheduled
        if e.approved:
            return _Approve.approved
        if not e.not_before_in:
            return _Approve.notbefore_passed  # after NotBefore the event is approved by default (research 3.5)
        if self.params.all_tenants_approve:
            tenant = self.vm_aset[approver]
            if tenant in e.tenants_approved:
                return _Approve.tenant_approved
            tenants = tuple(sorted(e.tenants_approved + (tenant,)))
            done = self.every_tenant_approved(e, tenants)
            new = evolve_event(e, tenants_approved=tenants, approved=done, approved_by=approver if done else None)
            return evolve_state(s, events=self._replace_event(s, new))
        return evolve_state(s, events=self._replace_event(s, evolve_event(e, approved=True, approved_by=approver)))

    def every_tenant_approved(self, e: Event, tenants: tuple[int, ...]) -> bool:
        """R29: every tenant (availability set) event `e` names is among `tenants`."""
        return all(self.vm_aset[i] in tenants for i in e.resources)

    def platform_start_event(self, s: State, event_id: str) -> Outcome:
        """A Scheduled event starts: NotBefore passed or approved (R8), the slice allows it (R5),
        and no other update domain of a set it names is recovering from a reboot (R21)."""
        e = s.event(event_id)
        if e is None:
            return _Start.removed if event_id in s.removed else _Start.unknown
        if e.status != SCHEDULED:
            return _Start.not_scheduled
        if not self.start_allowed(e):
            return _Start.too_early
        if not self.slice_allows(s, e.resources, e.event_type):
            return _Start.slice_busy
        if not self.recovery_gap_allows(s, e.resources):
            return _Start.recovery_gap
        if not self.terminate_order_allows(s, e):
            return _Start.terminate_pending
        events = self._replace_event(s, evolve_event(e, status=STARTED_STATUS, not_before_in=None))
        return evolve_state(s, hosts=self._set_phases(s, e, STARTED), events=events, incarnation=s.incarnation + 1)

    def platform_cancel_event(self, s: State, event_id: str) -> Outcome:
        """The platform judges a Scheduled event too risky and withdraws it (research 3.5, case 2; R11)."""
        e = s.event(event_id)
        if e is None:
            return _Cancel.removed if event_id in s.removed else _Cancel.unknown
        if e.status != SCHEDULED:
            return _Cancel.not_scheduled
        if s.hosts[e.host].rounds >= MAX_ROUNDS - 1:
            return _Cancel.last_round
        events, removed = self._without_event(s, e)
        return evolve_state(s, hosts=self._set_phases(s, e, IDLE), events=events, incarnation=s.incarnation + 1,
                            removed=removed)

    def host_freeze(self, s: State, h: int) -> Outcome:
        """Freeze every VM of host `h`'s event, keeping its memory (S2, R1, R14): in place, or,
        under live migration, for the blackout at the end of its move."""
        if s.hosts[h].phase != STARTED:
            return _Freeze.not_started
        e = s.event_of_host(h)
        if e is None:
            return _Freeze.no_event
        if e.event_type != "Freeze":
            return _Freeze.not_freeze
        return self.frozen(s, h, e)

    def frozen(self, s: State, h: int, e: Event) -> State:
        """The effect of a freeze: each VM of `e` on `h` frozen with a snapshot of its memory."""
        vms = list(s.vms)
        for i in self.named_on(s, e, h):
            v = vms[i]
            vms[i] = evolve_vm(v, status=FROZEN, snapshot=v.memory, frozen_for=0)
        return evolve_state(s, hosts=self._set_phase(s, h, IN_FREEZE), vms=tuple(vms))

    def host_apply_patch(self, s: State, h: int) -> Outcome:
        """The in-place update is applied while the VMs are frozen; a reboot update cannot be (S5, R6)."""
        host = s.hosts[h]
        if host.phase != IN_FREEZE:
            return _ApplyPatch.not_frozen
        if host.patched:
            return _ApplyPatch.patched
        if host.needs_reboot:
            return _ApplyPatch.needs_reboot
        if self.params.live_migration:
            return _ApplyPatch.live_migration
        return evolve_state(s, hosts=self._set_phase(s, h, IN_FREEZE, patched=True))

    def platform_resume_host(self, s: State, h: int) -> Outcome:
        """Resume the frozen VMs of a patched host with their memory intact (S3, R1)."""
        host = s.hosts[h]
        if host.phase != IN_FREEZE:
            return _Resume.not_frozen
        if not host.patched:
            return _Resume.unpatched
        vms = tuple(self.resumed_vm(v) if v.status == FROZEN and v.host == h else v for v in s.vms)
        return evolve_state(s, hosts=self._set_phase(s, h, RECOVERED), vms=vms)

    def platform_watchdog_resume(self, s: State, h: int) -> Outcome:
        """The patch overran: resume before the bound is crossed; the update is redone as a Reboot (S5, R2)."""
        host = s.hosts[h]
        if host.phase != IN_FREEZE:
            return _Watchdog.not_frozen
        if host.patched:
            return _Watchdog.patched
        if not self.watchdog_due(s, h):
            return _Watchdog.not_due
        if self.params.live_migration:
            e = s.event_of_host(h)
            if e is not None and self.redeploy_target(s, h, e.resources) is not None:
                return _Watchdog.can_migrate
        vms = tuple(self.resumed_vm(v) if v.status == FROZEN and v.host == h else v for v in s.vms)
        return evolve_state(s, hosts=self._set_phase(s, h, RECOVERED, needs_reboot=True), vms=vms)

    def host_reboot(self, s: State, h: int) -> Outcome:
        """Under a Started Reboot the host is patched and its VMs restart; memory is lost (R15)."""
        if s.hosts[h].phase != STARTED:
            return _Reboot.not_started
        e = s.event_of_host(h)
        if e is None:
            return _Reboot.no_event
        if e.event_type != "Reboot":
            return _Reboot.not_reboot
        return self._restarted(s, h, e, None)

    def target_allowed(self, s: State, i: int, moving: tuple[int, ...]) -> bool:
        """R26: host `i` may take the VMs `moving` under a Redeploy: it is patched, free of
        maintenance (no event in flight, no VM frozen or rebooting there), and carries no VM of
        another update domain of a set the moving VMs belong to."""
        x = s.hosts[i]
        if not x.patched or x.phase != IDLE:
            return False
        by_ud = self.slice_of["Reboot"]  # (availability set, ("update_domain", UD)) per VM
        units = {by_ud[k] for k in moving}
        sets = {a for a, _ in units}
        for j, v in enumerate(s.vms):
            if v.host == i and v.status != GONE and (
                    v.status != RUNNING or (by_ud[j][0] in sets and by_ud[j] not in units)):
                return False
        return True

    def redeploy_target(self, s: State, h: int, moving: tuple[int, ...]) -> int | None:
        """A Redeploy (R26) or a live migration (R27) moves the VMs `moving` off host `h` to the
        first other host the rules allow."""
        return next((i for i in range(len(s.hosts)) if i != h and self.target_allowed(s, i, moving)), None)

    def host_redeploy(self, s: State, h: int) -> Outcome:
        """Under a Started Redeploy the VMs move to a patched host the rules allow and restart;
        the vacated host is patched (research 3.3: "move to another node"; R14, R15, R26)."""
        if s.hosts[h].phase != STARTED:
            return _Redeploy.not_started
        e = s.event_of_host(h)
        if e is None:
            return _Redeploy.no_event
        if e.event_type != "Redeploy":
            return _Redeploy.not_redeploy
        target = self.redeploy_target(s, h, e.resources)
        if target is None:
            return _Redeploy.no_target
        return self._restarted(s, h, e, target)

    def host_live_migrate(self, s: State, h: int) -> Outcome:
        """Under live migration the VMs frozen for the blackout at the end of their move resume on
        the first other host the rules allow, memory, clock lag and all kept; the source host is
        patched later, once it carries no VM (research 1.1, 1.5: "moves the VM to an already updated
        host"; R27, R14, R1)."""
        if not self.params.live_migration:
            return _LiveMigrate.disabled
        if s.hosts[h].phase != IN_FREEZE:
            return _LiveMigrate.not_frozen
        e = s.event_of_host(h)
        if e is None:
            return _LiveMigrate.no_event
        target = self.redeploy_target(s, h, e.resources)
        if target is None:
            return _LiveMigrate.no_target
        return self.migrated(s, h, e, target)

    def migrated(self, s: State, h: int, e: Event, target: int) -> State:
        """The effect of a live migration: each frozen VM of `e` resumed on `target`, memory kept."""
        vms = list(s.vms)
        for i in e.resources:
            if vms[i].status == FROZEN:
                vms[i] = evolve_vm(self.resumed_vm(vms[i]), host=target)
        return evolve_state(s, hosts=self._set_phase(s, h, RECOVERED), vms=tuple(vms))

    def _restarted(self, s: State, h: int, e: Event, target: int | None) -> State:
        """The VMs of `e` restart (on `target`, if given): memory lost, timers and clock reset;
        host `h` is patched by the restart, unless a user asked for it (R35)."""
        vms = list(s.vms)
        for i in self.named_on(s, e, h):
            vms[i] = evolve_vm(vms[i], status=REBOOTING, host=KEEP if target is None else target, memory=BLANK,
                               snapshot=None, frozen_for=None, clock_lag=0, unsynced_for=None)
        if e.source == USER_SOURCE:  # a user's restart is no maintenance: the update stays pending (R35)
            hosts = self._set_phase(s, h, IN_REBOOT)
        else:
            hosts = self._set_phase(s, h, IN_REBOOT, patched=True, needs_reboot=False)
        return evolve_state(s, hosts=hosts, vms=tuple(vms))

    def host_boot_vms(self, s: State, h: int) -> Outcome:
        """The VMs rebooted under the event of host `h` come back up, clocks synced at boot;
        their update domain's recovery gap begins (R21)."""
        if s.hosts[h].phase != IN_REBOOT:
            return _BootVMs.not_rebooting
        e = s.event_of_host(h)
        if e is None:
            return _BootVMs.no_event
        vms = list(s.vms)
        booted = self.named_on(s, e, h)
        for i in booted:
            vms[i] = evolve_vm(vms[i], status=RUNNING, snapshot=None, frozen_for=None, clock_lag=0, unsynced_for=None)
        return evolve_state(s, hosts=self._set_phase(s, h, RECOVERED), vms=tuple(vms),
                            recovering=self.recovered(s, booted))

    def host_hardware_failure(self, s: State, h: int) -> Outcome:
        """The host fails (research 3.4, 3.5 exceptional case 3): a Reboot naming its VMs appears
        already Started, with no notice and no NotBefore, and they restart at once, memory lost
        (R15).  It is not maintenance: the pending update is not applied (R34)."""
        if not self.params.hardware_failures:
            return _Failure.disabled
        host = s.hosts[h]
        if host.phase != IDLE:
            return _Failure.busy
        if host.rounds:
            return _Failure.rounds
        if host.patched:
            return _Failure.patched
        resources = self.residents(s, h)
        if not resources:
            return _Failure.no_vms
        if any(s.vms[i].status != RUNNING for i in resources):
            return _Failure.impacted
        if not self.slice_allows(s, resources, "Reboot"):
            return _Failure.slice_busy
        e = Event(self.event_id(h, 1), "Reboot", h, resources, STARTED_STATUS, None, 0, -1, False)
        t = self._with_event(s, e, self._set_phase(s, h, STARTED, rounds=1))
        return self.failed(t, h, e)

    def failed(self, s: State, h: int, e: Event) -> State:
        """The effect of a failure once its event is in the document: the VMs of `e` restart
        where they are, memory lost, timers and clock reset; the host is not patched."""
        vms = list(s.vms)
        for i in e.resources:
            vms[i] = evolve_vm(vms[i], status=REBOOTING, memory=BLANK, snapshot=None, frozen_for=None, clock_lag=0,
                               unsynced_for=None)
        return evolve_state(s, hosts=self._set_phase(s, h, IN_REBOOT), vms=tuple(vms))

    def vm_clock_resync(self, s: State, vm: int) -> Outcome:
        """The host steps a resumed guest's wall clock forward to host time (S4, R3, R4)."""
        v = s.vms[vm]
        if v.status != RUNNING:
            return _Resync.not_running
        if v.clock_lag == 0:
            return _Resync.synced
        synced = evolve_vm(v, snapshot=None, frozen_for=None, clock_lag=0, unsynced_for=None)
        return evolve_state(s, vms=s.vms[:vm] + (synced,) + s.vms[vm + 1 :])

    def user_reboot_vm(self, s: State, vm: int) -> Outcome:
        """The VM's owner restarts it from the portal, API, CLI or PowerShell (research 3.5,
        "User-initiated maintenance"): a Reboot with EventSource User naming that VM alone is
        Scheduled with the Reboot's notice (R9), and may be approved at once (R35).  It then runs
        as any Reboot, but applies no update: it is no maintenance."""
        if not self.params.user_events:
            return _UserReboot.disabled
        v = s.vms[vm]
        if v.status != RUNNING:
            return _UserReboot.not_running
        h = v.host
        host = s.hosts[h]
        if host.phase != IDLE:
            return _UserReboot.busy
        if host.rounds:
            return _UserReboot.rounds
        if host.patched:
            return _UserReboot.patched
        e = self.user_event(h, vm, host.rounds + 1)
        return self._with_event(s, e, self._set_phase(s, h, ANNOUNCED, rounds=host.rounds + 1))

    def user_event(self, h: int, vm: int, round_: int) -> Event:
        """The Reboot a user's restart of `vm` (on host `h`) schedules (R35): the minimum notice of
        research 3.4 goes by event type, so a user's Reboot has the Reboot's (notes/decisions.md D24)."""
        notice = self.announced_notice("Reboot")
        return Event(self.event_id(h, round_), "Reboot", h, (vm,), SCHEDULED, notice, notice, -1, False, USER_SOURCE)

    def platform_preempt_vm(self, s: State, vm: int) -> Outcome:
        """The platform needs the capacity of a Spot VM back (Spot VMs page): a Preempt naming that VM
        alone is Scheduled with the documented 30 s notice (R9).  Once Started, the VM is evicted
        (`host_evict_vm`) and never runs again (R36).  The platform's choice, never forced (not fair)."""
        if not self.params.spot_evictions:
            return _Preempt.disabled
        if not self.topology.vms[vm].spot:
            return _Preempt.not_spot
        refused = self._eviction_refusal(s, vm, _Preempt)
        if refused is not None:
            return refused
        return self._evict_announced(s, vm, "Preempt")

    def user_delete_vm(self, s: State, vm: int) -> Outcome:
        """The owner of a scale set deletes one of its VMs (scale-set terminate notifications): a
        Terminate naming that VM alone is Scheduled with the configured notBeforeTimeout (R9).  Once
        Started, the VM is deleted (`host_evict_vm`) and never runs again (R37)."""
        if self.params.terminate_timeout is None:
            return _Delete.disabled
        if not self.topology.aset(self.topology.vms[vm].availability_set).scale_set:
            return _Delete.not_scale_set
        refused = self._eviction_refusal(s, vm, _Delete)
        if refused is not None:
            return refused
        return self._evict_announced(s, vm, "Terminate")

    @staticmethod
    def _eviction_refusal(s: State, vm: int, guard: type[_Preempt] | type[_Delete]) -> Refusal | None:
        """The clauses a Preempt and a Terminate share (notes/decisions.md D25): a running VM, on a
        host with no event in flight, never announced, unpatched."""
        v = s.vms[vm]
        if v.status != RUNNING:
            return guard.not_running
        host = s.hosts[v.host]
        if host.phase != IDLE:
            return guard.busy
        if host.rounds:
            return guard.rounds
        if host.patched:
            return guard.patched
        return None

    def _evict_announced(self, s: State, vm: int, event_type: str) -> State:
        h = s.vms[vm].host
        rounds = s.hosts[h].rounds + 1
        notice = self.announced_notice(event_type)
        e = Event(self.event_id(h, rounds), event_type, h, (vm,), SCHEDULED, notice, notice, -1, False)
        return self._with_event(s, e, self._set_phase(s, h, ANNOUNCED, rounds=rounds))

    def terminate_order_allows(self, s: State, e: Event) -> bool:
        """R37: a Terminate approved before its NotBefore starts only once every other Terminate naming
        a VM of its scale set is approved or past its NotBefore ("VM_2 isn't deleted until the terminate
        event for VM_1 is approved, or its timeout has elapsed"); at its own NotBefore it starts anyway."""
        if e.event_type != "Terminate" or not e.not_before_in:
            return True
        sets = {self.vm_aset[i] for i in e.resources}
        for x in s.events:
            if x is not e and x.event_type == "Terminate" and x.status == SCHEDULED and not x.approved \
                    and x.not_before_in and any(self.vm_aset[i] in sets for i in x.resources):
                return False
        return True

    def host_evict_vm(self, s: State, h: int) -> Outcome:
        """Under a Started Preempt or Terminate the VM it names is evicted or deleted: gone for good
        (Spot VMs page: the Deallocate policy stops it, the Delete policy deletes it, and "The VM won't be
        automatically restarted"), and the event, at its terminal state, leaves the document (R36, R37, R13)."""
        if s.hosts[h].phase != STARTED:
            return _Evict.not_started
        e = s.event_of_host(h)
        if e is None:
            return _Evict.no_event
        if not e.eviction:
            return _Evict.not_eviction
        return self.evicted(s, h, e)

    def evicted(self, s: State, h: int, e: Event) -> State:
        """The effect of an eviction: each VM of `e` gone (its memory token kept, no timer running),
        `e` removed from the document, host `h` idle again, its update still pending."""
        vms = list(s.vms)
        for i in e.resources:
            vms[i] = evolve_vm(vms[i], status=GONE, snapshot=None, frozen_for=None, clock_lag=0, unsynced_for=None)
        events, removed = self._without_event(s, e)
        return evolve_state(s, hosts=self._set_phase(s, h, IDLE), vms=tuple(vms), events=events,
                            incarnation=s.incarnation + 1, removed=removed)

    def platform_complete_event(self, s: State, event_id: str) -> Outcome:
        """A Started event whose VMs are all back is removed from the document (R13)."""
        e = s.event(event_id)
        if e is None:
            return _Complete.removed if event_id in s.removed else _Complete.unknown
        if e.status != STARTED_STATUS:
            return _Complete.not_started
        if any(s.hosts[x].phase != RECOVERED for x in e.hosts):
            return _Complete.vms_not_back
        events, removed = self._without_event(s, e)
        return evolve_state(s, hosts=self._set_phases(s, e, IDLE), events=events, incarnation=s.incarnation + 1,
                            removed=removed)

    def time_choices(self, s: State) -> tuple[int, ...]:
        """How far time may advance from `s` (notes/decisions.md D1)."""
        g = self.params.granularity
        timing = any(v.frozen_for is not None or v.unsynced_for is not None for v in s.vms)
        if not timing:
            waits = [e.not_before_in for e in s.events if e.not_before_in]
            waits += [gap[1] for gap in s.recovering if gap is not None]  # R21: a gap ends like a deadline
            if waits:
                return (min(waits),)
        return (g,)

    def time_passes(self, s: State, dt: int) -> Outcome:
        """`dt` seconds pass: running guests write memory, frozen clocks fall behind,
        NotBefore deadlines draw nearer, recovery gaps run out.  Time never carries a freeze past its bound
        nor a clock past its resync latency (see its guard clauses)."""
        if dt <= 0:
            return _Time.not_forward
        if not self.freeze_deadline_ok(s, dt):
            return _Time.pause_bound
        if not self.resync_deadline_ok(s, dt):
            return _Time.resync_latency
        fcap, ucap = self.frozen_cap, self.unsynced_cap
        # A VM, the VM tuple and the document that time leaves as they were are kept as they
        # were (the same objects), so checkers can tell what changed by identity.
        vms = []
        moved = False
        for v in s.vms:
            if v.status == RUNNING:
                if v.unsynced_for is None and v.snapshot is None and v.frozen_for is None and v.memory == WRITTEN:
                    vms.append(v)  # a running guest that has written, with a synced clock: unchanged
                    continue
                unsynced = None if v.unsynced_for is None else min(v.unsynced_for + dt, ucap)
                v = evolve_vm(v, memory=written(v.memory), snapshot=None, frozen_for=None, unsynced_for=unsynced)
                moved = True
            elif v.status == FROZEN:
                v = evolve_vm(v, frozen_for=min((v.frozen_for or 0) + dt, fcap), clock_lag=min(v.clock_lag + dt, fcap))
                moved = True
            vms.append(v)
        events = s.events
        if any(e.not_before_in for e in events):
            events = tuple(
                evolve_event(e, not_before_in=max(0, e.not_before_in - dt)) if e.not_before_in else e for e in events
            )
        recovering = s.recovering
        if any(recovering):
            recovering = tuple(None if gap is None or gap[1] <= dt else (gap[0], gap[1] - dt) for gap in recovering)
        if not moved and events is s.events and recovering is s.recovering:
            return s
        return evolve_state(s, vms=tuple(vms) if moved else s.vms, events=events, recovering=recovering)

    # ------------------------------------------------------------------ the next-state relation

    def successors(self, s: State) -> Iterator[tuple[Step, State]]:
        """Every enabled step from `s` with the state it leads to, in the stable order of
        `ACTIONS` (the hot loop of every exhaustive search)."""
        out: list[tuple[Step, State]] = []
        add = out.append
        for expand in self._expanders:
            expand(s, add)
        return iter(out)

    def candidates(self, s: State) -> Iterator[tuple[str, tuple[Any, ...], Callable[[], Outcome]]]:
        """Every step `successors` tries in `s`, in its order, as (action, readable args, thunk)
        with the guard not yet evaluated: for a caller that decides lazily which to evaluate.
        A thunk returns the next state, or the refusal of its guard (falsy)."""
        hn, vn = self.host_names, self.vm_names
        for kind, run in ACTION_BLOCKS:
            if kind == "host":
                for h in range(len(s.hosts)):
                    for a in run:
                        method = getattr(self, a.name)
                        if len(a.args) == 2:
                            for t in self.event_types_for(s, h):
                                yield a.name, (hn[h], t), partial(method, s, h, t)
                        else:
                            yield a.name, (hn[h],), partial(method, s, h)
            elif kind == "event":
                for e in s.events:
                    for a in run:
                        if len(a.args) == 2:
                            for who in self.approvers_for(s, e):
                                yield (a.name, (e.event_id, self.approver_name(who)),
                                       partial(getattr(self, a.name), s, e.event_id, who))
                        else:
                            yield a.name, (e.event_id,), partial(getattr(self, a.name), s, e.event_id)
            elif kind == "vm":
                for i in range(len(s.vms)):
                    for a in run:
                        yield a.name, (vn[i],), partial(getattr(self, a.name), s, i)
            else:
                for dt in self.time_choices(s):
                    for a in run:
                        yield a.name, (dt,), partial(getattr(self, a.name), s, dt)

    def enabled_actions(self, s: State) -> Iterator[Step]:
        """Every enabled step from `s`, in a stable order."""
        for st, _ in self.successors(s):
            yield st

    def step(self, s: State, action: Step) -> State:
        """Apply one step, or raise `ActionNotEnabled` saying which clause of which guard refused it."""
        name, args = action
        info = ACTION_INFO.get(name)
        if info is None:
            raise ActionNotEnabled(f"unknown action {name!r}; known: {', '.join(ACTION_INFO)}", action=str(name),
                                   clause="unknown action")
        try:
            resolved = self._resolve(info, tuple(args))
        except (KeyError, TypeError, ValueError) as exc:
            raise ActionNotEnabled(f"{name}{tuple(args)}: bad arguments ({exc})", action=name,
                                   clause="bad arguments") from None
        nxt = getattr(self, name)(s, *resolved)
        if isinstance(nxt, State):
            return nxt
        refusal = nxt if isinstance(nxt, Refusal) else unspecified(name)
        raise ActionNotEnabled.refused(Step(name, tuple(args)), refusal)

    def refusal(self, s: State, action: Step) -> Refusal | None:
        """The guard clause that refuses `action` in `s`, or None when it is enabled (bad
        arguments and unknown actions raise `ActionNotEnabled`)."""
        try:
            self.step(s, action)
        except ActionNotEnabled as exc:
            if exc.refusal is None:
                raise
            return exc.refusal
        return None

    def resolve(self, action: Step) -> tuple[Any, ...]:
        """A step's readable arguments as its action takes them (indices for names); KeyError,
        TypeError or ValueError when the action is unknown or its arguments do not fit."""
        return self._resolve(ACTION_INFO[action.name], tuple(action.args))

    def _resolve(self, info: ActionInfo, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """A step's readable arguments as the action method takes them (indices for names)."""
        if len(args) == len(info.args) - 1 and info.args[-1] == "approver":
            return tuple(_RESOLVE[kind](self, x) for kind, x in zip(info.args, args))  # the leader approves
        if len(args) != len(info.args):
            raise ValueError(f"expected {len(info.args)} ({', '.join(info.args)}), got {len(args)}")
        return tuple(_RESOLVE[kind](self, x) for kind, x in zip(info.args, args))

    def guard(self, s: State, name: str, *args: object) -> bool:
        """Whether action `name` with readable `args` is enabled in `s` (for preconditions)."""
        try:
            self.step(s, Step(name, tuple(args)))
        except ActionNotEnabled:
            return False
        return True

    # ------------------------------------------------------------------ successors, built from ACTIONS

    def _step(self, name: str, args: tuple[Any, ...]) -> Step:
        """The `Step` value for (name, args), built once (steps are compared and hashed a lot)."""
        key = (name, args)
        st = self._steps.get(key)
        if st is None:
            st = self._steps[key] = Step(name, args)
        return st

    def _expander(self, kind: str, run: tuple[ActionInfo, ...]) -> _Expand:
        """The part of `successors` that tries one run of ACTIONS: for each object of `kind`
        in `s`, each action of the run, binding the (possibly overridden) methods once."""
        methods = tuple(getattr(self, a.name) for a in run)
        if kind == "host":
            return self._expand_hosts(run, methods)
        if kind == "vm":
            steps = tuple(tuple(Step(a.name, (n,)) for a in run) for n in self.vm_names)

            def expand_vms(s: State, add: _Add) -> None:
                for i in range(len(s.vms)):
                    for method, st in zip(methods, steps[i]):
                        nxt = method(s, i)
                        if nxt:
                            add((st, nxt))

            return expand_vms
        if kind == "event":
            for a in run:
                if a.args not in (("event",), ("event", "approver")):
                    raise ValueError(f"no successor expansion for {a.name} with arguments {a.args}")
            names = tuple(a.name for a in run)
            with_approver = tuple(len(a.args) == 2 for a in run)
            step_of, approvers_for, approver_name = self._step, self.approvers_for, self.approver_name

            def expand_events(s: State, add: _Add) -> None:
                for e in s.events:
                    eid = e.event_id
                    for method, name, two in zip(methods, names, with_approver):
                        if two:
                            for who in approvers_for(s, e):
                                nxt = method(s, eid, who)
                                if nxt:
                                    add((step_of(name, (eid, approver_name(who))), nxt))
                        else:
                            nxt = method(s, eid)
                            if nxt:
                                add((step_of(name, (eid,)), nxt))

            return expand_events
        if kind == "seconds":
            names = tuple(a.name for a in run)
            step_of, choices = self._step, self.time_choices

            def expand_time(s: State, add: _Add) -> None:
                for dt in choices(s):
                    for method, name in zip(methods, names):
                        nxt = method(s, dt)
                        if nxt:
                            add((step_of(name, (dt,)), nxt))

            return expand_time
        raise ValueError(f"no successor expansion for actions over {kind!r}: {[a.name for a in run]}")

    def _expand_hosts(self, run: tuple[ActionInfo, ...], methods: tuple[Callable[..., Outcome], ...]) -> _Expand:
        """Host actions take the host, and an announcement also an event type, drawn from
        `event_types_for` (the types the guard may accept)."""
        for a in run:
            if a.args not in (("host",), ("host", "event_type")):
                raise ValueError(f"no successor expansion for {a.name} with arguments {a.args}")
        hn = self.host_names
        # per host: (method, its step, or None for an action that also takes an event type, its name)
        per_host = tuple(
            tuple((m, Step(a.name, (n,)) if len(a.args) == 1 else None, a.name) for a, m in zip(run, methods))
            for n in hn
        )
        types_for, step_of = self.event_types_for, self._step

        def expand_hosts(s: State, add: _Add) -> None:
            for h in range(len(s.hosts)):
                for method, st, name in per_host[h]:
                    if st is None:
                        for t in types_for(s, h):
                            nxt = method(s, h, t)
                            if nxt:
                                add((step_of(name, (hn[h], t)), nxt))
                    else:
                        nxt = method(s, h)
                        if nxt:
                            add((st, nxt))

        return expand_hosts


def _event_id(spec: Spec, x: object) -> str:
    if not isinstance(x, str):
        raise TypeError("EventId must be a string")
    return x


def _approver(spec: Spec, x: object) -> int:
    if not isinstance(x, str):
        raise TypeError("the approver must be a VM name or \"outside\"")
    return OUTSIDE if x == OUTSIDE_NAME else spec.vm_ix[x]


def _seconds(spec: Spec, x: object) -> object:
    if type(x) is int or type(x) is Fraction:  # the common cases, before the slower abstract check
        return x
    if not isinstance(x, numbers.Rational) or isinstance(x, bool):
        raise TypeError("seconds must be an int or a Fraction (exact time)")
    return x


# How `step` turns each kind of readable argument into what the action takes.
_RESOLVE: dict[str, Callable[[Spec, Any], object]] = {
    "host": lambda spec, x: spec.host_ix[x],
    "vm": lambda spec, x: spec.vm_ix[x],
    "event": _event_id,
    "event_type": lambda spec, x: x,
    "seconds": _seconds,
    "approver": _approver,
}
