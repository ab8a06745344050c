"""What changed between two states, in words a reader of a counterexample can follow."""

from __future__ import annotations

from vmspec.model import Spec, State
from vmspec.model.state import Event


def _event_summary(e: Event) -> str:
    when = f", NotBefore in {e.not_before_in} s" if e.not_before_in is not None else ""
    approved = ", approved" if e.approved else ""
    return f"{e.event_type} {e.status} on {list(e.resources)}{when}{approved}"


def describe_state(spec: Spec, s: State) -> dict:
    """A JSON-ready picture of a state with names instead of indices."""
    return {
        "hosts": {
            spec.host_names[h]: {"patched": x.patched, "needs_reboot": x.needs_reboot, "phase": x.phase}
            for h, x in enumerate(s.hosts)
        },
        "vms": {
            spec.vm_names[i]: {
                "status": v.status,
                "host": spec.host_names[v.host],
                "memory": v.memory,
                "snapshot": v.snapshot,
                "frozen_for": v.frozen_for,
                "clock_lag": v.clock_lag,
                "unsynced_for": v.unsynced_for,
            }
            for i, v in enumerate(s.vms)
        },
        "document": {
            "DocumentIncarnation": s.incarnation,
            "Events": [
                {
                    "EventId": e.event_id,
                    "EventType": e.event_type,
                    "Resources": [spec.vm_names[i] for i in e.resources],
                    "EventStatus": e.status,
                    "not_before_in": e.not_before_in,
                    "DurationInSeconds": e.duration,
                    "approved": e.approved,
                }
                for e in s.events
            ],
        },
    }


def changes(spec: Spec, before: State, after: State) -> tuple[str, ...]:
    """One line per changed field, e.g. ``vm0.status: running -> frozen``."""
    out: list[str] = []
    for h, (a, b) in enumerate(zip(before.hosts, after.hosts)):
        for f in ("patched", "needs_reboot", "phase"):
            if getattr(a, f) != getattr(b, f):
                out.append(f"{spec.host_names[h]}.{f}: {getattr(a, f)} -> {getattr(b, f)}")
    for i, (a, b) in enumerate(zip(before.vms, after.vms)):
        for f in ("status", "host", "memory", "snapshot", "frozen_for", "clock_lag", "unsynced_for"):
            x, y = getattr(a, f), getattr(b, f)
            if x != y:
                if f == "host":
                    x, y = spec.host_names[x], spec.host_names[y]
                out.append(f"{spec.vm_names[i]}.{f}: {x} -> {y}")
    old = {e.event_id: e for e in before.events}
    new = {e.event_id: e for e in after.events}
    for eid in sorted(old.keys() | new.keys()):
        a, b = old.get(eid), new.get(eid)
        if a is None and b is not None:
            out.append(f"event {eid}: + {_event_summary(b)}")
        elif b is None and a is not None:
            out.append(f"event {eid}: removed")
        elif a != b and a is not None and b is not None:
            for f in ("status", "not_before_in", "approved", "event_type", "resources"):
                if getattr(a, f) != getattr(b, f):
                    out.append(f"event {eid}.{f}: {getattr(a, f)} -> {getattr(b, f)}")
    if before.incarnation != after.incarnation:
        out.append(f"DocumentIncarnation: {before.incarnation} -> {after.incarnation}")
    return tuple(out)
