"""The model's behaviour as one VM would capture it from the Scheduled Events endpoint.

`walk` takes one seeded rollout of the model through `spec.successors` (so every guard is
the model's own); `project` turns its states into capture lines as the chosen VM would
have recorded them: the events whose Resources name the VM (`scope="vm"`, the scope the
2020 docs give for zonal VMs) or, with `scope="set"`, every event naming a VM of its
availability set (what the current docs deliver to each VM of a set; research 3.3,
Scope), the model's DocumentIncarnation, NotBefore as an RFC 1123
date, absolute RFC 3339 observation times from the elapsed time, and EventIds as GUIDs
derived from the model's ids, so the same model event has the same EventId in every
export.  The VM polls whenever time passes and whenever its document changes; an
approval of an event it sees is recorded in the VM's `approved`, with who gave it in
`approved_by` (a VM of the set or "outside", R28; one approval releases the event, R17),
and the capture header declares every approval on record (`only_approver`).

A configuration in dev timing (notes/decisions.md D5) has its clock stretched back by the
profile's notice divisor, so that the capture speaks real time: a 30-second dev notice is
exported as the 15 minutes it stands for.  A VM evicted or deleted (R36, R37) records nothing after
its Preempt or Terminate started: its capture ends there.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vmspec.model import Spec, State, Step
from vmspec.model.state import GONE
from vmspec.properties.conformance.events.contract import format_rfc1123
from vmspec.properties.conformance.events.stream import CURRENT_API_VERSION

START = datetime(2024, 1, 1, tzinfo=UTC)  # when every exported capture begins
SCOPES = ("vm", "set")  # the events a VM is shown: those naming it, or those of its availability set
EVENT_NAMESPACE = uuid.UUID("6f1c2a8e-3d4b-5c6d-8e7f-90a1b2c3d4e5")  # names exported EventIds (uuid5)



def event_guid(model_event_id: str) -> str:
    """A stable GUID-like EventId for a model EventId such as "h0#1"."""
    return str(uuid.uuid5(EVENT_NAMESPACE, model_event_id))


def walk(spec: Spec, *, seed: int = 0, steps: int = 2000) -> list[tuple[Step, State]]:
    """One rollout from the initial state, choosing uniformly among the enabled steps (an
    event's approvals by its possible approvers counting as one), until it completes,
    deadlocks or `steps` steps have been taken."""
    rng = random.Random(seed)
    s = spec.initial_state()
    path: list[tuple[Step, State]] = []
    while len(path) < steps and not spec.rollout_complete(s):
        choices: dict[tuple[str, Any], list[tuple[Step, State]]] = {}
        for st, t in spec.successors(s):  # the approvals of one event are one choice (R28)
            key = (st.name, st.args[0]) if st.name == "app_approve_event" else (st.name, st.args)
            choices.setdefault(key, []).append((st, t))
        if not choices:
            break
        group = list(choices.values())[rng.randrange(len(choices))]
        st, s = group[len(path) % len(group)]  # its approver varies along the walk, with no draw of its own
        path.append((st, s))
    return path


@dataclass(frozen=True)
class ExportedLine:
    """One capture line and how far into the walk it was taken (for counterexamples)."""

    steps: int  # the number of walk steps taken when the VM polled
    observation: dict[str, Any]

    def text(self) -> str:
        return json.dumps(self.observation, separators=(",", ":"))


class _Projection:
    """What one VM sees of the model's states."""

    def __init__(self, spec: Spec, vm: int, scale: int, start: datetime, scope: str = "vm") -> None:
        if scope not in SCOPES:
            raise ValueError(f"scope is one of {', '.join(SCOPES)}, not {scope!r}")
        self.spec, self.vm, self.scale, self.start = spec, vm, scale, start
        # the VMs whose events this VM is shown
        self.audience = (frozenset(i for i, a in enumerate(spec.vm_aset) if a == spec.vm_aset[vm])
                         if scope == "set" else frozenset((vm,)))
        self.not_before: dict[str, datetime] = {}  # absolute NotBefore per model EventId, fixed when first seen

    def shows(self, e: Any) -> bool:
        return not self.audience.isdisjoint(e.resources)

    def instant(self, elapsed: int | float) -> datetime:
        return self.start + timedelta(seconds=float(elapsed) * self.scale)

    def document(self, s: State, now: datetime) -> dict[str, Any]:
        mine = [e for e in s.events if self.shows(e)]
        ids = {e.event_id for e in mine}
        for gone in [k for k in self.not_before if k not in ids]:
            del self.not_before[gone]  # an event that left keeps no NotBefore, should its id come back
        events = [self.event(e, now) for e in mine]
        return {"DocumentIncarnation": s.incarnation, "Events": events}

    def event(self, e: Any, now: datetime) -> dict[str, Any]:
        if e.event_id not in self.not_before and e.not_before_in is not None:
            self.not_before[e.event_id] = now + timedelta(seconds=e.not_before_in * self.scale)
        nb = self.not_before.get(e.event_id)
        return {
            "EventId": event_guid(e.event_id),
            "EventType": e.event_type,
            "ResourceType": "VirtualMachine",
            "Resources": [self.spec.vm_names[i] for i in e.resources],
            "EventStatus": e.status,
            "NotBefore": format_rfc1123(nb) if e.status == "Scheduled" and nb is not None else "",
            "Description": self.spec.description(e),
            "EventSource": e.source,
            "DurationInSeconds": e.duration,
        }


def header(spec: Spec, vm: str | None = None) -> dict[str, Any]:
    """The capture header of an export: the VM's name, and that every approval is on record."""
    return {"capture": {"vm": spec.vm_names[0] if vm is None else vm, "only_approver": True}}


def project(spec: Spec, path: list[tuple[Step, State]], vm: str | None = None, *, scale: int | None = None,
            start: datetime = START, scope: str = "vm") -> Iterator[ExportedLine]:
    """The capture lines (after the header) the VM named `vm` (default: the first) records along
    `path`, shown the events naming it (`scope="vm"`) or its availability set's (`"set"`)."""
    vm_index = 0 if vm is None else spec.vm_ix[vm]
    p = _Projection(spec, vm_index, spec.params.notice_divisor if scale is None else scale, start, scope)
    elapsed: int | float = 0
    s = spec.initial_state()
    last = p.document(s, p.instant(0))
    yield ExportedLine(0, _line(p.instant(0), last, {}))
    pending: dict[str, str] = {}  # GUID -> who approved it (R28)
    for n, (st, t) in enumerate(path, 1):
        if st.name == "time_passes":
            elapsed += st.args[0]
        if st.name == "app_approve_event":
            e = s.event(st.args[0])
            if e is not None and p.shows(e):
                pending[event_guid(e.event_id)] = st.args[1] if len(st.args) > 1 else spec.vm_names[e.resources[0]]
        if t.vms[vm_index].status == GONE:
            return  # evicted or deleted (R36, R37): a VM gone polls no more
        now = p.instant(elapsed)
        doc = p.document(t, now)
        if st.name == "time_passes" or doc != last or pending:
            yield ExportedLine(n, _line(now, doc, pending))
            last, pending = doc, {}
        s = t


def _line(now: datetime, document: dict[str, Any], approved: dict[str, str]) -> dict[str, Any]:
    line: dict[str, Any] = {
        "observed_at": now.strftime("%Y-%m-%dT%H:%M:%S") + (f".{now.microsecond:06d}" if now.microsecond else "") + "Z",
        "api_version": CURRENT_API_VERSION,
        "http_status": 200,
        "document": document,
    }
    if approved:
        line["approved"] = list(approved)
        line["approved_by"] = dict(approved)
    return line


def export(spec: Spec, vm: str | None = None, *, seed: int = 0, steps: int = 2000,
           scope: str = "vm") -> list[ExportedLine]:
    """The observations of a capture of one seeded rollout of `spec`, as `vm` records it
    (without the header: `header(spec, vm)` is its first line)."""
    return list(project(spec, walk(spec, seed=seed, steps=steps), vm, scope=scope))


def capture_text(spec: Spec, lines: Iterator[ExportedLine] | list[ExportedLine], vm: str | None = None) -> str:
    """A whole capture file: the header, then one observation a line."""
    return json.dumps(header(spec, vm), separators=(",", ":")) + "\n" + "".join(x.text() + "\n" for x in lines)
