"""A subtly broken orchestrator: it counts the notice from when it planned the rollout,
not from each event's NotBefore.

For the first update domain the two coincide, so a quick test passes.  A later update
domain is announced only once the previous one is done; by then the planned notice has
long elapsed, so its event is started at once, before NotBefore and without approval --
which R8 forbids.  ``pytest --vmspec-impl=examples.orchestrators.hasty:factory`` catches
it and shrinks the run to a short counterexample.
"""

from __future__ import annotations

from fractions import Fraction

from vmspec.model import Params, Topology
from vmspec.properties.conformance import impl
from vmspec.properties.conformance.impl import Observation

from .reference import Reference


class Hasty(Reference):
    def __init__(self, topology: Topology, params: Params) -> None:
        super().__init__(topology, params)
        self.planned_at: Fraction | None = None

    def decide(self, obs: Observation) -> list:
        if self.planned_at is None:
            self.planned_at = obs.now
        return super().decide(obs)

    def may_start(self, obs: Observation, event: impl.EventView) -> bool:
        notice = self.params.notice_for(event.event_type)
        return event.approved or obs.now >= self.planned_at + notice  # the bug: not event.not_before


def factory(topology: Topology, params: Params) -> Hasty:
    return Hasty(topology, params)
