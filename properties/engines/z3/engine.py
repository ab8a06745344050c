"""The Z3 engine as one run: topology check, inductive checklist, bounded model checking and
the all-sizes proof, gathered into registry verdicts for `vmspec prove` and `vmspec check`.

Verdicts: a property broken by bounded model checking is *violated*, with its replayed
counterexample; one whose every inductive obligation is unsat is *proved* (for the
configuration, or for all sizes); one only checked up to a depth is *not falsified* (bounded).  An
`unknown` answer or a disagreement between Z3 and the Python model is *unknown*, which is
a failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from vmspec.properties.catalogue.registry import ALWAYS, REGISTRY
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.bmc import BmcResult, UnknownResult, bmc
from vmspec.properties.engines.z3.encode import encoding_for, is_encoded
from vmspec.properties.engines.z3.induction import InductionResult, prove
from vmspec.properties.engines.z3.params_proof import VARIANTS, AllSizesResult, prove_all_sizes
from vmspec.properties.engines.z3.topology_check import TopologyVerdict, check_topology
from vmspec.properties.evidence.verdict import NOT_FALSIFIED, PROVED, UNKNOWN, VIOLATED, StageResult, Target, Verdict

ENGINE = "z3"
TOPOLOGY = "topology_admits_r5_order"  # the verdict of the topology check (not a registry property)
SMALL_VMS, SMALL_HOSTS = 4, 4  # up to this size a configuration gets the full concrete treatment


@dataclass
class ProveRun:
    target: Target
    depth: int
    topology: TopologyVerdict | None = None
    induction: InductionResult | None = None
    bmc: dict[str, BmcResult] = field(default_factory=dict)
    all_sizes: AllSizesResult | None = None
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def verdicts(self) -> list[Verdict]:
        out = [] if self.topology is None else [self._topology_verdict(self.topology)]
        for p in REGISTRY:
            if p.kind != ALWAYS or not P.encoded(p.name):
                continue
            out.append(self._verdict(p.name, p.rule))
        return out

    @staticmethod
    def _topology_verdict(t: TopologyVerdict) -> Verdict:
        """Whether some maintenance order keeps R5: an unsafe topology is a failure, as the
        explorer's R18 lasso on it is (a host that can never be frozen is never patched)."""
        if not t.model_agrees:
            return Verdict(TOPOLOGY, "R5", ALWAYS, ENGINE, UNKNOWN, "Z3 and the model's slice guard disagree")
        if t.safe:
            return Verdict(TOPOLOGY, "R5", ALWAYS, ENGINE, PROVED,
                           f"a maintenance order keeping R5 exists ({len(t.order)} batches of hosts)")
        return Verdict(TOPOLOGY, "R5", ALWAYS, ENGINE, VIOLATED, "; ".join(str(w) for w in t.witnesses))

    def _verdict(self, name: str, rule: str) -> Verdict:
        r = self.bmc.get(name)
        if r is not None and r.disagreement is not None:
            return Verdict(name, rule, ALWAYS, ENGINE, UNKNOWN, f"engine disagreement: {r.disagreement}")
        if r is not None and r.counterexample is not None:
            c = r.counterexample
            return Verdict(name, rule, ALWAYS, ENGINE, VIOLATED, f"{c.message} (bmc, depth {r.depth})", c)
        for label, result in (("this configuration", self.induction), ("all sizes", self.all_sizes)):
            if result is None:
                continue
            mine = [o for o in result.obligations if o.property == name]
            if any(o.status == UNKNOWN for o in mine):
                return Verdict(name, rule, ALWAYS, ENGINE, UNKNOWN, "Z3 answered unknown")
            if mine and result.ok:  # the invariants are proved together or not at all
                return Verdict(name, rule, ALWAYS, ENGINE, PROVED, f"inductive, {label}")
        depth = r.max_depth if r is not None else self.depth
        return Verdict(name, rule, ALWAYS, ENGINE, NOT_FALSIFIED, f"no violation up to depth {depth}",
                       bound=f"BMC depth {depth}")

    @property
    def ok(self) -> bool:
        return not self.errors and not any(v.failed for v in self.verdicts()) and self.failed_obligations() == []

    def failed_obligations(self) -> list:
        out = []
        for result in (self.induction, self.all_sizes):
            if result is not None:
                out += result.failed()
        return out


