"""`vmspec check`: run every engine's stage on one target and gather the verdicts.

An engine joins `vmspec check` by appending a `Stage` to `STAGES`; its function receives
the target and the parsed command-line options and returns a `StageResult`: its verdicts
(details only where something failed) and a one-line summary of what it did (figures).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vmspec.properties.conformance.events import stage as events_stage
from vmspec.properties.engines import explore, fuzz, walk
from vmspec.properties.engines.forked import receive_result, send_result
from vmspec.properties.engines.z3 import engine as z3_engine
from vmspec.properties.evidence.verdict import StageResult, Target

__all__ = ["ASIDE", "STAGES", "STAGE_ALIASES", "Stage", "StageResult", "jobs_default", "run"]


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


# With two processes (`--jobs 2`), the stages run in two groups side by side: the Z3, fuzz and
# walk stages in a second process, the explore and events stages in this one (on AZURE_DEFAULT
# about 60 CPU-s each way: notes/performance.md).  Each stage computes exactly what it computes
# alone, so the verdicts are the same; only the wall-clock time changes.
ASIDE = ("walk", "fuzz", "z3")


def jobs_default() -> int:
    """Two processes where two cores are available (`os.sched_getaffinity`), else one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def run(target: Target, opts: argparse.Namespace) -> list[StageResult]:
    """The results of every stage not skipped, in the order of `STAGES`."""
    chosen = [stage for stage in STAGES if stage.name not in getattr(opts, "skip", ())]
    aside = [stage for stage in chosen if stage.name in ASIDE]
    here = [stage for stage in chosen if stage.name not in ASIDE]
    if getattr(opts, "jobs", 1) < 2 or not aside or not here or "fork" not in mp.get_all_start_methods():
        return [stage.run(target, opts) for stage in chosen]
    results: dict[str, StageResult] = {}
    ctx = mp.get_context("fork")  # the child inherits the imported engines: no second start-up
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_run_aside, args=(aside, target, opts, send), daemon=True)
    sys.stdout.flush()  # the child would flush what is buffered a second time
    sys.stderr.flush()
    child.start()
    send.close()
    try:
        for stage in here:
            results[stage.name] = stage.run(target, opts)
        results.update(receive_result(receive, f"the process running the {', '.join(s.name for s in aside)} stage",
                                      child))
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()
    return [results[stage.name] for stage in chosen]


def _run_aside(stages: list[Stage], target: Target, opts: argparse.Namespace, send: Any) -> None:
    """In the second process: run `stages`, send their results (or the exception) back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends this process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        send_result(send, f"the {', '.join(s.name for s in stages)} stage",
                    lambda: {stage.name: stage.run(target, opts) for stage in stages})
    finally:
        send.close()
