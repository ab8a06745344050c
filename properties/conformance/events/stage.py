"""The `events` stage of `vmspec check`: the model's own behaviour, as each VM would capture it
from the Scheduled Events endpoint, must meet the documented API contract.

One seeded rollout of the target is projected once per VM (`export.project`) and every capture is
checked strictly (soft exceptions count as errors: the model never uses them), except the
hardware-failure Reboot that appears already Started where the profile models failures (R34): it
stays a warning, reported apart from any error.  A mutant that breaks
what a VM can observe (incarnation, EventIds, NotBefore, notice) fails here as well.

The stage has a row for each rule its captures could break, and none for the rules they cannot
(`NOT_CHECKED`): the projection writes a 200 answer to every poll, declares that the client sent
the Metadata header and shows each VM only the events naming it, so that no capture holds two
Terminates (R37) at once: E7, E8 and E9 could never fail here.
`vmspec events check` judges them on real captures.
"""

from __future__ import annotations

from typing import Any

from vmspec.properties.conformance.events.contract import API_RULES, check_observations
from vmspec.properties.conformance.events.export import capture_text, project, walk
from vmspec.properties.conformance.events.stream import read_lines
from vmspec.properties.evidence.verdict import NOT_FALSIFIED, VIOLATED, StageResult, Target, Verdict

ENGINE = "events"
# Rules no capture of the model can break, with the reason.
NOT_CHECKED = {
    "E7": "every poll of the projection is answered 200",
    "E8": "the projection's client always sends the Metadata header",
    "E9": "each VM is shown only the events naming it, and a Terminate names one VM: no capture holds two",
}
RULES = ("R8", "R9", "R10", "R11", "R12", "R13") + tuple(r.rule_id for r in API_RULES if r.rule_id not in NOT_CHECKED)


def allowed_exceptions(spec: Any) -> tuple[str, ...]:
    """The soft exceptions the model itself produces under its profile: the hardware-failure
    Reboot that appears already Started (R34) where the profile models failures."""
    return ("R11-hardware",) if spec.params.hardware_failures else ()


def stage(target: Target, opts: Any) -> Any:

    spec = target.spec()
    seed = getattr(opts, "seed", 0)
    path = walk(spec, seed=seed, steps=getattr(opts, "steps", 2000))
    first: dict[str, str] = {}  # rule -> the first finding, with the VM and line
    observations = errors = failures = 0
    for vm in spec.vm_names:
        raw = capture_text(spec, project(spec, path, vm), vm).encode().splitlines(keepends=True)
        report = check_observations(read_lines(raw, f"{vm}.jsonl"), strict=True, limit=50, allow=allowed_exceptions(spec))
        observations += report.summary.observations
        errors += sum(report.summary.errors.values())
        failures += sum(report.summary.warnings.values())
        for f in report.findings:
            if f.severity != "error":
                continue
            rule = f.rule.split("-")[0]
            first.setdefault(rule, f"VM {vm}, capture line {f.line}: {f.message}")
    bound = f"1 rollout, {len(path)} steps"
    verdicts = [
        Verdict(f"capture_contract_{rule}", rule, "always", ENGINE, VIOLATED if rule in first else NOT_FALSIFIED,
                first.get(rule, ""), bound=bound)
        for rule in sorted(set(RULES) | set(first), key=lambda r: (r[0], int(r[1:])))
    ]
    summary = (f"{len(spec.vm_names)} VM captures of one rollout ({len(path)} steps, seed {seed}), "
               f"{observations} observations checked strictly, {errors} findings"
               + (f", {failures} hardware-failure Reboots seen already Started (R34, warnings)" if failures else ""))
    return StageResult(ENGINE, verdicts, summary, {"observations": observations, "findings": errors},
                       f"1 rollout of {len(path)} steps, {len(spec.vm_names)} captures")