def covered_by_all_sizes(params) -> bool:  # type: ignore[no-untyped-def]
    """Whether the all-sizes proof speaks for these parameters: it does not encode events that name
    the VMs of several hosts (R30, `multi_host_events`; notes/proofs.md, decisions D17), so a
    configuration that announces them is proved by induction and bounded model checking only."""
    return not params.multi_host_events


def is_small(target: Target) -> bool:
    return len(target.topology.vms) <= SMALL_VMS and len(target.topology.hosts) <= SMALL_HOSTS


def default_depth(target: Target) -> int:
    """Deep enough for every mutant of the catalogue on its small configuration (the
    deepest, a deadlock, is at 14); on the model, whose small configurations are proved by
    induction, a shallow sanity run; shallow on large ones, where each depth costs seconds."""
    if not is_small(target):
        return 3
    return 16 if target.mutant is not None else 6


def _headline(target: Target, names: list[str]) -> set[str] | None:
    """For a mutant, the encoded properties it must be caught violating (`Mutant.breaks`):
    bounded model checking stops once they are all found."""
    if target.mutant is None:
        return None
    from vmspec.properties.catalogue.mutants import mutant

    wanted = {b for b in mutant(target.mutant).breaks if b in names}
    return wanted or None


def run(target: Target, *, depth: int | None = None, induction: bool | None = None,
        all_sizes: bool | None = None, properties: list[str] | None = None) -> ProveRun:
    """Everything the Z3 engine can say about `target`."""
    started = time.perf_counter()
    depth = default_depth(target) if depth is None else depth
    out = ProveRun(target, depth)
    spec = target.spec()
    if target.mutant is not None and not is_encoded(target.mutant):
        out.errors.append(f"mutant {target.mutant} has no Z3 encoding")
        return out
    enc = encoding_for(spec, target.mutant)
    out.topology = check_topology(target.topology, target.params)
    if induction if induction is not None else (target.mutant is None and is_small(target)):
        out.induction = prove(enc)
    if all_sizes if all_sizes is not None else (target.mutant is None and covered_by_all_sizes(target.params)):
        out.all_sizes = prove_all_sizes(target.mutant if target.mutant in VARIANTS else None)
    names = properties or [p.name for p in REGISTRY if p.kind == ALWAYS and P.encoded(p.name)]
    try:
        out.bmc = bmc(enc, names, max_depth=depth, config=target.label, stop_when=_headline(target, names))
    except UnknownResult as exc:
        out.errors.append(str(exc))
    out.seconds = round(time.perf_counter() - started, 3)
    return out


__all__ = ["ENGINE", "ProveRun", "covered_by_all_sizes", "default_depth", "is_small", "run"]


def stage(target, opts) -> StageResult:
    """The `prove` stage of `vmspec check`: the Z3 engine's verdicts for `target`."""

    if target.mutant is not None and not is_encoded(target.mutant):
        return StageResult(ENGINE, [], f"mutant {target.mutant} is a liveness mutant without a Z3 encoding; skipped", {})
    r = run(target, depth=getattr(opts, "depth", None))
    verdicts = r.verdicts()
    for e in r.errors:
        verdicts.append(Verdict("z3_engine", "R0", ALWAYS, ENGINE, UNKNOWN, e))
    for o in r.failed_obligations():
        if target.mutant is None:  # a failed inductive obligation on the model is a failure of the proof
            verdicts.append(Verdict(o.property, o.rule, ALWAYS, ENGINE, UNKNOWN, "not proved: " + o.line()))
    topo = "" if r.topology is None else (
        "topology keeps R5; " if r.topology.safe else f"topology unsafe ({len(r.topology.witnesses)} hosts); ")
    parts = [topo + f"bmc to depth {r.depth}"]
    if r.induction is not None:
        parts.append(f"induction {sum(o.ok for o in r.induction.obligations)}/{len(r.induction.obligations)}")
    if r.all_sizes is not None:
        parts.append(f"all sizes {sum(o.ok for o in r.all_sizes.obligations)}/{len(r.all_sizes.obligations)}")
    figures = {"depth": r.depth, "seconds": r.seconds,
               "induction_obligations": None if r.induction is None else len(r.induction.obligations),
               "all_sizes_obligations": None if r.all_sizes is None else len(r.all_sizes.obligations)}
    bound = ", ".join(([] if r.all_sizes is None else ["all sizes"]) + ([] if r.induction is None else ["induction"])
                      + [f"BMC depth {r.depth}"])
    return StageResult(ENGINE, verdicts, ", ".join(parts) + f" in {r.seconds} s", figures, bound)
