"""What each VM is served: the model's events as the Scheduled Events document of its api-version.

Scope (research 3.3, "Scope"): the events of every VM of an availability set are delivered to all
the VMs of that set, so a VM's document holds every event whose Resources name a VM of its set,
and clients filter on Resources.  Each set has its own DocumentIncarnation, starting at 1 and
incremented when the set's document changes (an event appears, starts or leaves) with the model's
own DocumentIncarnation, which the model bumps at every change of its document (R10): so two polls
with the same incarnation carry the same events, and a mutant that forgets to bump it
(`incarnation_not_bumped`) is served as broken as it is.

Fields per api-version (research 3.1): EventId, EventType, ResourceType, Resources, EventStatus and
NotBefore in every version; Description from 2019-04-01, EventSource from 2019-08-01,
DurationInSeconds from 2020-07-01; resource names carry a prepended underscore before 2017-08-01
("Removed prepended underscore from resource names for IaaS VMs").  NotBefore is an RFC 1123 date,
fixed when the event first appears (now + the model's notice) and empty once Started.  EventIds are
the GUIDs `vmspec events export` derives from the model's ids, so both speak of the same events.

The served clock is the model's: it starts at a whole second of real time when the server starts
and advances with model time times the profile's notice divisor (1, except in dev timing, which is
stretched back to real notices as `vmspec events export` does; notes/decisions.md D5).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from vmspec.model import Spec, State, Step
from vmspec.properties.conformance.events.contract import EVENT_TYPE_SINCE, FIELD_SINCE, format_rfc1123
from vmspec.properties.conformance.events.export import event_guid
from vmspec.properties.conformance.events.stream import API_VERSIONS

UNDERSCORE_UNTIL = "2017-08-01"  # research 3.1: the underscore was removed in this version


class Documents:
    """The served documents of every availability set, kept up to date step by step."""

    def __init__(self, spec: Spec, origin: datetime, scale: int | None = None) -> None:
        self.spec = spec
        self.origin = origin
        self.scale = spec.params.notice_divisor if scale is None else scale
        self.sets = len(spec.topology.availability_sets)
        self.vm_set = spec.vm_aset  # the availability set of each VM
        self.incarnation = [1] * self.sets
        self.model_incarnation = spec.initial_state().incarnation
        self.events: list[tuple[tuple, ...]] = [()] * self.sets  # per set: the served events, as rows
        self.not_before: dict[str, datetime] = {}  # model EventId -> absolute NotBefore
        self.guid_to_model: dict[str, str] = {}  # lower-case GUID -> model EventId
        self._bytes: dict[tuple[int, str], bytes] = {}
        self.appeared: dict[tuple[int, str], int] = {}  # (set, model EventId) -> incarnation it appeared in
        self.served: dict[int, int] = {}  # VM -> the incarnation it was last served

    def served_time(self, model_time: Fraction) -> datetime:
        micros = int(Fraction(model_time) * self.scale * 1_000_000)
        return self.origin + timedelta(microseconds=micros)

    def on_step(self, t: Fraction, step: Step, before: State, after: State, note: str) -> None:
        """Recompute the documents after a step (a listener of `Platform`)."""
        if before.events is after.events or before.events == after.events:
            return
        self.refresh(after, t)

    def refresh(self, s: State, t: Fraction) -> None:
        now = self.served_time(t)
        live = {e.event_id for e in s.events}
        for gone in [k for k in self.not_before if k not in live]:
            del self.not_before[gone]
        per_set: list[list[tuple]] = [[] for _ in range(self.sets)]
        for e in s.events:
            if e.event_id not in self.not_before and e.not_before_in is not None:
                self.not_before[e.event_id] = now + timedelta(seconds=float(e.not_before_in * self.scale))
            guid = event_guid(e.event_id)
            self.guid_to_model[guid.lower()] = e.event_id
            nb = self.not_before.get(e.event_id)
            row = (guid, e.event_type, tuple(self.spec.vm_names[i] for i in e.resources), e.status,
                   format_rfc1123(nb) if e.status == "Scheduled" and nb is not None else "", e.duration,
                   self.spec.description(e), e.source)
            for a in sorted({self.vm_set[i] for i in e.resources}):
                per_set[a].append(row)
        bumped = s.incarnation != self.model_incarnation
        self.model_incarnation = s.incarnation
        for a in range(self.sets):
            rows = tuple(per_set[a])
            if rows != self.events[a]:
                self.events[a] = rows
                if bumped:  # the model counts every change of its document (R10); a broken one may not
                    self.incarnation[a] += 1
                for e in s.events:
                    if (a, e.event_id) not in self.appeared and any(self.vm_set[i] == a for i in e.resources):
                        self.appeared[(a, e.event_id)] = self.incarnation[a]
                for v in API_VERSIONS:
                    self._bytes.pop((a, v), None)

    def mark_served(self, vm: int) -> bool:
        """Note that `vm` was served its set's current document; True when that is news."""
        inc = self.incarnation[self.vm_set[vm]]
        if self.served.get(vm) == inc:
            return False
        self.served[vm] = inc
        return True

    def unseen(self, model_id: str) -> bool:
        """Whether a VM that polls has not yet been served the event (in its set's document)."""
        for vm, inc in self.served.items():
            appeared = self.appeared.get((self.vm_set[vm], model_id))
            if appeared is not None and inc < appeared:
                return True
        return False

    def scope_of(self, vm: int) -> int:
        return self.vm_set[vm]

    def model_id(self, vm: int, event_id: str) -> str | None:
        """The model EventId of a served EventId in the VM's document, or None when the VM's
        document does not hold it (unknown, removed, or another availability set's)."""
        model = self.guid_to_model.get(event_id.strip().lower())
        if model is None:
            return None
        guid = event_guid(model)
        return model if any(row[0] == guid for row in self.events[self.vm_set[vm]]) else None

    def document(self, vm: int, api_version: str) -> dict[str, Any]:
        a = self.vm_set[vm]
        # an EventType the api-version does not list yet (Preempt from 2017-11-01, Terminate from 2019-01-01;
        # R36, R37) is left out of that version's document
        return {"DocumentIncarnation": self.incarnation[a],
                "Events": [_event(row, api_version) for row in self.events[a]
                           if api_version >= EVENT_TYPE_SINCE.get(row[1], "")]}

    def body(self, vm: int, api_version: str) -> bytes:
        """The response body for a VM, cached per availability set and api-version."""
        key = (self.vm_set[vm], api_version)
        cached = self._bytes.get(key)
        if cached is None:
            cached = self._bytes[key] = json.dumps(self.document(vm, api_version), separators=(",", ":")).encode()
        return cached


def _event(row: tuple, api_version: str) -> dict[str, Any]:
    guid, event_type, resources, status, not_before, duration, description, source = row
    prefix = "_" if api_version < UNDERSCORE_UNTIL else ""
    out: dict[str, Any] = {
        "EventId": guid,
        "EventType": event_type,
        "ResourceType": "VirtualMachine",
        "Resources": [prefix + r for r in resources],
        "EventStatus": status,
        "NotBefore": not_before,
    }
    if api_version >= FIELD_SINCE["Description"]:
        out["Description"] = description
    if api_version >= FIELD_SINCE["EventSource"]:
        out["EventSource"] = source
    if api_version >= FIELD_SINCE["DurationInSeconds"]:
        out["DurationInSeconds"] = duration
    return out
