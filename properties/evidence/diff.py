"""What changed between two states, in words a reader of a counterexample can follow; a
state as JSON (`describe_state`); and an implementation's reported state laid over the
model's (`compare_observed`, `believed_state`), so the registry can judge what it believes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vmspec.model import Spec, State
from vmspec.model.state import OUTSIDE, OUTSIDE_NAME, PLATFORM_SOURCE, Event
from vmspec.properties.io.errors import InputError


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
                    "EventSource": e.source,
                    "Description": spec.description(e),
                    "approved_by": None if e.approved_by is None else spec.approver_name(e.approved_by),
                }
                for e in s.events
            ],
            "removed": sorted(s.removed),
        },
        "recovering": _recovering(spec, s),
    }


def _recovering(spec: Spec, s: State) -> dict:
    """Per availability set: the update domain recovering from a reboot and the seconds its gap
    still runs (R21), or None when no gap runs."""
    names = [a.name for a in spec.topology.availability_sets]
    return {names[a]: None if gap is None else {"update_domain": gap[0], "seconds_left": gap[1]}
            for a, gap in enumerate(s.recovering)}


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
            for f in ("status", "not_before_in", "approved", "event_type", "resources", "source", "approved_by"):
                x, y = getattr(a, f), getattr(b, f)
                if x != y:
                    if f == "approved_by":
                        x, y = (None if w is None else spec.approver_name(w) for w in (x, y))
                    out.append(f"event {eid}.{f}: {x} -> {y}")
    if before.incarnation != after.incarnation:
        out.append(f"DocumentIncarnation: {before.incarnation} -> {after.incarnation}")
    names = [a.name for a in spec.topology.availability_sets]
    for a, (x, y) in enumerate(zip(before.recovering, after.recovering)):
        if x != y and (x is None or y is None or x[0] != y[0]):
            gap = lambda g: "none" if g is None else f"update domain {g[0]}, {g[1]} s"
            out.append(f"{names[a]}.recovery_gap: {gap(x)} -> {gap(y)}")
    return tuple(out)


# ---------------------------------------------------------------- an implementation's belief


def compare_observed(model: Any, observed: Any, source: str, line: int | None, where: str = "state") -> tuple | None:
    """The first field where `observed` differs from the model's picture, as (path, theirs,
    ours); None when every field it names matches.  A field the model does not have is an
    input error."""
    if isinstance(observed, dict):
        if not isinstance(model, dict):
            return (where, observed, model)
        for key, value in observed.items():
            if key not in model:
                known = ", ".join(map(str, model)) or "none"
                raise InputError(source, line, f"{where}.{key}", f"no such field in the model's state; known: {known}")
            found = compare_observed(model[key], value, source, line, f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(observed, list):
        if not isinstance(model, list) or len(model) != len(observed):
            return (where, observed, model)
        for i, (a, b) in enumerate(zip(model, observed)):
            found = compare_observed(a, b, source, line, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(observed, bool) != isinstance(model, bool) or observed != model:
        return (where, observed, model)
    return None


def believed_state(spec: Spec, s: State, observed: dict, source: str = "<observed>", line: int | None = None,
                   earlier: frozenset[str] | None = None) -> State:
    """The model state `s` with the fields the implementation reported laid over it, so
    the registry can judge the implementation's own belief.

    The EventIds that have left the document are the model's plus any it lists under
    ``document.removed``, except one the latest step removed and the implementation still
    shows: in its view that event was never removed (R11, R13).  One removed before the
    latest step (`earlier`: the removed EventIds of the state before it) and shown now has
    come back (R12)."""
    vms, hosts = list(s.vms), list(s.hosts)
    for name, fields in (observed.get("vms") or {}).items():
        i = spec.vm_ix[name]
        kw = {k: v for k, v in fields.items() if k in VM_FIELDS}
        if "host" in kw:
            kw["host"] = _index(spec.host_ix, kw["host"], source, line, f"state.vms.{name}.host")
        vms[i] = replace(vms[i], **kw)
    for name, fields in (observed.get("hosts") or {}).items():
        h = spec.host_ix[name]
        hosts[h] = replace(hosts[h], **{k: v for k, v in fields.items() if k in HOST_FIELDS})
    doc = observed.get("document") or {}
    incarnation = doc.get("DocumentIncarnation", s.incarnation)
    events = s.events
    if isinstance(doc.get("Events"), list):
        events = tuple(_believed_event(spec, s, e, source, line) for e in doc["Events"] if isinstance(e, dict))
    shown = {e.event_id for e in events}
    just_removed = s.removed - (earlier if earlier is not None else s.removed)
    removed = (s.removed - (shown & just_removed)) | frozenset(_removed(doc.get("removed"), source, line))
    return State(tuple(hosts), tuple(vms), events, incarnation, removed, s.recovering)


def _removed(value: Any, source: str, line: int | None) -> list[str]:
    """The EventIds the implementation says have left the document (``document.removed``)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise InputError(source, line, "state.document.removed", f"expected a list of EventIds, got {value!r}")
    return value


