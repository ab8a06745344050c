"""A broken orchestrator that stalls: it starts an event only once an application has
approved it, and never on NotBefore alone.

While applications approve, it behaves like the reference.  But approval is optional:
once NotBefore has passed the platform must start the event anyway (R8 makes NotBefore
the default approval), and an implementation that keeps waiting never finishes the
rollout -- R18, every host is eventually patched.  ``pytest
--vmspec-impl=examples.orchestrators.approval_only:factory`` reports the stall as a lasso:
the run up to the moment it stopped, then time passing forever with the host unpatched.
"""

from __future__ import annotations

from vmspec.model import Params, Topology
from vmspec.properties.conformance import impl
from vmspec.properties.conformance.impl import Observation

from .reference import Reference


class ApprovalOnly(Reference):
    def may_start(self, obs: Observation, event: impl.EventView) -> bool:
        return event.approved  # the bug: NotBefore passing is an approval too


def factory(topology: Topology, params: Params) -> ApprovalOnly:
    return ApprovalOnly(topology, params)
