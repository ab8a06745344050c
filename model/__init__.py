"""vmspec's reference model of memory-preserving VM maintenance (standard library only).

Public API: the topology values and their validation, the parameter profiles, the state
values, `Spec` (actions, `successors`, `enabled_actions`, `step`), the table of actions with their
declared rules and guard clauses (`ACTIONS`, `Refusal`) and the named configurations.
"""

from vmspec.model.configs import (
    AZURE_DEFAULT,
    CONFIGS,
    RECOVERY_GAP,
    REDEPLOY_TARGET,
    SMALL,
    TINY,
    TWO_REBOOTS,
    UNPLANNED,
    UNSAFE_SHARED_HOST,
    Config,
)
from vmspec.model.params import (
    EVENT_TYPES,
    MIN_NOTICE,
    PROFILES,
    REBOOT_SLICE,
    SHORT_NOTICE,
    SLICES,
    InvalidParams,
    Params,
    profile,
)
from vmspec.model.spec import (
    ACTION_INFO,
    ACTIONS,
    MAX_ROUNDS,
    ActionInfo,
    ActionNotEnabled,
    Refusal,
    Spec,
    Step,
)
from vmspec.model.state import (
    DESCRIPTIONS,
    EVENT_SOURCES,
    EVENT_STATUSES,
    HOST_PHASES,
    VM_STATUSES,
    Event,
    HostState,
    State,
    VMState,
)
from vmspec.model.topology import VM, AvailabilitySet, Host, InvalidTopology, Topology, build, round_robin

__all__ = [
    "ACTIONS",
    "ACTION_INFO",
    "AZURE_DEFAULT",
    "CONFIGS",
    "DESCRIPTIONS",
    "EVENT_SOURCES",
    "EVENT_STATUSES",
    "EVENT_TYPES",
    "HOST_PHASES",
    "MAX_ROUNDS",
    "MIN_NOTICE",
    "PROFILES",
    "REBOOT_SLICE",
    "RECOVERY_GAP",
    "REDEPLOY_TARGET",
    "SHORT_NOTICE",
    "SLICES",
    "SMALL",
    "TINY",
    "TWO_REBOOTS",
    "UNPLANNED",
    "UNSAFE_SHARED_HOST",
    "VM",
    "VM_STATUSES",
    "ActionInfo",
    "ActionNotEnabled",
    "AvailabilitySet",
    "Config",
    "Event",
    "Host",
    "HostState",
    "InvalidParams",
    "InvalidTopology",
    "Params",
    "Refusal",
    "Spec",
    "State",
    "Step",
    "Topology",
    "VMState",
    "build",
    "profile",
    "round_robin",
]
