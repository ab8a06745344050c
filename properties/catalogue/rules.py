"""The numbered rules of the specification, with their sources.

This is the rule catalogue that notes/spec.md presents: `vmspec rules --markdown` prints
the rules section of that file, and a test keeps the two identical.  Each rule is
enforced by the properties of `vmspec.properties.catalogue.registry` that name it, or carries the written
reason why the state machine cannot check it (`not_checked`).

Sources: S1-S7 are the seed sentences (shared seeds README); "research N.M" is a section
of the research file on Azure maintenance, with the documentation date where the rule
changed over time.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmspec.model import ACTIONS


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    text: str
    source: str
    not_checked: str | None = None  # why no property can check it, when none does


RULES: tuple[Rule, ...] = (
    Rule(
        "R0",
        "Well-formed state",
        "Every variable of the model holds a value of its domain: VM statuses running, frozen or "
        "rebooting, or gone (R36, R37); host phases from the maintenance cycle; EventStatus only Scheduled or "
        "Started; EventType Freeze, Reboot or Redeploy, or Preempt or Terminate (R36, R37); EventSource "
        "Platform or User; DocumentIncarnation a positive integer.",
        "research 3.3 (response schema, 2020-07-01)",
    ),
    Rule(
        "R1",
        "Memory is preserved across a freeze",
        "While a VM is frozen its memory equals the snapshot taken when it was frozen, and it resumes "
        "with exactly that memory: never wiped, and never an older image of it (a copy that lost the "
        "pages the guest wrote before the freeze, a rollback).  The memory abstraction tells the newest "
        "contents a VM has held from any older image (notes/decisions.md D19).",
        "S2 (\"preserving memory in RAM\"); research 1.3 (Freeze: \"no impact on memory or open files\"; "
        "live migration, 2023: \"Memory, open files, and network connections are maintained\")",
    ),
    Rule(
        "R2",
        "The pause is bounded",
        "No VM stays frozen longer than the hard pause bound of the parameter profile: 30 s in every "
        "profile, the 2017 seed's \"within 30 seconds\" and, since 2019, the rare pause of \"about 30 "
        "seconds\" beside the typical figures (10 s, 5 s for live migration), which R31 states as a "
        "typical bound, not a guarantee.  When the update overruns, a watchdog resumes the VMs before "
        "the hard bound is crossed, at any time up to it (under dev timing only within the last "
        "granule before it).",
        "S3 (\"resumes within 30 seconds\"); research 1.1 (2019: \"pause the VM for up to 30 seconds\"; "
        "2026: \"In rare circumstances ... pause the VM for about 30 seconds\")",
    ),
    Rule(
        "R3",
        "The guest clock is synchronised after resume",
        "A running guest's wall clock equals host time, except for at most the resync latency after a "
        "resume, during which it lags by the length of the pause.  The latency is 5 s in every profile: a "
        "Windows guest's time-sync service polls the host every 5 seconds and enters sync mode after a "
        "resume; a Linux guest's is updated immediately after a maintenance event, well within it.",
        "S4 (\"the clock of the virtual machine is automatically synchronized\"); research 1.2 (VMICTimeSync); "
        "azure-compute-docs articles/virtual-machines/windows/time-sync.md (\"polls the host every 5 seconds\"; "
        "\"Sync mode activates if a guest has been resumed\"); articles/virtual-machines/linux/time-sync.md "
        "(\"Immediately updates the Linux VM time-of-day clock after a host maintenance event\")",
    ),
    Rule(
        "R4",
        "The guest clock never steps back",
        "A guest's wall clock, as the platform's time sync moves it, stands still while frozen and is only "
        "ever moved forward: by running, or by the resync that removes the lag.  This covers Windows guests "
        "(whose time-sync \"will only influence the clock forward\") and the host's update of a Linux "
        "guest after maintenance; a guest whose own time daemon may step the clock either way is outside "
        "it (R32).",
        "research 1.2 (Windows time sync \"will only influence the clock forward\"); azure-compute-docs "
        "articles/virtual-machines/windows/time-sync.md",
    ),
    Rule(
        "R5",
        "One slice of an availability set at a time, by event type",
        "At no instant are VMs of two different slices of one availability set frozen or rebooting, "
        "where a VM's slice depends on the event that impacts it.  Reboot and Redeploy events are "
        "sequenced one update domain at a time in every profile.  Freeze events are sequenced by the "
        "profile's freeze slice: the update domain (2017), the fault domain (rebootless maintenance "
        "since 2019) or the single VM (live migration).  A Freeze sliced by fault domain or by VM never "
        "runs beside a Reboot or Redeploy of the same set.",
        "S6 (\"applied one update domain at a time\"); research 1.5 (reboots: \"only one update domain "
        "is rebooted at a time\", 2016-17, and \"only one update domain is updated at any given time\", "
        "2026; rebootless: \"one fault domain at a time\", 2019 and 2026; live migration: \"one VM at a "
        "time\", 2026); research invariants 1 and 2",
    ),
    Rule(
        "R6",
        "Not every update is applied in place",
        "An update that needs a reboot is never applied under a Freeze; it is announced as a Reboot (or "
        "Redeploy).  An in-place update that overruns is aborted by the watchdog and redone later as an "
        "announced Reboot.",
        "S5 (\"Not all updates can be deployed with this mechanism\"); research 1.4",
    ),
    Rule(
        "R7",
        "Impact only inside a Started event",
        "A VM is frozen or rebooting only while a Started event names it in its Resources.",
        "research 3.5 (\"All operations impacting VM availability create a scheduled event\"; "
        "exceptional case 1); research invariants 11 and 12",
    ),
    Rule(
        "R8",
        "An event starts after NotBefore or an approval",
        "A Scheduled event becomes Started only once its NotBefore has passed or an application approved "
        "it.",
        "research 3.3 (NotBefore: \"The event is guaranteed to not start before this time\"); research "
        "3.5 (\"Events won't proceed unless they are either approved ... or the NotBefore time elapses\")",
    ),
    Rule(
        "R9",
        "Minimum notice",
        "An event is announced with NotBefore at least the minimum notice ahead: 15 minutes for Freeze "
        "and Reboot, 10 minutes for Redeploy.  The documented rare notice of 30 s is a soft exception, "
        "accepted only under the short-notice profile.",
        "research 3.4 (minimum notice table; \"as little as 30 seconds\")",
    ),
    Rule(
        "R10",
        "DocumentIncarnation tracks the document",
        "DocumentIncarnation increases whenever the Events array changes, and stays the same when it does "
        "not: documents with the same incarnation carry the same events.",
        "research 3.3 (DocumentIncarnation: \"Integer that increases when the events array changes\")",
    ),
    Rule(
        "R11",
        "Event lifecycle",
        "The only statuses are Scheduled and Started.  Platform events go absent -> Scheduled -> "
        "Started -> absent, or Scheduled -> absent when cancelled (a hardware-failure Reboot, R34, appears "
        "already Started); they keep their EventId, EventType, "
        "Resources and EventSource throughout; NotBefore is set while Scheduled and empty once Started.",
        "research 3.3 (EventStatus, EventId, NotBefore, EventSource); research 3.5 (exceptional case 2); research "
        "invariant 10",
    ),
    Rule(
        "R12",
        "A removed event never returns",
        "Once an EventId has left the document it never appears in it again.",
        "research 3.5 (exceptional case 1); research invariant 10",
    ),
    Rule(
        "R13",
        "A finished event is removed",
        "There is no Completed status: an event stays in the document only while its maintenance is in "
        "flight and is removed when it finishes.",
        "research 3.3 (\"No Completed or similar status is ever provided. The event is no longer returned "
        "when the event is finished.\")",
    ),
    Rule(
        "R14",
        "A freeze happens in place, except under live migration",
        "A VM changes host only under a Started Redeploy that names it, or, where the profile live-migrates "
        "(live-migration), under a Started Freeze that names it, as R27 allows.  Under the in-place "
        "mechanisms (azure-2017, typical-2026, and the dev-timing configurations) a VM stays on its host "
        "under a Freeze.",
        "S2 (\"in-place\"); research 3.3 (Redeploy: \"move to another node\"); research 1.1 (2018: the VM is "
        "paused \"while the hosting environment applies the necessary updates and patches, or moves the VM to "
        "an already updated host\"); research 3.3 (current page: a Freeze for \"two VMs which were live "
        "migrated to another node\"); fidelity review 5",
    ),
    Rule(
        "R15",
        "Memory is lost only under a reboot the document shows",
        "A VM's memory changes only by its own writes while running, or is lost while a Started Reboot "
        "or Redeploy names it: one the platform announced for maintenance, a Reboot that reports an "
        "unannounced hardware failure (R34), which appears already Started, or a Reboot its user asked for "
        "(R35); the last two are never used to apply maintenance.  A loss under no such event, or "
        "maintenance applied under a reported failure or a user's request, is a platform bug.",
        "research 3.3 (Reboot: \"non-persistent memory is lost\"); research 3.4 (hardware failure: the event "
        "is created directly as EventType Reboot, EventStatus Started); research invariant 6",
    ),
    Rule(
        "R16",
        "An availability set is never wholly down",
        "An availability set whose VMs span more than one update domain keeps at least one VM running "
        "whenever one of its VMs reboots, whatever the freeze slice; one whose VMs span more than one "
        "freeze slice keeps at least one VM running whenever its VMs are frozen.  Under the fault-domain "
        "freeze slice, a set confined to one fault domain may be wholly frozen for the pause.  A VM gone "
        "(a Spot VM evicted, R36, or a scale set's VM deleted, R37) no longer counts in its set: what spans "
        "several slices is the set's remaining VMs.",
        "research 1.5 and 2.1 (\"at least one VM is available\"; the 99.95% SLA); research invariant 4 "
        "(\"during either an outage or maintenance events that require a reboot, at least one VM is "
        "available\", 2019 and 2026)",
    ),
    Rule(
        "R17",
        "One approval releases the event for all its Resources",
        "One approval, by whoever may give it (R28), releases the event for every VM in its Resources; "
        "later approvals of the same event change nothing.",
        "research 3.5 (\"Acknowledging an event allows the event to proceed for all Resources in the event, "
        "not just the VM that acknowledges the event\"; \"The service always returns a 200 success code if "
        "it's passed a valid event ID, even if another VM already approved the event\")",
        not_checked="structural: the state keeps one approval per event (who gave it, R28), not one per VM, "
        "so no reachable state can express a partial approval; R8 checks the start condition that reads it.",
    ),
    Rule(
        "R18",
        "Every host is eventually patched",
        "Under weak fairness of the platform's actions and of time, every host is eventually patched, "
        "whether or not applications approve.",
        "S1, S2 (the purpose of the maintenance); research 3.5 (\"the event is automatically approved when "
        "the NotBefore time is reached\")",
    ),
    Rule(
        "R19",
        "Every frozen VM eventually resumes",
        "Every frozen VM runs again.",
        "S3 (\"The VM resumes\")",
    ),
    Rule(
        "R20",
        "No deadlock",
        "In every reachable state some action is enabled; once the rollout is complete, time still passes.",
        "the model's own sanity: a stuck platform is a broken specification",
    ),
    Rule(
        "R21",
        "Recovery gap after a rebooted update domain",
        "Once the VMs of an update domain rebooted (or redeployed) under a Reboot or Redeploy event are back, "
        "no event naming VMs of another update domain of their availability set starts for the recovery gap, "
        "30 minutes (divided like the notices in dev timing).  The gap follows a reboot only, never a freeze, "
        "and holds before maintenance of every type, Freezes included (notes/decisions.md D13).  A later "
        "reboot of the same update domain may start during the gap and starts it anew when its VMs are back.",
        "research 1.5 (\"A rebooted update domain is given 30 minutes to recover before maintenance is initiated "
        "on a different update domain\", manage-availability 2016-17 and availability-set-overview 2022; \"A "
        "restarted update domain has 30 minutes to recover before maintenance starts on a different update "
        "domain\", 2024); research invariant 3",
    ),
    Rule(
        "R22",
        "Resources confined to one update domain",
        "Under the profiles that follow the 2017-2020 Scheduled Events pages (azure-2017, short-notice, "
        "dev-timing), all VMs in one event's Resources belong to a single update domain of each "
        "availability set: the platform never announces an event for a host that carries two update "
        "domains of a set, so such a host is never maintained (R18 reports it).  The current page no "
        "longer promises it, and typical-2026 and live-migration do not enforce it.",
        "research 3.3 (Resources: \"guaranteed to contain machines from at most one update domain, but "
        "it might not contain all machines in the UD\", 2017-03-01, 2019 and 2020 pages; dropped from the "
        "current page)",
    ),
    Rule(
        "R23",
        "The Scheduled Events transport contract",
        "Requests without the Metadata header get 400, more than 5 requests per second get 429, a POST "
        "with a valid EventId gets 200.",
        "research 3.2",
        not_checked="a property of the HTTP endpoint, not of maintenance states; captured documents are "
        "judged by the Scheduled Events stream checker instead.",
    ),
    Rule(
        "R24",
        "Maintenance configurations and the 35-day window",
        "Deferred host updates are applied no later than 35 days after release, in windows of at least two "
        "hours.",
        "research 1.6",
        not_checked="customer scheduling above the rollout: the model starts when the platform decides "
        "to roll out, and R18 covers that it finishes.",
    ),
    Rule(
        "R25",
        "Stop on warning health signals",
        "Rebootless maintenance stops when it receives warning health signals.",
        "research 1.1 (2019: \"They stop if they receive any warning health signals\")",
        not_checked="health signals are not observable in the documented interfaces; a stop is modelled "
        "only as the cancellation of a Scheduled event (R11).",
    ),
    Rule(
        "R26",
        "A Redeploy lands on a host within the rules",
        "A Redeploy moves its VMs only to a host that is already patched, free of maintenance (no event in "
        "flight, no VM frozen or rebooting there) and carrying no VM of another update domain of an "
        "availability set the moving VMs belong to; a Redeploy is announced only when such a host exists.  "
        "(R26 is one of the ids R26-R27 reserved for the recovery gap, the Redeploy target and live migration.)",
        "research 1.1 (2018: the VM is paused \"while the hosting environment applies the necessary updates and "
        "patches, or moves the VM to an already updated host\"); research 3.3 (Redeploy: \"move to another "
        "node\"); research 1.5 (\"only one update domain is updated at any given time\"): a target carrying "
        "another update domain of the set would put two update domains on one host (notes/decisions.md D11, D14)",
    ),
    Rule(
        "R27",
        "Live migration moves a VM to a patched host, memory kept, one VM of a set at a time",
        "Where the profile live-migrates (live-migration), a Freeze event names the first VM on its host of "
        "each availability set there, so that one VM of a set moves at a time; it is announced only when "
        "another host can take those VMs.  Once Started, the VMs are frozen for the blackout at the end of "
        "the move and resume on another host that is already patched, free of maintenance (no event in "
        "flight, no VM frozen or rebooting there) and carrying no VM of another update domain of their set, "
        "with their memory, and their clock behind by the pause (R3); the source host's update is never "
        "applied under the freeze: the host is patched once it carries no VM, its other VMs of a set moving "
        "in turn under its next events.  Only when no host can take the VMs does the watchdog resume them "
        "in place, the update then redone as a Reboot (R2).  (R27 is the id reserved for live migration.)",
        "research 1.1 (2018: \"moves the VM to an already updated host\"; 2019 and 2026: live migration "
        "\"causes a pause or freeze, typically lasting no more than 5 seconds\"); research 1.3 (2023: \"Memory, "
        "open files, and network connections are maintained\"); research 1.5 (2026: \"Live migration affects "
        "one VM at a time within an availability set\"); research 1.4 (live migration \"is not a guaranteed "
        "operation\"; if it fails the VM may be \"Service Healed\"); research 3.3 (current page: a Freeze for "
        "\"two VMs which were live migrated to another node\"; research 4, the scheduled-events mock server's Live Migration scenario is an "
        "EventType Freeze); fidelity review 5 (notes/decisions.md D15)",
    ),
    Rule(
        "R28",
        "Set-wide approval, recorded with who approved",
        "An event is delivered to every VM of each availability set it names, and any of those VMs may "
        "approve it; under the current documentation the maintenance API or CLI may also approve it from "
        "outside the VMs.  The event records who approved it, and an approval from anyone else (a VM of "
        "another set) is refused.  The 2017-03-01 page delivers events set-wide too, but its endpoint is "
        "reachable only from inside the VM, so azure-2017, short-notice and dev-timing accept no approval "
        "from outside; the exhaustive configurations (TINY, SMALL, UNSAFE_SHARED_HOST, TWO_REBOOTS, RECOVERY_GAP, "
        "TYPICAL_PAUSE, UNPLANNED, REDEPLOY_TARGET, LIVE_MIGRATION) narrow "
        "approvers to the VMs the event names (decisions D16).  An "
        "approval lets the event start early but does not start it: the platform starts it at a later "
        "step (R8; \"The event may not start immediately upon approval\").  Rule ids R28-R30 are those of "
        "approval scope and set-wide events.",
        "research 3.3 (Scope: \"Scheduled events are surfaced to all Virtual Machines in a cloud service or "
        "to all Virtual Machines in an Availability Set\", 2017-03-01 page; the current page delivers the events of an "
        "availability set to all its VMs; \"The information is available via a Non-routable IP so that it is not "
        "exposed outside the VM\", 2017-03-01); research 3.5 (\"The event may not start immediately upon "
        "approval\"; leader election by the first name in Resources); fidelity review source EG "
        "(`az maintenance scheduledevent acknowledge`, approval from outside the VM)",
    ),
    Rule(
        "R29",
        "On shared infrastructure, every tenant approves or NotBefore passes",
        "Where the platform waits for all tenants (the optional `all_tenants_approve` condition, off in every "
        "profile and on in the ALL_TENANTS configuration), an event counts as approved, and may start before "
        "NotBefore, only once a VM of every availability set it names (each a tenant of the host) has "
        "approved it; until then each tenant's approval is recorded, a tenant approves once, and NotBefore "
        "is the timeout after which the event starts without them (R8).",
        "research 3.5 (\"If the VM is on shared infrastructure, the system will then wait for all other "
        "tenants on the same hardware to also approve the job or timeout\"; \"In some cases Azure requires "
        "the approval of all the VMs hosted on the node before proceeding\"; \"Once approvals are gathered "
        "from all impacted VMs or the NotBefore time is reached, then Azure generates a new scheduled event "
        "payload with EventStatus:\"Started\"\")",
    ),
    Rule(
        "R30",
        "An event may name the VMs of several hosts of one slice",
        "Where the profile allows it (`multi_host_events`: the profiles of the current pages, typical-2026 and "
        "live-migration; not the 2017 ones nor dev timing), the platform may announce one Freeze or Reboot for "
        "several hosts at once: its Resources name every VM of every one of them, and lie within one slice of "
        "each availability set, the slice of its event type (one update domain for a Reboot, the profile's "
        "freeze slice for a Freeze); it is announced with notice, its EventId is one host's, and it completes "
        "once every host's VMs are back.  A Redeploy, and a live migration's Freeze, name the VMs of one host.  "
        "Every VM of a set sees the set's events (R28).  Not checked: two events at once naming one VM.  The "
        "current page shows several events in one document but never one VM in the Resources of two, nor how "
        "two impacts on one VM would combine, so the model keeps one event per VM: a trace that names a VM in "
        "two events at once is reported by the strengthening invariant `vm_named_by_one_event` (R7), which "
        "the documentation neither requires nor refutes (notes/decisions.md D17).",
        "research 3.3 (Resources, 2017-2020 pages: \"guaranteed to contain machines from at most one update "
        "domain, but it might not contain all machines in the UD\"; Scope: events are delivered to every VM of "
        "the availability set; the current page's example Freeze for \"two VMs which were live migrated to "
        "another node\"); fidelity review 3 (\"Resources of one event: at most one UD (SE17, SE19) but "
        "possibly several hosts\") and 4 (\"several events may be in one document\")",
    ),
    Rule(
        "R31",
        "The typical pause",
        "A pause usually ends within the typical bound of the profile: under 10 s since 2019, 5 s for "
        "live migration (the 2017 seed gives no figure but its 30 s hard bound).  A longer pause up to the "
        "hard bound (R2) is a documented rare case: traces, captures and reports show it as a warning, "
        "never as a violation.",
        "research 1.1 (2019: \"Most nonzero-impact maintenance pauses the VM for less than 10 seconds\"; "
        "2026: \"almost always ... a VM pause for less than 10 seconds\"; live migration \"typically "
        "lasting no more than 5 seconds\")",
    ),
    Rule(
        "R32",
        "A guest's own time daemon may step either way",
        "A Linux guest that syncs its clock with chrony from the host's PTP clock, configured to step "
        "(`makestep 1.0 -1`), may step its wall clock back as well as forward to correct it; R4 covers the "
        "forward-only sync of the platform, not such a guest daemon.",
        "azure-compute-docs articles/virtual-machines/linux/time-sync.md (chrony with /dev/ptp_hyperv, "
        "\"makestep 1.0 -1\"); research 1.2",
        not_checked="the guest's time daemon is configured by the guest, not by the maintenance platform: the "
        "model's guest clock is the one the platform's sync moves (R3, R4), and no state of the rollout tells "
        "which daemon a guest runs.",
    ),
    Rule(
        "R34",
        "An unannounced hardware failure is a Reboot already Started, and no maintenance",
        "(Rule ids R34-R39 are reserved for unplanned and user events.)  Where the profile models hardware "
        "failures (the current documentation: typical-2026, live-migration), a host whose maintenance is not "
        "yet announced may fail while its VMs run: the platform then publishes a Reboot "
        "naming its VMs that is already Started, with no notice and no NotBefore (Description \"Host server "
        "is undergoing an emergency repair.\"), and the VMs restart at once, their memory lost.  The failure "
        "is the environment's, not the platform's, and is never forced (not fair).  It is no maintenance: "
        "the host's pending update is not applied under it, so a platform that reboots a host for its "
        "update without notice and reports a failure is caught.",
        "research 3.4 (\"Hardware failure ... bypasses the minimum notice period\"; the event is created "
        "directly as EventType Reboot, EventStatus Started); research 3.5 (exceptional case 3: on hardware "
        "failure the event skips Scheduled); research 3.3 (Description \"Host server is undergoing an "
        "emergency repair.\"); fidelity review 7",
    ),
    Rule(
        "R35",
        "A user's restart is a Reboot with EventSource User, approvable at once, and no maintenance",
        "(Rule ids R34-R39 are reserved for unplanned and user events.)  Where the profile models user "
        "restarts (the current documentation: typical-2026, live-migration), the owner of a running VM may "
        "restart it from the portal, API, CLI or PowerShell: a Reboot naming that VM alone, with EventSource "
        "User and the Description \"Virtual machine is going to be restarted as requested by authorized "
        "user.\", is Scheduled with the Reboot's minimum notice (R9: the documented table goes by event type "
        "and names no exception for user events); like every event it starts only once approved or at "
        "NotBefore (R8), within the slice and recovery rules (R5, R21), and any approver may approve it at "
        "once, as the documentation advises.  The owner's request is the environment's, never forced (not "
        "fair).  It is no maintenance: the host's pending update is never applied under an event whose "
        "EventSource is User, so a platform that presents its maintenance as the user's request (which "
        "applications approve at once) is caught.  A user's Redeploy is not modelled (notes/decisions.md D24).",
        "research 3.5 (current page, \"User-initiated maintenance\": \"If you restart a VM, an event with the "
        "type Reboot is scheduled ... Typically events with a user event source can be immediately approved "
        "to avoid a delay on user-initiated actions\"; \"Events won't proceed unless they are either approved "
        "via a POST message or the NotBefore time elapses. This includes user triggered events such as VM "
        "restarts from the Azure portal\"; the sample listener approves every event whose EventSource is "
        "User); research 3.4 (\"Each event is scheduled a minimum amount of time in the future based on the "
        "event type\"); research 3.3 (EventSource \"User: The user initiated this event\", Description); "
        "fidelity review 8",
    ),
    Rule(
        "R36",
        "A Spot VM is preempted only under a Started Preempt, with 30 s notice, and never runs again",
        "(Rule ids R34-R39 are reserved for unplanned and user events.)  Where the profile models Spot "
        "evictions (no documented profile turns them on; the named configuration SPOT_SCALE_SET does), the "
        "platform may take a Spot VM's capacity back: a Preempt naming that VM alone, EventSource Platform, is "
        "Scheduled with the documented 30 s notice (R9), starts once approved or at NotBefore (R8) within the "
        "slice and recovery rules (R5, R21), and once Started the VM is evicted, deallocated or deleted: it "
        "is gone, its memory lost, and it never runs again within the rollout; the event, at its terminal "
        "state, leaves the document (R13).  Only a Spot VM is preempted, and only under a Started Preempt "
        "that names it; a VM gone no longer counts in its set (R16), is no longer on its host, and its "
        "host's update is never applied under the Preempt.  The eviction is the platform's choice, never "
        "forced (not fair); it is modelled once per host, before the host's maintenance "
        "(notes/decisions.md D25).",
        "Spot VMs page (azure-compute-docs articles/virtual-machines/spot-vms.md, ms.date 08/05/2024: \"the "
        "Azure infrastructure will evict Azure Spot Virtual Machines with 30-seconds notice\"; \"The "
        "*Deallocate* policy moves your VM to the stopped-deallocated state\" or, with *Delete*, \"The "
        "evicted VMs are deleted together with their underlying disks\"; in-VM notifications through "
        "Scheduled Events \"are delivered on a best effort basis up to 30 seconds prior to the eviction\"; "
        "\"The VM won't be automatically restarted\"; \"An Azure Spot Virtual Machine offers no high "
        "availability guarantees\"); research 3.3 (EventType Preempt, api-version 2017-11-01 on); research "
        "3.4 (minimum notice: Preempt 30 seconds); fidelity review 9",
    ),
    Rule(
        "R37",
        "A scale set's VM is deleted only under a Started Terminate, after the others' approval or timeout",
        "(Rule ids R34-R39 are reserved for unplanned and user events.)  Where the profile models terminate "
        "notifications (`terminate_timeout`, the scale set's notBeforeTimeout, 5 to 15 minutes; no documented "
        "profile turns them on, SPOT_SCALE_SET does with 5 minutes), deleting a VM of a scale set schedules a "
        "Terminate naming that VM alone, with NotBefore the configured timeout ahead (R9); approved, it may "
        "start early, but a Terminate approved before its NotBefore starts only once every other Terminate "
        "naming a VM of the same scale set is approved or past its NotBefore; at its own NotBefore the "
        "deletion is mandatory.  Once Started the VM is deleted, gone for good as under R36, and the event "
        "leaves the document.  Only a VM of a scale set is deleted under a Terminate.  The deletion is its "
        "owner's request, never forced (not fair), modelled once per host before the host's maintenance "
        "(notes/decisions.md D25, D27).",
        "research 2.2 (azure-compute-docs virtual-machine-scale-sets-terminate-notification.md, 05/19/2026: "
        "`notBeforeTimeout` 5 to 15 minutes, the deletion mandatory when it expires; \"If there's a pending "
        "delete on VM_1 that isn't approved, and you've approved another terminate event on VM_2, then VM_2 "
        "isn't deleted until the terminate event for VM_1 is approved, or its timeout has elapsed.\"; "
        "api-version 2019-01-01 or later); research 3.3 (EventType Terminate); research 3.4 (minimum notice: "
        "Terminate user-configurable 5-15 min); fidelity review 9",
    ),
    Rule(
        "R38",
        "A Reboot may turn out to be a Freeze",
        "(Rule ids R34-R39 are reserved for unplanned and user events.)  The documentation admits that, "
        "in rare cases, a VM named by a Reboot is frozen instead of rebooted: its memory is then kept, as "
        "under a Freeze (R1), and the application learns that the event is over only when it leaves the "
        "document (R13).",
        "research 3.3 (EventType Reboot, current page: \"In rare cases a VM scheduled for EventType:\\\"Reboot\\\" "
        "may experience a freeze event instead of a reboot. Follow the instructions above for how to know if "
        "the event is complete and it's safe to restore your workload.\"); fidelity review 10",
        not_checked="the documentation says neither when it happens nor what becomes of the update the "
        "Reboot was announced for: in the model a Reboot is announced only for an update that needs a "
        "reboot (R6), which a freeze cannot apply, so a Reboot served by a freeze would leave the host "
        "unpatched with its EventId spent, and the model would have to invent how the update is finished "
        "(notes/decisions.md D26).",
    ),
    Rule(
        "R39",
        "A second, shorter impact inside one Started event",
        "While an event is Started, its VMs may suffer another impact of a shorter duration than the one "
        "the event advertised, before the event leaves the document.",
        "research 3.5 (current page, exceptional case 4: \"While the event is still in EventStatus:\\\"Started\\\" "
        "state, there may be another impact of a shorter duration than what was advertised in the scheduled "
        "event\"); research 3.3 (DurationInSeconds: \"There may be secondary impacts of a shorter duration "
        "during the impact window\"); fidelity review 10",
        not_checked="the model's time moves in granules (notes/decisions.md D20), so an impact shorter "
        "than the announced one is not representable in the exhaustive configurations, whose announced "
        "pause is one granule; and the documentation gives no bound on the number of secondary impacts "
        "nor their kind (a pause, or also a reboot), which a finite model would have to invent "
        "(notes/decisions.md D26).",
    ),
)

RULE_BY_ID: dict[str, Rule] = {r.rule_id: r for r in RULES}


def rule(rule_id: str) -> Rule:
    try:
        return RULE_BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; known: {', '.join(RULE_BY_ID)}") from None


def actions_by_rule() -> dict[str, tuple[list[str], list[str]]]:
    """Per rule id: the actions that exercise it and the actions whose guard enforces it,
    as declared in `vmspec.model.ACTIONS`."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for a in ACTIONS:
        for r in a.rules:
            out.setdefault(r, ([], []))[0].append(a.name)
        for r in dict.fromkeys(r for c in a.clauses for r in c.rules):
            out.setdefault(r, ([], []))[1].append(a.name)
    return out


def markdown(properties_by_rule: dict[str, list[str]]) -> str:
    """The rules section of notes/spec.md, one paragraph a rule."""
    actions = actions_by_rule()
    out = []
    for r in RULES:
        out.append(f"### {r.rule_id}. {r.title}\n")
        out.append(f"{r.text}\n")
        out.append(f"*Source:* {r.source}.\n")
        names = properties_by_rule.get(r.rule_id, [])
        if names:
            out.append("*Checked by:* " + ", ".join(f"`{n}`" for n in names) + ".\n")
        exercised, guarded = actions.get(r.rule_id, ([], []))
        if exercised:
            out.append("*Exercised by:* " + ", ".join(f"`{n}`" for n in exercised) + ".\n")
        if guarded:
            out.append("*Guarded by:* " + ", ".join(f"`{n}`" for n in guarded) + ".\n")
        if r.not_checked:
            out.append(f"*Not checked:* {r.not_checked}\n")
    return "\n".join(out)
