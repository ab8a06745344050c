"""Named configurations, kept apart from the model the way TLA+ keeps .cfg files beside a spec.

Tests and commands name the configuration they run.  `TINY` and `SMALL` are small enough
for exhaustive search; `AZURE_DEFAULT` is the documented default shape (five update
domains, three fault domains, round-robin placement) for random walks and Hypothesis;
`UNSAFE_SHARED_HOST` is valid but unsafe on purpose: one host carries two update domains
of the same availability set, which the checkers must find and explain; `TWO_REBOOTS`
reboots two update domains of one fault domain under the 2019-2026 rules, where Freezes
go by fault domain but reboots still by update domain; `RECOVERY_GAP` reboots one update
domain of a set and maintains the other only after its recovery gap (R21); `TYPICAL_PAUSE`
freezes one VM under the 2019-2026 bounds: a typical pause of 10 s, a hard one of 30 s, and a watchdog that may
resume at any time before the hard bound. `UNPLANNED` is TINY where hosts may fail without notice (R34); `REDEPLOY_TARGET`
redeploys only to a host the rules allow (R26).
`SET_APPROVALS` lets any VM of a named set, or the API from outside, approve (R28); the exhaustive
configurations let only the VMs an event names approve it (decisions D16). `ALL_TENANTS` puts two
tenants on one host, whose event starts early only once both approved (R29).  `USER_EVENTS` is TINY
where a VM's owner may restart it before its host's maintenance (R35).  `LIVE_MIGRATION` moves
two VMs of one set off their host in turn, each to a patched host (R27).  `SET_WIDE` lets one
Reboot name the VMs of two hosts of one update domain (R30).  `THREE_HOSTS` is SMALL with
every update in place, the 3-host family the spin engine exhausts (too large for the explorer's tests).  `SPOT_SCALE_SET` is a scale
set of a regular and a Spot VM: the Spot VM may be preempted (R36) and either VM deleted (R37);
`SCALE_IN` is a scale set of three regular VMs, which may only be deleted (R37).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmspec.model.params import Params, profile
from vmspec.model.spec import Spec
from vmspec.model.topology import VM, AvailabilitySet, Host, Topology, build


@dataclass(frozen=True)
class Config:
    name: str
    topology: Topology
    params: Params = field(default_factory=Params)
    description: str = ""

    def spec(self) -> Spec:
        return Spec(self.topology, self.params)


_AS2 = AvailabilitySet("as0", update_domains=2, fault_domains=2)
# The exhaustive configurations let only a VM an event names approve it (R28's narrow scope): with
# one VM per host the approver is then the event's only VM and adds no state (decisions D16).
_NAMED_APPROVERS = {"approval_scope": "resources"}
_AS3 = AvailabilitySet("as0", update_domains=3, fault_domains=2)

TINY = Config(
    "TINY",
    Topology((_AS2,), (Host("h0"), Host("h1")), (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 1, 1, "h1"))),
    profile("dev-timing", **_NAMED_APPROVERS),
    "one availability set of 2 UDs, two hosts with one VM each, in-place updates",
)

SMALL = Config(
    "SMALL",
    Topology(
        (_AS3,),
        (Host("h0"), Host("h1"), Host("h2", update="reboot")),
        (
            VM("vm0", "as0", 0, 0, "h0"),
            VM("vm1", "as0", 1, 1, "h1"),
            VM("vm2", "as0", 2, 0, "h2"),
        ),
    ),
    profile("dev-timing", **_NAMED_APPROVERS),
    "one availability set of 3 UDs over three hosts; h2's update needs a reboot (S5)",
)

AZURE_DEFAULT = Config(
    "AZURE_DEFAULT",
    build(
        ((AvailabilitySet("web"), 10), (AvailabilitySet("db", update_domains=5, fault_domains=2), 4)),
        reboot_hosts=frozenset({"web-ud4-fd1"}),
    ),
    profile("azure-2017"),
    "two availability sets with the default 5 UDs, round-robin placement, one reboot update",
)

UNSAFE_SHARED_HOST = Config(
    "UNSAFE_SHARED_HOST",
    Topology(
        (_AS2,),
        (Host("h0"), Host("h1")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 1, 1, "h0"), VM("vm2", "as0", 1, 0, "h1")),
    ),
    profile("dev-timing", **_NAMED_APPROVERS),
    "valid but unsafe: host h0 carries VMs of both UDs of as0, so no event may name them (R22) and it is never patched",
)

TWO_REBOOTS = Config(
    "TWO_REBOOTS",
    Topology(
        (AvailabilitySet("as0", update_domains=2, fault_domains=1),),
        (Host("h0", update="reboot"), Host("h1", update="reboot")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 1, 0, "h1")),
    ),
    profile("typical-2026", notice_divisor=30, hardware_failures=False, expected_pause=10,
            approval_from_outside=False, user_events=False, multi_host_events=False, **_NAMED_APPROVERS),
    "typical-2026 rules in dev timing, without hardware failures: one availability set of 2 UDs in one fault "
    "domain, two hosts whose updates need a reboot (reboots go by update domain, Freezes by fault domain)",
)

RECOVERY_GAP = Config(
    "RECOVERY_GAP",
    Topology(
        (AvailabilitySet("as0", update_domains=2, fault_domains=2),),
        (Host("h0", update="reboot"), Host("h1")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 1, 1, "h1")),
    ),
    profile("dev-timing", **_NAMED_APPROVERS),
    "2017 rules in dev timing: one availability set of 2 UDs on two hosts, h0's update needs a reboot; "
    "once an update domain is back from a reboot, the other waits out the recovery gap (R21, 60 s in dev timing)",
)

TYPICAL_PAUSE = Config(
    "TYPICAL_PAUSE",
    Topology(
        (AvailabilitySet("as0", update_domains=1, fault_domains=1),),
        (Host("h0"),),
        (VM("vm0", "as0", 0, 0, "h0"),),
    ),
    profile("typical-2026", notice_divisor=30, hardware_failures=False, expected_pause=10,
            approval_from_outside=False, user_events=False, multi_host_events=False, **_NAMED_APPROVERS),
    "typical-2026 rules in dev timing on one VM: pauses beyond the typical 10 s (R31, a warning) up to the "
    "hard 30 s (R2), and the watchdog free to resume at any time before it",
)

UNPLANNED = Config(
    "UNPLANNED",
    TINY.topology,
    profile("dev-timing", hardware_failures=True, **_NAMED_APPROVERS),
    "TINY with unannounced hardware failures (R34): a host may fail before its maintenance, its VMs "
    "rebooting at once under a Reboot that appears already Started",
)

REDEPLOY_TARGET = Config(
    "REDEPLOY_TARGET",
    Topology(
        (AvailabilitySet("as0", update_domains=2, fault_domains=2),),
        (Host("spare"), Host("h0", update="reboot"), Host("h1", update="reboot")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 1, 1, "h1")),
    ),
    profile("dev-timing", allow_redeploy=True, recovery_gap=0, **_NAMED_APPROVERS),
    "2017 rules in dev timing with Redeploys: h0 and h1, one update domain each, need a reboot, which a Redeploy "
    "may serve: to the empty spare host once patched, but not both, since the first one's VM would then share it "
    "with the other update domain of as0 (R26); without the recovery gap, which RECOVERY_GAP exercises",
)

SET_APPROVALS = Config(
    "SET_APPROVALS",
    TINY.topology,
    profile("dev-timing", approval_from_outside=True, pause_bound=10),
    "TINY with the current documentation's approvals (R28): either VM of as0, or the API from outside, "
    "approves an event; a 10 s pause bound keeps it exhaustible in seconds",
)

ALL_TENANTS = Config(
    "ALL_TENANTS",
    Topology(
        (_AS2, AvailabilitySet("as1", update_domains=1, fault_domains=1)),
        (Host("h0"), Host("h1")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 1, 1, "h1"), VM("vm2", "as1", 0, 0, "h0")),
    ),
    profile("dev-timing", all_tenants_approve=True, pause_bound=10, **_NAMED_APPROVERS),
    "shared infrastructure (R29): h0 carries a VM of as0 and one of as1, two tenants, and its event starts early "
    "only once both approved (NotBefore is the timeout); a 10 s pause bound keeps it exhaustible in seconds",
)

USER_EVENTS = Config(
    "USER_EVENTS",
    TINY.topology,
    profile("dev-timing", user_events=True, **_NAMED_APPROVERS),
    "TINY where the owner of a VM may restart it before its host's maintenance (R35): a Reboot with "
    "EventSource User naming that VM, with the Reboot's notice, which its VM may approve at once",
)

LIVE_MIGRATION = Config(
    "LIVE_MIGRATION",
    Topology(
        (AvailabilitySet("as0", update_domains=2, fault_domains=2),),
        (Host("spare"), Host("h0"), Host("h1")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 0, 1, "h0"), VM("vm2", "as0", 1, 1, "h1")),
    ),
    profile("live-migration", notice_divisor=30, hardware_failures=False, approval_from_outside=False, user_events=False,
            multi_host_events=False, watchdog_any_time=False, expected_pause=10, granularity=10, pause_bound=10,
            **_NAMED_APPROVERS),
    "live migration in dev timing (R27): h0 carries two VMs of as0, which move in turn, one VM of the set at a "
    "time, each frozen only for the blackout and resumed on a patched host with its memory: first the empty spare "
    "host, then h0 once vacated (vm2, of the other update domain, may not join vm0 and vm1 on the spare)",
)

SET_WIDE = Config(
    "SET_WIDE",
    Topology(
        (_AS2,),
        (Host("h0", update="reboot"), Host("h1", update="reboot"), Host("h2", update="reboot")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 0, 1, "h1"), VM("vm2", "as0", 1, 0, "h2")),
    ),
    profile("dev-timing", multi_host_events=True, resources_one_update_domain=False, pause_bound=10,
            **_NAMED_APPROVERS),
    "events of several hosts (R30): h0 and h1 carry update domain 0 of as0, h2 update domain 1, and each needs a "
    "reboot; the platform may announce one Reboot for h0 and h1 together, never one that takes in h2 (the current "
    "documentation no longer promises R22, so only R30 keeps it out)",
)

THREE_HOSTS = Config(
    "THREE_HOSTS",
    Topology(
        (_AS3,),
        (Host("h0"), Host("h1"), Host("h2")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm1", "as0", 1, 1, "h1"), VM("vm2", "as0", 2, 0, "h2")),
    ),
    profile("dev-timing", **_NAMED_APPROVERS),
    "one availability set of 3 UDs over three hosts with in-place updates: the 3-host family, beyond the "
    "explorer's reach in a minute, exhausted by the spin engine (notes/spin.md)",
)

SPOT_SCALE_SET = Config(
    "SPOT_SCALE_SET",
    Topology(
        (AvailabilitySet("ss0", update_domains=2, fault_domains=2, scale_set=True),),
        (Host("h0"), Host("h1")),
        (VM("vm0", "ss0", 0, 0, "h0"), VM("vm1", "ss0", 1, 1, "h1", spot=True)),
    ),
    profile("dev-timing", spot_evictions=True, terminate_timeout=300, pause_bound=10, **_NAMED_APPROVERS),
    "TINY's shape as a scale set (R36, R37): vm1 is a Spot VM, which the platform may preempt with 30 s notice "
    "(1 s in dev timing), and its owner may delete either VM under a Terminate with a 5-minute notBeforeTimeout "
    "(10 s); a deletion approved early waits for the other's approval or timeout; a 10 s pause bound keeps it "
    "exhaustible in seconds",
)

SCALE_IN = Config(
    "SCALE_IN",
    Topology(
        (AvailabilitySet("ss0", update_domains=3, fault_domains=2, scale_set=True),),
        (Host("h0"), Host("h1"), Host("h2")),
        (VM("vm0", "ss0", 0, 0, "h0"), VM("vm1", "ss0", 1, 1, "h1"), VM("vm2", "ss0", 2, 0, "h2")),
    ),
    profile("dev-timing", terminate_timeout=300, pause_bound=10, **_NAMED_APPROVERS),
    "a scale set of three VMs on three hosts, one update domain each, without Spot VMs (R37): its owner may "
    "delete any VM under a Terminate with a 5-minute notBeforeTimeout (10 s in dev timing); a deletion approved "
    "early waits for the others' approval or timeout.  Three VMs give a sampler more ways to have two deletions "
    "pending at once (125,258 states with symmetry: for the mutants and sampling engines, not exhaustive tests)",
)

CONFIGS: dict[str, Config] = {
    c.name: c for c in (TINY, SMALL, AZURE_DEFAULT, UNSAFE_SHARED_HOST, TWO_REBOOTS, RECOVERY_GAP, TYPICAL_PAUSE,
                        UNPLANNED, REDEPLOY_TARGET, SET_APPROVALS, ALL_TENANTS,
                        USER_EVENTS, LIVE_MIGRATION, SET_WIDE, THREE_HOSTS, SPOT_SCALE_SET, SCALE_IN)
}
