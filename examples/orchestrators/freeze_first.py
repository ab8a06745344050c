"""A broken orchestrator whose step the model refuses: it starts an event and freezes the
host in one decision, but in the wrong order -- freeze, then start.

Each step on its own is right, and a log of the decision looks complete.  But the freeze
comes first, while the event is still only Scheduled, and the specification refuses it:
a VM may be impacted only inside a Started event that names it (R7).  ``pytest
--vmspec-impl=examples.orchestrators.freeze_first:factory`` names the rule and writes a
counterexample whose last step is the refused freeze; ``vmspec replay`` reproduces it as
"refused by guard of host_freeze".
"""

from __future__ import annotations

from vmspec.model import Params, Topology
from vmspec.properties.conformance import impl
from vmspec.properties.conformance.impl import Observation

from .reference import Reference


class FreezeFirst(Reference):
    def step_host(self, obs: Observation, h: str) -> list:
        steps = super().step_host(obs, h)
        if steps and steps[0].name == "platform_start_event" and obs.event_of(h).event_type == "Freeze":  # type: ignore[union-attr]
            self.phase[h], self.frozen_at[h] = "frozen", obs.now
            return [impl.freeze(h), *steps]  # the bug: the freeze must follow the start
        return steps


def factory(topology: Topology, params: Params) -> FreezeFirst:
    return FreezeFirst(topology, params)
