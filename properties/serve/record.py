"""`vmspec serve --record DIR`: what each VM was served, and what the model did, checked on exit.

`DIR/<vm>.jsonl` is the VM's capture in the `events` format (notes/events-format.md): one line per
poll of `/metadata/scheduledevents` (its observed_at on the served clock, the api-version named,
the status and the document), written and flushed as it is served, so a capture is complete
whenever the server stops.  `approved` lists the EventIds of the VM's document approved through
the endpoint since its previous poll, by this VM or another VM that receives the event, and
`approved_by` who approved each (R28): one approval releases an event for all its Resources (R17).  So, as in `vmspec events export`, the
capture's header names the VM and declares it the only approver (every approval that can release
an event it is shown is in `approved`), which makes an unapproved early start an R8 error.

`DIR/trace.jsonl` is the model's trace (notes/trace-format.md): every step with its exact model
time, approvals noting the VM that sent them.  `check` judges both with the existing checkers,
`events check --strict` per capture (strict unless the profile admits the rare short notice, a
soft exception the checker warns about) and `trace check` against the reference model (never the
mutant being served), and returns the verdict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

from vmspec.model import Spec, State, Step
from vmspec.properties.conformance.events import check_file
from vmspec.properties.conformance.events.export import event_guid
from vmspec.properties.conformance.trace import check_trace, dumps_header, dumps_record
from vmspec.properties.io.errors import InputError

TRACE = "trace.jsonl"


def rfc3339(instant: datetime) -> str:
    text = instant.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{instant.microsecond:06d}" if instant.microsecond else "") + "Z"


@dataclass
class Verdict:
    """The on-exit check of a recording: one line per file, and whether all passed."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "FILE: RULE message" of the first finding per file

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "lines": self.lines, "failures": self.failures}


class Recorder:
    """Writes the captures and the trace as the server runs."""

    def __init__(self, out: Path, spec: Spec, meta: dict[str, Any]) -> None:
        self.out, self.spec = Path(out), spec
        try:  # checked before anything is served: exit 2 naming the place
            self.out.mkdir(parents=True, exist_ok=True)
            self.trace = open(self.out / TRACE, "w", encoding="utf-8")
        except OSError as exc:
            raise InputError(str(out), None, "--record", f"cannot write the recording here: "
                                                         f"{exc.strerror or exc}") from None
        self.files: dict[int, IO[str]] = {}
        self.pending: dict[int, list[str]] = {}  # VM -> GUIDs approved since its last poll
        self.approvers: dict[int, dict[str, str]] = {}  # VM -> GUID -> who approved it (R28)
        self.polls = 0
        self.trace.write(dumps_header(0, meta) + "\n")
        self.trace.flush()
        self.closed = False
        self.last_time = Fraction(0)

    def capture_path(self, vm: int) -> Path:
        return self.out / f"{self.spec.vm_names[vm]}.jsonl"

    def on_step(self, t: Fraction, step: Step, before: State, after: State, note: str) -> None:
        if self.closed:
            return
        self.last_time = t
        line = dumps_record(t, step.name, step.args)
        if note:
            line = line[:-1] + "," + json.dumps("note") + ":" + json.dumps(note) + "}"
        self.trace.write(line + "\n")
        self.trace.flush()
        if step.name == "app_approve_event":
            e = before.event(step.args[0])
            if e is not None:
                sets = {self.spec.vm_aset[i] for i in e.resources}
                guid = event_guid(e.event_id)
                who = step.args[1] if len(step.args) > 1 else self.spec.vm_names[e.resources[0]]
                for vm, a in enumerate(self.spec.vm_aset):
                    if a in sets:
                        self.pending.setdefault(vm, []).append(guid)
                        self.approvers.setdefault(vm, {})[guid] = who

    def poll(self, vm: int, observed: datetime, api_version: str | None, status: int,
             document: bytes | None) -> None:
        """One GET of the VM's endpoint, as the VM received it."""
        if self.closed:
            return
        fh = self.files.get(vm)
        if fh is None:
            fh = self.files[vm] = open(self.capture_path(vm), "w", encoding="utf-8")
            header = {"capture": {"vm": self.spec.vm_names[vm], "only_approver": True}}
            fh.write(json.dumps(header) + "\n")
        parts = ['"observed_at":' + json.dumps(rfc3339(observed))]
        if api_version is not None:
            parts.append('"api_version":' + json.dumps(api_version))
        parts.append(f'"http_status":{status}')
        if document is not None:
            parts.append('"document":' + document.decode())
        approved = self.pending.pop(vm, None)
        if approved:
            parts.append('"approved":' + json.dumps(approved))
            parts.append('"approved_by":' + json.dumps(self.approvers.pop(vm, {})))
        fh.write("{" + ",".join(parts) + "}\n")
        fh.flush()
        self.polls += 1

    def close(self, end_time: Fraction) -> None:
        if self.closed:
            return
        if end_time > self.last_time:  # how long the model ran after its last step
            self.trace.write(dumps_record(end_time, "time_passes") + "\n")
        self.trace.close()
        for fh in self.files.values():
            fh.close()
        self.closed = True

    def check(self, reference: Spec, label: str, *, strict: bool = True) -> Verdict:
        """Check every capture and the trace; the reference model judges the trace."""
        verdict = Verdict()
        for vm in sorted(self.files):
            path = self.capture_path(vm)
            report = check_file(str(path), strict=strict, limit=20)
            s = report.summary
            mode = " --strict" if strict else ""
            if report.failed:
                first = next((f for f in report.findings), None)
                what = f"{first.rule} {first.message}" if first is not None else "failed"
                verdict.failures.append(f"{path}: {what}")
                verdict.lines.append(f"events check{mode} {path}: FAILED ({s.observations} observations; "
                                     f"first: line {first.line if first else '?'}: {what})")
            else:
                verdict.lines.append(f"events check{mode} {path}: ok ({s.observations} observations, "
                                     f"{s.events} events)")
        trace = self.out / TRACE
        result, _ = check_trace(reference, trace, config=label)
        if result.ok:
            verdict.lines.append(f"trace check {trace}: conforms ({result.steps} steps over "
                                 f"{float(result.duration):.3f} model seconds)")
        else:
            v = result.violation
            assert v is not None
            verdict.failures.append(f"{trace}: {v.rule or '-'} {v.message}")
            verdict.lines.append(f"trace check {trace}: VIOLATION at line {v.line}: {v.rule or '-'} {v.message}")
        return verdict
