"""`vmspec check`: run every engine's stage on one target and gather the verdicts.

An engine joins `vmspec check` by appending a `Stage` to `STAGES`; its function receives
the target and the parsed command-line options and returns a `StageResult`: its verdicts
(details only where something failed) and a one-line summary of what it did (figures).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from vmspec.properties.conformance.events import stage as events_stage
from vmspec.properties.engines import explore, fuzz, walk
from vmspec.properties.engines.z3 import engine as z3_engine
from vmspec.properties.evidence.verdict import StageResult, Target

__all__ = ["STAGES", "STAGE_ALIASES", "Stage", "StageResult", "run"]


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Target, argparse.Namespace], StageResult]
    doc: str


def _walk(target: Target, opts: argparse.Namespace) -> StageResult:
    return walk.stage(target, steps=opts.steps, seed=opts.seed)


def _explore(target: Target, opts: argparse.Namespace) -> StageResult:
    return explore.stage(target, opts)


def _fuzz(target: Target, opts: argparse.Namespace) -> StageResult:
    return fuzz.stage(target, opts)


def _prove(target: Target, opts: argparse.Namespace) -> StageResult:
    return z3_engine.stage(target, opts)


def _events(target: Target, opts: argparse.Namespace) -> StageResult:
    return events_stage.stage(target, opts)


STAGES: list[Stage] = [
    Stage("walk", _walk, "seeded random walks checking every always-property after every step"),
    Stage("explore", _explore, "exhaustive breadth-first search (bounded by --max-states, default 50,000), liveness under fairness"),
    Stage("fuzz", _fuzz, "Hypothesis stateful runs (ci campaign), shrunk counterexamples, bounded fair-lasso liveness"),
    Stage("z3", _prove, "Z3: all-sizes proof, inductive checklist (small configurations), bounded model checking"),
    Stage("events", _events, "each VM's Scheduled Events capture of a seeded rollout, checked against the API contract"),
]


STAGE_ALIASES = {"prove": "z3"}  # the Z3 stage is named after its engine, like the others


def run(target: Target, opts: argparse.Namespace) -> list[StageResult]:
    return [stage.run(target, opts) for stage in STAGES if stage.name not in getattr(opts, "skip", ())]
