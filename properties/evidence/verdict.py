"""Verdicts: what one engine concluded about one property, and the target it checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vmspec.model import Params, Spec, Topology

if TYPE_CHECKING:
    from vmspec.properties.evidence.counterexample import Counterexample

HOLDS, VIOLATED, REACHED, NOT_REACHED, PROVED, UNKNOWN = (
    "holds",
    "violated",
    "reached",
    "not reached",
    "proved",
    "unknown",
)
FAILING = frozenset({VIOLATED, NOT_REACHED, UNKNOWN})


@dataclass(frozen=True)
class Target:
    """What a command checks: a topology and parameters, under the model or a mutant."""

    topology: Topology
    params: Params
    label: str  # a named configuration or the file the topology came from
    mutant: str | None = None

    def spec(self) -> Spec:
        from vmspec.properties.evidence.counterexample import spec_for

        return spec_for(self.topology, self.params, self.mutant)


@dataclass(frozen=True)
class Verdict:
    property: str
    rule: str
    kind: str  # always / sometimes / eventually
    engine: str
    status: str  # holds / violated / reached / not reached / proved / unknown
    detail: str = ""
    counterexample: Counterexample | None = field(default=None, compare=False)

    @property
    def failed(self) -> bool:
        return self.status in FAILING

    def to_json(self) -> dict:
        return {
            "property": self.property,
            "rule": self.rule,
            "kind": self.kind,
            "engine": self.engine,
            "status": self.status,
            "detail": self.detail,
            "counterexample_steps": None if self.counterexample is None else len(self.counterexample),
        }


@dataclass(frozen=True)
class StageResult:
    """What one engine's stage of `vmspec check` concluded: its verdicts (details only where
    something failed) and a one-line summary of what it did, with its figures."""

    engine: str
    verdicts: list[Verdict]
    summary: str  # one line: what the engine did, with its figures
    figures: dict = field(default_factory=dict)
