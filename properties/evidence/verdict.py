"""Verdicts: what one engine concluded about one property, and the target it checked.

One vocabulary for every engine (`STATUSES`): *proved* (Z3, for all sizes or by induction),
*holds* (exhaustive and complete), *not falsified* (sampled or bounded, with the bound
stated), *reached* / *not reached* (sometimes-properties), *violated*, and *unknown* (always a
failure).  `Tally` counts a run's verdicts per property, strongest first, for closing lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vmspec.model import Params, Spec, Topology

if TYPE_CHECKING:
    from vmspec.properties.evidence.counterexample import Counterexample

# The one vocabulary of verdicts, from the strongest claim to the failures.  Every engine, the
# verdict table, the JSON output and the reports use these words and no others.
PROVED = "proved"  # Z3: for all sizes, or by induction for this configuration
HOLDS = "holds"  # exhaustive search, complete: every reachable state and transition checked
NOT_FALSIFIED = "not falsified"  # sampled (walks, Hypothesis) or bounded (a cut search, BMC): bound stated
REACHED = "reached"  # a sometimes-property: the situation was reached
VIOLATED = "violated"  # a counterexample was found (and replays)
NOT_REACHED = "not reached"  # a sometimes-property never reached: the check would be vacuous
UNKNOWN = "unknown"  # undecided (Z3 unknown, engines disagreeing, a cut search): always a failure
STATUSES = (PROVED, HOLDS, NOT_FALSIFIED, REACHED, VIOLATED, NOT_REACHED, UNKNOWN)
FAILING = frozenset({VIOLATED, NOT_REACHED, UNKNOWN})
MEANING = {
    PROVED: "proved by Z3 (for all sizes, or by induction for this configuration)",
    HOLDS: "holds on every reachable state: exhaustive and complete",
    NOT_FALSIFIED: "not falsified: only sampled or bounded, within the bound stated",
    REACHED: "reached: the situation occurs, so the checks above are not vacuous",
    VIOLATED: "violated: a counterexample was found",
    NOT_REACHED: "not reached: the situation never occurred, so the checks may be vacuous",
    UNKNOWN: "unknown: undecided, which counts as a failure",
}
_STRENGTH = {PROVED: 3, HOLDS: 2, NOT_FALSIFIED: 1, REACHED: 1}


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
    status: str  # one of STATUSES
    detail: str = ""
    counterexample: Counterexample | None = field(default=None, compare=False)
    bound: str = ""  # what a sampled or bounded engine covered ("5,000 steps"); required for not falsified

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"verdict {self.status!r} for {self.property}: expected one of {', '.join(STATUSES)}")
        if self.status == NOT_FALSIFIED and not self.bound:
            raise ValueError(f"{self.engine} says {self.property} is not falsified without stating its bound")

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
            "bound": self.bound,
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
    bound: str = ""  # the engine's bound in a few words, for the verdict table's header


@dataclass(frozen=True)
class Tally:
    """Each property's strongest verdict over the engines, counted: what was proved, what was
    exhausted, what was only sampled or bounded (and by which engine, within what), what failed."""

    proved: list[str]
    exhausted: list[str]
    sampled: list[str]
    reached: list[str]
    failing: dict[str, list[str]]  # failing status -> properties
    sampled_by: list[str]  # "walk 5,000 steps", one per engine that only sampled or bounded something

    @classmethod
    def of(cls, verdicts: Iterable[Verdict]) -> Tally:
        rows: dict[str, list[Verdict]] = {}
        for v in verdicts:
            rows.setdefault(v.property, []).append(v)
        out = cls([], [], [], [], {}, [])
        for name, vs in rows.items():
            bad = [v for v in vs if v.failed]
            if bad:
                for status in dict.fromkeys(v.status for v in bad):
                    out.failing.setdefault(status, []).append(name)
                continue
            best = max(vs, key=lambda v: _STRENGTH[v.status]).status
            {PROVED: out.proved, HOLDS: out.exhausted, NOT_FALSIFIED: out.sampled, REACHED: out.reached}[best].append(name)
        for v in (v for vs in rows.values() for v in vs):
            if v.status == NOT_FALSIFIED and f"{v.engine} {v.bound}" not in out.sampled_by:
                out.sampled_by.append(f"{v.engine} {v.bound}")
        return out

    @property
    def ok(self) -> bool:
        return not self.failing

    def counts(self) -> str:
        """What the run established, in one clause."""
        parts = [f"{len(self.proved)} proved", f"{len(self.exhausted)} hold by exhaustive search",
                 f"{len(self.sampled)} only sampled or bounded, not falsified"]
        if self.sampled_by:
            parts[-1] += f" ({'; '.join(self.sampled_by)})"
        if self.reached:
            parts.append(f"{len(self.reached)} sometimes-properties reached")
        return ", ".join(parts)

    def closing_line(self) -> str:
        """The last line of a verdict-table command, without markup."""
        if self.ok:
            return "no property failed: " + self.counts()
        failing = "; ".join(f"{status}: {', '.join(names)}" for status, names in self.failing.items())
        return f"FAILED ({sum(len(n) for n in self.failing.values())} properties: {failing}); of the rest, " + self.counts()

    def to_json(self) -> dict:
        return {"ok": self.ok, "proved": self.proved, "holds": self.exhausted, "not_falsified": self.sampled,
                "reached": self.reached, "failing": self.failing, "sampled_by": self.sampled_by}