VM_FIELDS = frozenset({"status", "host", "memory", "snapshot", "frozen_for", "clock_lag", "unsynced_for"})
HOST_FIELDS = frozenset({"patched", "needs_reboot", "phase"})


def _index(table: dict, name: Any, source: str, line: int | None, where: str) -> int:
    if not isinstance(name, str) or name not in table:
        raise InputError(source, line, where, f"expected one of {', '.join(table)}, got {name!r}")
    return table[name]


def _believed_event(spec: Spec, s: State, e: dict, source: str, line: int | None) -> Event:
    """One event of the reported document, completed from the model's event of that id."""
    eid = e.get("EventId")
    base = s.event(eid) if isinstance(eid, str) else None
    resources = e.get("Resources")
    res = (tuple(_index(spec.vm_ix, r, source, line, "state.document.Events.Resources") for r in resources)
           if isinstance(resources, list) else (base.resources if base else ()))
    host = base.host if base else (s.vms[res[0]].host if res else 0)
    nb = e.get("not_before_in", base.not_before_in if base else None)
    approved = e.get("approved", base.approved if base else False)
    return Event(
        eid if isinstance(eid, str) else "?",
        e.get("EventType", base.event_type if base else "?"),
        host,
        res,
        e.get("EventStatus", base.status if base else "?"),
        nb,
        base.notice if base else (nb if nb is not None else 0),
        e.get("DurationInSeconds", base.duration if base else -1),
        approved,
        e.get("EventSource", base.source if base else PLATFORM_SOURCE),
        _believed_approver(spec, e, base, approved, res, source, line),
        also_hosts=_believed_hosts(s, base, host, res),
    )


def _believed_hosts(s: State, base: Event | None, host: int, res: tuple[int, ...]) -> tuple[int, ...]:
    """The other hosts a reported event covers (R30): where the model's event of that id covers
    several hosts, the hosts of the VMs the report names; otherwise none."""
    if base is None or not base.also_hosts:
        return ()
    return tuple(sorted({s.vms[i].host for i in res} - {host}))


def _believed_approver(spec: Spec, e: dict, base: Event | None, approved: Any, res: tuple[int, ...], source: str,
                       line: int | None) -> int | None:
    """Who approved the reported event (R28): as reported, else the model's when the approval
    matches, else nobody (unapproved) or the leader, the first VM it names (approved)."""
    if "approved_by" in e:
        who = e["approved_by"]
        if who is None or who == OUTSIDE_NAME:
            return None if who is None else OUTSIDE
        return _index(spec.vm_ix, who, source, line, "state.document.Events.approved_by")
    if base is not None and base.approved == approved:
        return base.approved_by
    return res[0] if approved is True and res else None
