"""Parameters of the maintenance rules, as a frozen value with named profiles.

Each profile follows one generation of the documentation (research section 1.1 and
notes/decisions.md): the 2017 seed (30 s pause, freezes one update domain at a time), the
2019-2026 rebootless wording (under 10 s typical, freezes one fault domain at a time) and
live migration (about 5 s, one VM at a time).  Reboots and Redeploys are sequenced one
update domain at a time in every profile (research 1.5).  Every duration is in whole seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

SLICES = ("update_domain", "fault_domain", "vm")  # the units a Freeze may be sequenced by
# research 1.5 (2016-17 "only one update domain is rebooted at a time"; 2026 "only one update
# domain is updated at any given time"): reboot maintenance keeps the update domain in every profile
REBOOT_SLICE = "update_domain"
EVENT_TYPES = ("Freeze", "Reboot", "Redeploy")  # the types maintenance is announced as
# R36, R37 (research 3.3: EventType Preempt from api-version 2017-11-01, Terminate from 2019-01-01): the
# events that end with the VM gone, a Spot VM evicted or a scale set's VM deleted; never maintenance
EVICTION_TYPES = ("Preempt", "Terminate")
ALL_EVENT_TYPES = EVENT_TYPES + EVICTION_TYPES
# R28: who may approve an event -- any VM of an availability set it names ("set", research 3.3
# "Scope"), or only the VMs it names ("resources": the exhaustive configurations' reduction, D16)
APPROVAL_SCOPES = ("resources", "set")

# research 3.4: minimum NotBefore lead time per event type, in seconds
MIN_NOTICE = {"Freeze": 900, "Reboot": 900, "Redeploy": 600, "Preempt": 30}
# research 2.2 (scale-set terminate notifications): notBeforeTimeout is configurable from 5 to 15 minutes
TERMINATE_TIMEOUTS = (300, 900)
# research 3.4: "in some cases advance notice might be as little as 30 seconds"
SHORT_NOTICE = 30
# research 1.5: "A rebooted update domain is given 30 minutes to recover before maintenance is
# initiated on a different update domain" (R21)
RECOVERY_GAP = 1800


class InvalidParams(ValueError):
    """Parameters that no deployment could have; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Params:
    pause_bound: int = 30  # S3, R2: the hard bound: a frozen VM resumes within this many seconds
    min_notice: int = MIN_NOTICE["Freeze"]  # research 3.4: NotBefore lead time of a Freeze
    short_notice: bool = False  # research 3.4: allow the rare 30 s notice (a soft exception)
    # S4, R3, R32: seconds after resume by which the guest clock is synced: 5 s in every profile, one
    # poll of the Windows time-sync service, which enters sync mode after a resume (Linux: at once)
    resync_latency: int = 5
    freeze_slice: str = "update_domain"  # S6 / research 1.5: the unit a Freeze is sequenced by
    granularity: int = 10  # seconds of one time step while something is timing
    expected_pause: int = 9  # DurationInSeconds announced for a Freeze (-1 = unknown)
    allow_redeploy: bool = False  # may a reboot update be served by a Redeploy instead of a Reboot
    notice_divisor: int = 1  # "dev timing": every notice divided by this (decisions D5)
    # research 3.3 (2017-2020 pages): an event's Resources hold VMs of at most one update domain
    resources_one_update_domain: bool = True
    # research 1.5 (availability-set-overview, 2022 and 2024): a rebooted update domain is given
    # 30 minutes to recover before maintenance starts on another update domain of its set (R21)
    recovery_gap: int = RECOVERY_GAP
    # R31: the typical pause, which a longer pause up to the hard bound exceeds only rarely (a
    # warning, never a violation); None: the hard bound itself (no separate typical figure)
    typical_pause: int | None = None
    # R2: the watchdog may resume an overrunning freeze at any time up to the hard bound; off,
    # only within the last granule before it (dev timing keeps it off: decisions D21)
    watchdog_any_time: bool = True
    # research 3.4, 3.5 (current page, exceptional case 3): a hardware failure produces a Reboot that
    # appears already Started, with no notice, and loses memory (R34)
    hardware_failures: bool = False
    # R28 (research 3.3 "Scope", SE17): events reach every VM of the set, and any of them may approve
    approval_scope: str = "set"
    # R28 (Event Grid page: `az maintenance scheduledevent acknowledge`): approval from outside the VMs
    approval_from_outside: bool = False
    # R29 (research 3.5: "the system will then wait for all other tenants on the same hardware to also
    # approve the job or timeout"): an early start needs the approval of every tenant (availability set)
    # the event names; NotBefore is the timeout.  Off in every profile (decisions D18).
    all_tenants_approve: bool = False
    # R35 (research 3.5, current page, "User-initiated maintenance"): restarting a VM from the portal, API,
    # CLI or PowerShell schedules a Reboot with EventSource User, which an application may approve at once
    user_events: bool = False
    # R27, R14 (research 1.1, 1.5: "moves the VM to an already updated host", "one VM at a time"): a
    # Freeze is a live migration: each VM it names moves to a patched host, paused only for the blackout
    live_migration: bool = False
    # R30 (research 3.3, 2017-2020 pages: Resources "guaranteed to contain machines from at most one
    # update domain, but may not contain all machines in the UD"; fidelity review 3: "possibly several
    # hosts"; the current page delivers an availability set's events to all its VMs): the platform may
    # announce one event for several hosts of one slice at once.  On in the profiles of the current pages
    # (typical-2026, live-migration), off in the 2017 ones and dev timing (decisions D17).
    multi_host_events: bool = False
    # R36 (Spot VMs page: "evict Azure Spot Virtual Machines with 30-seconds notice"; research 3.4): a Spot VM
    # may be evicted under a Preempt with the 30 s notice, and never runs again.  Off in every profile.
    spot_evictions: bool = False
    # R37 (research 2.2, scale-set terminate notifications): deleting a VM of a scale set schedules a
    # Terminate whose NotBefore is the configured notBeforeTimeout; None: notifications off (every profile)
    terminate_timeout: int | None = None

    def __post_init__(self) -> None:
        if self.freeze_slice not in SLICES:
            raise InvalidParams(f"freeze_slice must be one of {', '.join(SLICES)}, got {self.freeze_slice!r}")
        if self.approval_scope not in APPROVAL_SCOPES:
            raise InvalidParams(
                f"approval_scope must be one of {', '.join(APPROVAL_SCOPES)}, got {self.approval_scope!r}")
        if self.all_tenants_approve and self.approval_from_outside:
            raise InvalidParams("all_tenants_approve counts approvals per tenant, and an approval from outside "
                                "names no tenant: give approval_from_outside=False with it")
        if self.live_migration and self.freeze_slice != "vm":
            raise InvalidParams(f"live_migration moves one VM at a time: it needs freeze_slice 'vm', "
                                f"got {self.freeze_slice!r}")
        if not isinstance(self.notice_divisor, int) or self.notice_divisor < 1:
            raise InvalidParams(f"notice_divisor must be a whole number >= 1, got {self.notice_divisor!r}")
        if self.notice_divisor > MIN_NOTICE["Reboot"]:
            raise InvalidParams(f"notice_divisor must be at most {MIN_NOTICE['Reboot']}, so that an announced Reboot keeps "
                                f"a notice of at least a second (no notice at all marks a hardware failure, R34), "
                                f"got {self.notice_divisor!r}")
        if not isinstance(self.granularity, int) or self.granularity < 1:
            raise InvalidParams(f"granularity must be a positive whole number of seconds, got {self.granularity!r}")
        for name in ("pause_bound", "min_notice", "resync_latency", "recovery_gap"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise InvalidParams(f"{name} must be a whole number of seconds >= 0, got {value!r}")
        if self.pause_bound < self.granularity:
            raise InvalidParams(
                f"pause_bound ({self.pause_bound} s) must be at least one granularity step ({self.granularity} s)"
            )
        if self.typical_pause is not None and (
                not isinstance(self.typical_pause, int) or not 0 < self.typical_pause <= self.pause_bound):
            raise InvalidParams(f"typical_pause must be a whole number of seconds in 1..pause_bound "
                                f"({self.pause_bound} s), or absent, got {self.typical_pause!r}")
        if self.terminate_timeout is not None and (
                not isinstance(self.terminate_timeout, int) or isinstance(self.terminate_timeout, bool)
                or not TERMINATE_TIMEOUTS[0] <= self.terminate_timeout <= TERMINATE_TIMEOUTS[1]):
            raise InvalidParams(f"terminate_timeout must be a whole number of seconds from {TERMINATE_TIMEOUTS[0]} to "
                                f"{TERMINATE_TIMEOUTS[1]} (notBeforeTimeout, 5 to 15 minutes), or absent, "
                                f"got {self.terminate_timeout!r}")
        if self.expected_pause < -1:
            raise InvalidParams(f"expected_pause must be -1 (unknown) or >= 0, got {self.expected_pause}")

    @property
    def typical_bound(self) -> int:
        """The typical pause (R31): `typical_pause`, or the hard bound when none is given."""
        return self.pause_bound if self.typical_pause is None else self.typical_pause

    def slice_for(self, event_type: str) -> str:
        """The unit events of `event_type` are sequenced by (R5): the profile's freeze slice
        for a Freeze, the update domain for a Reboot or Redeploy in every profile, and for an
        eviction (R36, R37), which takes its VM down like a reboot (notes/decisions.md D25)."""
        return self.freeze_slice if event_type == "Freeze" else REBOOT_SLICE

    def notice_for(self, event_type: str) -> int:
        """The minimum NotBefore lead time for `event_type` (research 3.4), in dev timing if set."""
        if event_type == "Freeze":
            base = self.min_notice
        elif event_type == "Terminate":  # R37: the configured notBeforeTimeout (the shortest where none is)
            base = TERMINATE_TIMEOUTS[0] if self.terminate_timeout is None else self.terminate_timeout
        else:
            base = MIN_NOTICE[event_type]
        return base // self.notice_divisor

    def gap(self) -> int:
        """The recovery gap after a rebooted update domain (R21), in dev timing if set
        (divided like the notices, notes/decisions.md D5 and D13); 0 turns it off."""
        return self.recovery_gap // self.notice_divisor

    def required_notice(self, event_type: str) -> int:
        """The least notice the rules accept: the minimum, or 30 s where the rare short
        notice is allowed (research 3.4 documents it for every type)."""
        if self.short_notice:
            return min(SHORT_NOTICE // self.notice_divisor, self.notice_for(event_type))
        return self.notice_for(event_type)


# Named profiles, one per documentation generation (notes/decisions.md D3).
PROFILES: dict[str, Params] = {
    # S3, S4, S6: 2017 seed -- "resumed within 30 seconds" (hard, no separate typical figure), one
    # update domain at a time
    "azure-2017": Params(),
    # research 1.1 (2019-2026): "almost always ... less than 10 seconds" (typical, R31) and, "in rare
    # circumstances", "about 30 seconds" (hard, R2); freezes one fault domain at a time (the current
    # Scheduled Events page no longer promises Resources within one update domain; it also
    # documents the unannounced hardware-failure Reboot, R34)
    # and lets the maintenance API approve from outside the VMs (R28); a VM's owner may restart it,
    # which the document shows as a Reboot with EventSource User (R35)
    "typical-2026": Params(
        pause_bound=30, typical_pause=10, freeze_slice="fault_domain", granularity=5, expected_pause=9,
        resources_one_update_domain=False, hardware_failures=True,
        approval_from_outside=True, user_events=True, multi_host_events=True,
    ),
    # research 1.1/1.5: live migration "typically ... no more than 5 seconds" (typical, R31), one VM at
    # a time; the documentation gives it no hard figure of its own, so the hard bound is the rare
    # "about 30 seconds" of any memory-preserving pause on the same page (decisions D21); each VM
    # moves to an already patched host (R27, decisions D15)
    "live-migration": Params(
        pause_bound=30, typical_pause=5, freeze_slice="vm", granularity=5, expected_pause=5,
        resources_one_update_domain=False, hardware_failures=True,
        approval_from_outside=True, user_events=True, live_migration=True, multi_host_events=True,
    ),
    # research 3.4: the rare case of a notice "as little as 30 seconds"
    "short-notice": Params(short_notice=True),
    # the 2017 rules with every notice divided by 30 (15 min -> 30 s), for exhaustive search; the
    # watchdog keeps to the last granule before the bound (decisions D21: early aborts multiply TINY by
    # 1.6), and a Freeze announces a pause of one granule, which the model can represent (D20)
    "dev-timing": Params(notice_divisor=30, watchdog_any_time=False, expected_pause=10),
}


# Earlier names of parameters, still read from topology files and counterexamples.
RENAMED = {"slice": "freeze_slice"}


def profile(name: str, **overrides: Any) -> Params:
    """The named profile, with any field overridden (earlier names in `RENAMED` accepted)."""
    for old, new in RENAMED.items():
        if old in overrides:
            if new in overrides:
                raise InvalidParams(f"give either {old} or {new} (its new name), not both")
            overrides[new] = overrides.pop(old)
    try:
        base = PROFILES[name]
    except KeyError:
        raise InvalidParams(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None
    return replace(base, **overrides) if overrides else base
