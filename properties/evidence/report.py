"""Counterexample reports: Markdown, HTML and JSON renderings of one `Counterexample`.

A report explains itself to someone who has not run the checker: at the top, in plain
words, the rule that was broken (its text and its source, a seed sentence S1-S7 or a
documented fact), the engine that found it with its settings, and how to replay it; then
a timeline picture; then the trace, one numbered row per step with its time, its action
and only what it changed.  A lasso (liveness) counterexample is shown as its prefix and
its repeating cycle.

The timeline is computed once (`timeline`) from the states the model itself produces when
the steps are replayed, so no guard is re-implemented here: one lane per slice (update
domain by default, R5), one per host that has Scheduled Events (R8-R13) and one per VM
that is ever impacted.  Frozen and rebooting intervals are bars, the pause bound (R2) is a
limit, the event lifecycle is drawn as markers and the violating moment is highlighted.
Markdown carries it as a Mermaid gantt chart on a time axis; HTML embeds an SVG drawn with
matplotlib on a step axis (one column per step, the time under it), so instantaneous
steps stay visible.  Markdown and JSON are byte-for-byte reproducible; the SVG is made
deterministic too (fixed hash salt, no date in its metadata).
"""

from __future__ import annotations

import html
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from vmspec.model import State
from vmspec.model.state import BLANK, FROZEN, REBOOTING, RUNNING, SCHEDULED, STARTED_STATUS
from vmspec.properties.catalogue.mutants import MUTANT_BY_NAME
from vmspec.properties.catalogue.registry import WARNINGS, by_name
from vmspec.properties.evidence.counterexample import (
    DEADLOCK_KIND,
    LASSO,
    REFUSED,
    SAFETY,
    STUTTER,
    Counterexample,
    ReplayVerdict,
    exact_text,
    replay,
    spec_for,
)

FORMATS = ("md", "html", "json")
REPORT_FORMAT = "vmspec-report/1"
DEFAULT_SOURCE = "COUNTEREXAMPLE.json"
MAX_PICTURE_STEPS = 80  # the picture shows at most this many steps, ending at the violation

# lane groups, top to bottom
SLICE, HOST, VM = "slice", "host", "vm"

# interval kinds
FROZEN_BAR, REBOOT_BAR, SCHEDULED_BAR, STARTED_BAR, CLOCK_BAR = "frozen", "rebooting", "scheduled", "started", "clock behind"

# marker kinds
ANNOUNCED, APPROVED, STARTED_M, REMOVED, CANCELLED, NOT_BEFORE = (
    "announced", "approved", "started", "removed", "cancelled", "NotBefore")
MEMORY_LOST, MOVED, RESYNCED = "memory lost", "moved", "clock resynced"

KIND_SENTENCE = {
    SAFETY: "safety: the last step reaches a state (or makes a move) that breaks the rule",
    DEADLOCK_KIND: "deadlock: in the last state no action is enabled",
    STUTTER: "stutter: in the last state only unfair actions are enabled, so a fair run may stay there forever",
    LASSO: "lasso: the steps of the cycle repeat forever while an obligation stays pending",
    REFUSED: "refused: the last step is one the implementation took and the model's guard refuses",
}
_PAUSE_RULES = frozenset({"R2", "R19"})  # rules about how long a freeze lasts
_NOT_BEFORE_RULES = frozenset({"R8", "R9"})  # rules about when an event may start
_SLICE_SHORT = {"update_domain": "UD", "fault_domain": "FD", "vm": "VM"}


class ReportError(ValueError):
    """A counterexample that names a rule or property this model does not know, or an
    unknown report format; `field` says which part of the input is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


# ====================================================================== the timeline value


@dataclass(frozen=True)
class Lane:
    key: str  # stable id, e.g. "slice:as0:0", "host:h0", "vm:vm1"
    label: str  # what the reader sees
    group: str  # slice / host / vm
    culprit: bool  # named in the violation message


@dataclass(frozen=True)
class Interval:
    lane: str
    kind: str  # frozen / rebooting / scheduled / started / clock behind
    start: int  # the state index where it begins (state k follows step k)
    end: int | None  # the state index where it is over; None when it lasts to the end
    start_time: object
    end_time: object  # None when open
    label: str


@dataclass(frozen=True)
class Marker:
    lane: str
    kind: str
    x: float  # position on the step axis (state k at x = k)
    time: object
    label: str


@dataclass(frozen=True)
class Limit:
    lane: str
    label: str
    time: object  # when the limit falls
    x: float | None  # None when it falls after the end of the trace
    relevant: bool  # the broken rule is about this limit: show it even after the end


@dataclass(frozen=True)
class Timeline:
    lanes: tuple[Lane, ...]
    intervals: tuple[Interval, ...]
    markers: tuple[Marker, ...]
    limits: tuple[Limit, ...]
    times: tuple  # elapsed time at each state 0..n
    actions: tuple[str, ...]  # short action label of each step 1..n
    steps: int  # n, the number of steps replayed
    kind: str
    loop_start: int | None
    window: tuple[int, int]  # the state range the picture shows
    violation_label: str
    granularity: int

    def to_json(self) -> dict:
        return {
            "lanes": [{"key": l.key, "label": l.label, "group": l.group, "culprit": l.culprit} for l in self.lanes],
            "intervals": [
                {"lane": i.lane, "kind": i.kind, "start_step": i.start, "end_step": i.end,
                 "start_time": _num(i.start_time), "end_time": _num(i.end_time), "label": i.label}
                for i in self.intervals
            ],
            "markers": [
                {"lane": m.lane, "kind": m.kind, "x": _num(m.x), "time": _num(m.time), "label": m.label}
                for m in self.markers
            ],
            "limits": [{"lane": l.lane, "label": l.label, "time": _num(l.time), "x": _num(l.x),
                        "relevant": l.relevant} for l in self.limits],
            "times": [_num(t) for t in self.times],
            "violation": {"kind": self.kind, "at_step": self.steps, "loop_start": self.loop_start,
                          "label": self.violation_label},
            "window": list(self.window),
        }


def _num(v: object) -> object:
    """A JSON-safe number: Fractions become exact strings (decimal when they have a finite
    expansion, else p/q), whole floats become ints."""
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else exact_text(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def fmt_time(t: object) -> str:
    """Seconds as a reader writes them: 30, 2.5, 1/3."""
    v = _num(t)
    return str(v)


def short_action(action: str, args: Sequence) -> str:
    """`platform_announce_event(h0, Freeze)` reads as `announce_event(h0, Freeze)`."""
    name = action
    for prefix in ("platform_", "host_", "app_", "vm_"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return f"{name}({', '.join(map(str, args))})"


def _start_time(cx: Counterexample) -> object:
    if not cx.steps:
        return 0
    first = cx.steps[0]
    return first.time - (first.args[0] if first.action == "time_passes" else 0)


def _culprits(message: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_.#'-]+", message))


def timeline(cx: Counterexample, states: Sequence[State]) -> Timeline:
    """The picture of a counterexample as data: lanes, bars, markers, limits, violation."""
    spec = spec_for(cx.topology, cx.params, cx.mutant)
    n = len(states) - 1
    times = [_start_time(cx)] + [s.time for s in cx.steps[:n]]
    words = _culprits(cx.message)
    axis = _Axis(tuple(times), tuple(s.action == "time_passes" for s in cx.steps[:n]))
    lanes, intervals, markers, limits = [], [], [], []
    for lane, members in _slice_lanes(spec, states, words):
        lanes.append(lane)
        intervals += _slice_intervals(lane.key, members, states, times)
    for lane, h in _host_lanes(spec, states, words):
        lanes.append(lane)
        iv, mk, lm = _host_events(lane.key, h, states, axis, cx.rule)
        intervals += iv
        markers += mk
        limits += lm
    for lane, i in _vm_lanes(spec, states, words):
        lanes.append(lane)
        iv, mk = _vm_track(spec, lane.key, i, states, times)
        intervals += iv
        markers += mk
        limits += _pause_limits(lane.key, iv, cx.params.pause_bound, axis, cx.rule)
    lo = max(0, n - MAX_PICTURE_STEPS)
    if cx.kind == LASSO and cx.loop_start is not None:
        lo = min(lo, cx.loop_start - 1)
    return Timeline(
        tuple(lanes), tuple(intervals), tuple(markers), tuple(limits), tuple(times),
        tuple(short_action(s.action, s.args) for s in cx.steps[:n]), n, cx.kind, cx.loop_start, (lo, n),
        cx.message, cx.params.granularity,
    )


@dataclass(frozen=True)
class _Axis:
    """Maps elapsed time onto the step axis: step k spans x in [k-1, k]; only time_passes
    steps take time, linearly across their column."""

    times: tuple
    timed: tuple[bool, ...]

    def x_at(self, t: object) -> float | None:
        if t <= self.times[0]:
            return 0.0
        for k in range(1, len(self.times)):
            a, b = self.times[k - 1], self.times[k]
            if self.timed[k - 1] and a < t <= b:
                return float(k - 1 + Fraction(t - a) / Fraction(b - a)) if b != a else float(k)
        return None


def _lane_kinds(params) -> tuple[str, ...]:
    """The slice kinds that get lanes: update domains (reboots are sequenced by them in every
    profile), and fault domains too when Freezes are sequenced by them."""
    return ("update_domain", "fault_domain") if params.freeze_slice == "fault_domain" else ("update_domain",)


def _slice_lanes(spec, states, words) -> Iterable[tuple[Lane, tuple[int, ...]]]:
    for kind, event_type in zip(_lane_kinds(spec.params), ("Reboot", "Freeze")):
        groups: dict[tuple[int, object], list[int]] = {}
        for i, (a, (_, unit)) in enumerate(spec.slice_of[event_type]):
            groups.setdefault((a, unit), []).append(i)
        short = _SLICE_SHORT[kind]
        for (a, unit), members in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            aset = spec.topology.availability_sets[a].name
            label = f"{aset} {short}{unit}"
            culprit = aset in words and any(spec.vm_names[i] in words for i in members)
            lane_id = f"slice:{aset}:{unit}" if kind == "update_domain" else f"slice:{aset}:{short.lower()}{unit}"
            yield Lane(lane_id, label, SLICE, culprit), tuple(members)


def _runs(values: Sequence[object]) -> Iterable[tuple[object, int, int | None]]:
    """Maximal runs of equal non-None values: (value, first index, index after the run or None)."""
    start, current = None, None
    for k, v in enumerate(values):
        if v != current:
            if current is not None:
                yield current, start, k
            start, current = k, v
    if current is not None:
        yield current, start, None


def _interval(lane, kind, start, end, times, label) -> Interval:
    return Interval(lane, kind, start, end, times[start], None if end is None else times[end], label)


def _slice_intervals(key, members, states, times) -> list[Interval]:
    def status(s: State) -> str | None:
        down = [s.vms[i].status for i in members if s.vms[i].status != RUNNING]
        if not down:
            return None
        return FROZEN_BAR if all(d == FROZEN for d in down) else REBOOT_BAR

    return [_interval(key, kind, a, b, times, kind) for kind, a, b in _runs([status(s) for s in states])]


def _host_lanes(spec, states, words) -> Iterable[tuple[Lane, int]]:
    for h, name in enumerate(spec.host_names):
        if any(e.host == h for s in states for e in s.events):
            named = name in words or any(w.startswith(name + "#") for w in words)
            yield Lane(f"host:{name}", f"{name} events", HOST, named), h


def _host_events(key, h, states, axis, rule) -> tuple[list[Interval], list[Marker], list[Limit]]:
    """The Scheduled Events of one host: Scheduled/Started bars, lifecycle markers, NotBefore."""
    intervals, markers, limits = [], [], []
    times = axis.times
    ids = sorted({e.event_id for s in states for e in s.events if e.host == h})
    for eid in ids:
        seen = [s.event(eid) for s in states]
        status = [None if e is None else e.status for e in seen]
        for st, a, b in _runs(status):
            kind = SCHEDULED_BAR if st == SCHEDULED else STARTED_BAR
            intervals.append(_interval(key, kind, a, b, times, f"{eid} {seen[a].event_type} {st}"))
        for k in range(len(states)):
            before, now = (seen[k - 1] if k else None), seen[k]
            label = f"{eid}"
            if now is not None and before is None and k:
                markers.append(Marker(key, ANNOUNCED, float(k), times[k], f"{eid} {now.event_type} announced"))
                nb = times[k] + now.notice if now.not_before_in is not None else None
                if nb is not None:
                    x = axis.x_at(nb)
                    limits.append(Limit(key, f"{eid} NotBefore (t={fmt_time(nb)} s)", nb, x, rule in _NOT_BEFORE_RULES))
            if before is not None and now is not None:
                if now.approved and not before.approved:
                    markers.append(Marker(key, APPROVED, float(k), times[k], f"{label} approved"))
                if before.status == SCHEDULED and now.status != SCHEDULED:
                    markers.append(Marker(key, STARTED_M, float(k), times[k], f"{label} started"))
            if before is not None and now is None:
                kind = REMOVED if before.status == STARTED_STATUS else CANCELLED
                markers.append(Marker(key, kind, float(k), times[k], f"{label} {kind}"))
    return intervals, markers, limits


def _vm_lanes(spec, states, words) -> Iterable[tuple[Lane, int]]:
    few = len(spec.vm_names) <= 6
    for i, name in enumerate(spec.vm_names):
        seen = {(s.vms[i].status, s.vms[i].host, s.vms[i].clock_lag > 0) for s in states}
        if few or len(seen) > 1 or name in words:
            host = spec.host_names[states[0].vms[i].host]
            yield Lane(f"vm:{name}", f"{name} on {host}", VM, name in words), i


def _vm_track(spec, key, i, states, times) -> tuple[list[Interval], list[Marker]]:
    """A VM's frozen/rebooting bars, its clock-behind bars and its memory/host/clock markers."""
    def status(s: State) -> str | None:
        v = s.vms[i]
        if v.status == FROZEN:
            return FROZEN_BAR
        if v.status == REBOOTING:
            return REBOOT_BAR
        return CLOCK_BAR if v.clock_lag > 0 else None

    intervals = [_interval(key, kind, a, b, times, kind) for kind, a, b in _runs([status(s) for s in states])]
    markers = []
    for k in range(1, len(states)):
        a, b = states[k - 1].vms[i], states[k].vms[i]
        if b.memory == BLANK and a.memory != BLANK:
            markers.append(Marker(key, MEMORY_LOST, float(k), times[k], f"{spec.vm_names[i]} memory lost"))
        if a.host != b.host:
            where = f"{spec.host_names[a.host]} to {spec.host_names[b.host]}"
            markers.append(Marker(key, MOVED, float(k), times[k], f"{spec.vm_names[i]} moved {where}"))
        if a.clock_lag > 0 and b.clock_lag == 0 and b.status == RUNNING and a.status == RUNNING:
            markers.append(Marker(key, RESYNCED, float(k), times[k], f"{spec.vm_names[i]} clock resynced"))
    return intervals, markers


def _pause_limits(key, intervals, bound, axis, rule) -> list[Limit]:
    """R2: where each freeze reaches the pause bound, drawn when the freeze lasts that long."""
    out = []
    for iv in intervals:
        if iv.kind != FROZEN_BAR:
            continue
        limit = iv.start_time + bound
        if iv.end_time is None or iv.end_time >= limit:
            x = axis.x_at(limit)
            out.append(Limit(key, f"pause bound {bound} s (t={fmt_time(limit)} s)", limit, x, rule in _PAUSE_RULES))
    return out


# ====================================================================== shared text


@dataclass(frozen=True)
class Facts:
    """Everything the top of a report says, computed once for every format."""

    title: str
    what: str
    rows: tuple[tuple[str, str], ...]  # (label, plain text) pairs
    replay_command: str
    replay: ReplayVerdict


def _settings(settings: dict) -> str:
    if not settings:
        return "no settings recorded"
    return ", ".join(f"{k} {json.dumps(settings[k], sort_keys=True)}" for k in sorted(settings))


def check_known(cx: Counterexample) -> None:
    """Raise `ReportError` unless the rule and the property are this model's."""
    try:
        p = by_name(cx.property)
    except KeyError as exc:
        raise ReportError("property", exc.args[0]) from None
    try:
        cx.rule_title  # noqa: B018 -- raises KeyError for an unknown rule id
    except KeyError as exc:
        raise ReportError("rule", exc.args[0]) from None
    if p.rule != cx.rule:
        raise ReportError("rule", f"property {cx.property} checks {p.rule}, not {cx.rule}")


def facts(cx: Counterexample, source: str = DEFAULT_SOURCE, verdict: ReplayVerdict | None = None) -> Facts:
    check_known(cx)
    verdict = verdict if verdict is not None else replay(cx)
    p = by_name(cx.property)
    n = len(cx.steps)
    when = f"Reached after step {n} of {n}, at t = {fmt_time(cx.steps[-1].time)} s" if n else "Already so in the initial state"
    if cx.kind == REFUSED and n:
        when = f"The model refuses step {n} of {n}, at t = {fmt_time(cx.steps[-1].time)} s"
    if cx.kind == LASSO:
        when = f"Pending all along the cycle ({_span(cx.loop_start, n)}), which repeats forever"
    elif cx.kind == STUTTER:
        when = (f"Pending in the state after step {n}, where only unfair actions are enabled: a fair run "
                "may stay there forever")
    model = f"{cx.config}"
    if cx.mutant:
        m = MUTANT_BY_NAME[cx.mutant]
        model += f" with mutant {cx.mutant} ({m.description})"
    else:
        model += " (the reference model)"
    params = cx.params
    rows = (
        ("Rule", f"{cx.rule}: {cx.rule_title}"),
        ("The rule says", cx.rule_text),
        ("Source", cx.rule_source),
        ("Property", f"{cx.property} ({p.kind}, {p.scope}): {p.doc}"),
        ("Kind", KIND_SENTENCE.get(cx.kind, cx.kind)),
        ("Found by", f"{cx.engine} ({_settings(cx.engine_settings)})"),
        ("Model", model),
        ("Parameters", f"pause bound {params.pause_bound} s{_typical(params)}, slice {params.freeze_slice}, granularity "
                       f"{params.granularity} s, Freeze notice {params.notice_for('Freeze')} s, "
                       f"resync latency {params.resync_latency} s"),
        ("Replay", ("reproduces: " if verdict.reproduced else "does NOT reproduce: ") + verdict.detail),
    )
    title = f"{cx.rule} broken: {cx.rule_title}"
    return Facts(title, f"{cx.message}. {when}.", rows, f"vmspec replay {source}", verdict)


def _span(first: int, last: int) -> str:
    return f"step {first}" if first == last else f"steps {first}-{last}"


def _cycle_split(cx: Counterexample) -> list[tuple[str, list]]:
    if cx.kind == LASSO and cx.loop_start is not None:
        k = cx.loop_start
        prefix = [s for s in cx.steps if s.index < k]
        cycle = [s for s in cx.steps if s.index >= k]
        return [(f"Prefix ({_span(1, k - 1)})" if prefix else "Prefix (empty)", prefix),
                (f"Cycle ({_span(k, len(cx.steps))}, repeats forever)", cycle)]
    return [("Trace", list(cx.steps))]


# ====================================================================== Markdown


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _mermaid_text(text: str) -> str:
    """Mermaid gantt labels may not hold ':', ';' or '#'."""
    return re.sub(r"\s+", " ", text.replace(":", " -").replace(";", ",").replace("#", " event ")).strip()


def _ms(t: object) -> int:
    return int(round(Fraction(t) * 1000))


_MERMAID_TAG = {FROZEN_BAR: "active, ", REBOOT_BAR: "done, ", STARTED_BAR: "active, ", SCHEDULED_BAR: "",
                CLOCK_BAR: "done, "}


def mermaid(tl: Timeline) -> str:
    """The timeline as a Mermaid gantt chart on a time axis (minutes:seconds)."""
    end = tl.times[tl.steps]
    pad = tl.granularity
    lines = ["gantt", "    dateFormat x", "    axisFormat %M:%S", "    todayMarker off"]
    for lane in tl.lanes:
        rows = []
        for iv in (i for i in tl.intervals if i.lane == lane.key):
            rows.append(_mermaid_interval(iv, end, pad))
        for m in (m for m in tl.markers if m.lane == lane.key):
            rows.append(f"    {_mermaid_text(m.label)} :milestone, {_ms(m.time)}, {_ms(m.time)}")
        for lim in (l for l in tl.limits if l.lane == lane.key and (l.x is not None or l.relevant)):
            rows.append(f"    {_mermaid_text(lim.label)} :crit, milestone, {_ms(lim.time)}, {_ms(lim.time)}")
        if rows:
            lines.append(f"    section {_mermaid_text(lane.label)}")
            lines += rows
    lines.append("    section violation")
    if tl.kind == LASSO and tl.loop_start is not None:
        start = tl.times[tl.loop_start - 1]
        if start == end:
            lines.append(f"    cycle repeats forever :crit, milestone, {_ms(end)}, {_ms(end)}")
        else:
            lines.append(f"    cycle repeats forever :crit, {_ms(start)}, {_ms(end)}")
    else:
        what = {DEADLOCK_KIND: "stuck, nothing enabled", STUTTER: "stays forever, only unfair actions enabled",
                REFUSED: f"step {tl.steps} is refused by the model"}.get(tl.kind, f"step {tl.steps} breaks the rule")
        lines.append(f"    {_mermaid_text(what)} :crit, milestone, {_ms(end)}, {_ms(end)}")
    return "\n".join(lines)


def _mermaid_interval(iv: Interval, end: object, pad: int) -> str:
    tag = _MERMAID_TAG[iv.kind]
    label = iv.label
    stop = iv.end_time
    if stop is None:
        label += " (to the end)"
        stop = end + pad if iv.start_time >= end else end
    if stop == iv.start_time:
        return f"    {_mermaid_text(label)} for 0 s :{tag}milestone, {_ms(iv.start_time)}, {_ms(stop)}"
    return f"    {_mermaid_text(label)} :{tag}{_ms(iv.start_time)}, {_ms(stop)}"


def _md_trace_table(cx: Counterexample, steps: list) -> list[str]:
    last = len(cx.steps)
    out = ["| # | t (s) | action | what changed |", "|---:|---:|---|---|"]
    for s in steps:
        action = f"`{s.step}`"
        if s.index == last and cx.kind != LASSO:
            action = f"**{action}** " + {SAFETY: "(violation)", DEADLOCK_KIND: "(stuck after it)",
                                         REFUSED: "(refused by the model)"}.get(cx.kind, "(stays after it)")
        changed = "<br>".join(f"`{_md_cell(c)}`" for c in s.changes) or "(no visible change)"
        out.append(f"| {s.index} | {fmt_time(s.time)} | {action} | {changed} |")
    return out


def _typical(params) -> str:
    """R31's typical pause beside the hard bound, when the profile gives one."""
    return f" (typical {params.typical_bound} s)" if params.typical_bound != params.pause_bound else ""


def soft_warnings(cx: Counterexample, states: Sequence[State]) -> list[str]:
    """The soft properties (R31) the replayed run breaches, each once when the breach begins,
    as warnings naming the step: never the violation the report is about."""
    spec = spec_for(cx.topology, cx.params, cx.mutant)
    out, on = [], set()
    for k, s in enumerate(states):
        for p in WARNINGS:
            msg = p.check(spec, s)
            if msg and p.name not in on:
                out.append(f"after step {k}: {p.rule} {p.name}: {msg}")
            (on.add if msg else on.discard)(p.name)
    return out


def render_markdown(cx: Counterexample, source: str = DEFAULT_SOURCE) -> str:
    """The report as Markdown: facts, a Mermaid timeline, the numbered trace, the setting."""
    f = facts(cx, source)
    tl = timeline(cx, f.replay.states)
    out = [f"# {f.title}", "", f"**What went wrong:** {f.what}", "", "| | |", "|---|---|"]
    out += [f"| {label} | {_md_cell(text)} |" for label, text in f.rows]
    out += ["", f"Replay it with `{f.replay_command}`; `vmspec replay --python {source}` prints it as a pytest test.",
            "", "## Timeline", "", _legend_sentence(cx, tl), "", "```mermaid", mermaid(tl), "```", ""]
    for heading, steps in _cycle_split(cx):
        out += [f"## {heading}", ""]
        out += _md_trace_table(cx, steps) if steps else ["(no steps)"]
        out.append("")
    warned = soft_warnings(cx, f.replay.states)
    if warned:
        out += ["## Warnings", "", "Breaches of a typical figure the documentation admits as rare, not violations:", ""]
        out += [f"- warning: {_md_cell(w)}" for w in warned] + [""]
    out += ["## Setting", ""] + _md_setting(cx) + [""]
    out += ["## As a test", "", "```python", cx.to_python().rstrip("\n"), "```", ""]
    return "\n".join(out)


def _legend_sentence(cx: Counterexample, tl: Timeline) -> str:
    slice_name = " and per ".join(k.replace("_", " ") for k in _lane_kinds(cx.params))
    text = (f"One lane per {slice_name} (bars while any of its VMs is down), per host with Scheduled Events "
            "(Scheduled and Started bars, announced/approved/started/removed markers, NotBefore), and per VM "
            f"(frozen, rebooting, clock behind); the red milestones are the limits: the pause bound of "
            f"{cx.params.pause_bound} s and NotBefore.")
    if tl.steps < len(cx.steps):
        text += f" The picture stops after step {tl.steps}, where the replay stopped."
    return text


def _md_setting(cx: Counterexample) -> list[str]:
    t = cx.topology
    sets = ", ".join(f"{a.name} ({a.update_domains} UDs, {a.fault_domains} FDs)" for a in t.availability_sets)
    hosts = ", ".join(f"{h.name} ({h.update})" for h in t.hosts)
    out = [f"Availability sets: {sets}. Hosts and their pending update: {hosts}.", "",
           "| VM | availability set | UD | FD | starts on |", "|---|---|---:|---:|---|"]
    out += [f"| {v.name} | {v.availability_set} | {v.update_domain} | {v.fault_domain} | {v.host} |" for v in t.vms]
    return out


# ====================================================================== JSON


def report_json(cx: Counterexample, source: str = DEFAULT_SOURCE) -> dict:
    f = facts(cx, source)
    tl = timeline(cx, f.replay.states)
    return {
        "format": REPORT_FORMAT,
        "title": f.title,
        "what_went_wrong": f.what,
        "facts": {label: text for label, text in f.rows},
        "replay": {"command": f.replay_command, "reproduced": f.replay.reproduced, "detail": f.replay.detail},
        "sections": [{"heading": h, "steps": [s.index for s in steps]} for h, steps in _cycle_split(cx)],
        "timeline": tl.to_json(),
        "warnings": soft_warnings(cx, f.replay.states),
        "counterexample": cx.to_json(),
    }


def render_json(cx: Counterexample, source: str = DEFAULT_SOURCE) -> str:
    return json.dumps(report_json(cx, source), indent=2, ensure_ascii=False) + "\n"


# ====================================================================== SVG (matplotlib)

_COLOURS = {
    FROZEN_BAR: "#4C78A8", REBOOT_BAR: "#F58518", SCHEDULED_BAR: "#C9C3BE", STARTED_BAR: "#54A24B",
    CLOCK_BAR: "#EECA3B",
}
_MARKERS = {
    ANNOUNCED: ("v", "#6F4E9C"), APPROVED: ("P", "#2E7D32"), STARTED_M: (">", "#1B5E20"),
    REMOVED: ("X", "#222222"), CANCELLED: ("x", "#777777"), MEMORY_LOST: ("*", "#C62828"),
    MOVED: ("D", "#8E24AA"), RESYNCED: ("o", "#00897B"),
}
_VIOLATION = "#D62728"
_BAR_LEGEND = {FROZEN_BAR: "frozen", REBOOT_BAR: "rebooting", SCHEDULED_BAR: "event Scheduled",
               STARTED_BAR: "event Started", CLOCK_BAR: "clock behind"}


def svg(cx: Counterexample, tl: Timeline) -> str:
    """The timeline as a deterministic SVG (matplotlib, no pyplot state, no dates)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.hashsalt": "vmspec-report", "svg.fonttype": "path", "font.size": 9,
                                "font.family": "DejaVu Sans"}):
        lo, hi = tl.window
        cols = max(hi - lo, 1) + _END
        longest_action = max((len(a) for a in tl.actions[lo:hi]), default=4)
        left = 0.3 + 0.075 * max((len(l.label) for l in tl.lanes), default=4)
        top = 0.4 + 0.05 * longest_action * 0.72
        right = 0.35
        plot_w = min(max(0.62 * cols, 5.0), 18.0 - left - right)
        ncol = max(1, min(8, int((plot_w + left) / 1.25)))
        bottom = 0.85 + 0.22 * -(-_legend_entries(tl) // ncol)
        plot_h = 0.44 * max(len(tl.lanes), 1)
        width, height = left + plot_w + right, top + plot_h + bottom
        fig = Figure(figsize=(width, height))
        ax = fig.add_axes((left / width, bottom / height, plot_w / width, plot_h / height))
        _draw(ax, cx, tl)
        _legend(fig, tl, ncol)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "vmspec report"})
    text = buf.getvalue()
    return text[text.index("<svg"):]


_END = 0.6  # width of the column after the last step, where the final state shows


def _draw(ax, cx: Counterexample, tl: Timeline) -> None:
    lo, hi = tl.window
    y = {lane.key: len(tl.lanes) - 1 - k for k, lane in enumerate(tl.lanes)}
    ax.set_xlim(lo, hi + _END)
    ax.set_ylim(-0.6, len(tl.lanes) - 0.4)
    _draw_highlight(ax, tl)
    bounds = {(l.lane, l.time): l for l in tl.limits if l.label.startswith("pause")}
    for iv in tl.intervals:
        start, end = max(iv.start, lo), hi + _END if iv.end is None else iv.end
        if end <= lo:
            continue
        height = 0.5 if iv.kind in (SCHEDULED_BAR, STARTED_BAR) else 0.62
        hatch = "////" if iv.kind == CLOCK_BAR else None
        box = (y[iv.lane] - height / 2, height)
        ax.broken_barh([(start, max(end - start, 0.08))], box, facecolors=_COLOURS[iv.kind], edgecolor="white",
                       linewidth=0.6, hatch=hatch, zorder=2)
        over = bounds.get((iv.lane, iv.start_time + cx.params.pause_bound)) if iv.kind == FROZEN_BAR else None
        if over is not None and over.x is not None and over.x < end:
            ax.broken_barh([(over.x, end - over.x)], box, facecolors=_VIOLATION, edgecolor="white",
                           linewidth=0.6, hatch="xx", alpha=0.85, zorder=2)
    for m in tl.markers:
        if m.x >= lo:
            shape, colour = _MARKERS[m.kind]
            size = 11 if m.kind == MEMORY_LOST else 7
            ax.plot([m.x], [y[m.lane] + 0.34], marker=shape, color=colour, markersize=size, linestyle="none",
                    markeredgecolor="white", markeredgewidth=0.5, zorder=4)
    for lim in tl.limits:
        if lim.x is not None or lim.relevant:
            _draw_limit(ax, lim, y[lim.lane], hi)
    _draw_axes(ax, cx, tl, y)


def _draw_highlight(ax, tl: Timeline) -> None:
    lo, hi = tl.window
    top = len(tl.lanes) - 0.4
    if tl.kind == LASSO and tl.loop_start is not None:
        a = tl.loop_start - 1
        ax.axvspan(a, hi, facecolor="#FFF3C4", edgecolor="#B8860B", hatch="..", linewidth=0.8, zorder=0)
        ax.text((a + hi) / 2, top, "cycle: repeats forever", ha="center", va="bottom", color="#7A5C00",
                fontweight="bold", clip_on=False)
        ax.text(hi, -0.55, f"back to the state after step {a}", ha="right", va="bottom", fontsize=7.5,
                color="#7A5C00", clip_on=False, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                                                      "edgecolor": "none"})
    elif tl.kind in (DEADLOCK_KIND, STUTTER):
        ax.axvspan(hi, hi + _END, facecolor="#FAD4D4", edgecolor=_VIOLATION, linewidth=1.2, zorder=0)
        stuck = "stuck: nothing enabled" if tl.kind == DEADLOCK_KIND else "stays forever: only unfair actions"
        ax.text(hi + _END, top, stuck, ha="right", va="bottom", color=_VIOLATION,
                fontweight="bold", clip_on=False)
    else:
        a = max(hi - 1, lo)
        ax.axvspan(a, hi + _END, facecolor="#FAD4D4", edgecolor=_VIOLATION, linewidth=1.2, zorder=0)
        says = "is refused by the model" if tl.kind == REFUSED else "breaks the rule"
        ax.text(hi + _END, top, f"step {hi} {says}", ha="right", va="bottom", color=_VIOLATION,
                fontweight="bold", clip_on=False)


def _draw_limit(ax, lim: Limit, yy: float, hi: int) -> None:
    colour = _VIOLATION if lim.label.startswith("pause") else "#6F4E9C"
    box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
    if lim.x is None:
        ax.annotate(lim.label + " ->", xy=(hi + _END, yy - 0.05), xytext=(-3, 0), textcoords="offset points",
                    ha="right", va="center", fontsize=7.5, color=colour, zorder=5, bbox=box)
        return
    ax.plot([lim.x, lim.x], [yy - 0.42, yy + 0.42], color=colour, linewidth=2.0,
            linestyle="-" if colour == _VIOLATION else "--", zorder=5)
    near_end = lim.x > hi - 2
    ax.annotate(lim.label, xy=(lim.x, yy - 0.42), xytext=(-3 if near_end else 3, 1), textcoords="offset points",
                ha="right" if near_end else "left", va="bottom", fontsize=7.5, color=colour, zorder=5, bbox=box)


def _draw_axes(ax, cx: Counterexample, tl: Timeline, y: dict) -> None:
    lo, hi = tl.window
    ax.set_yticks([y[l.key] for l in tl.lanes])
    ax.set_yticklabels([l.label for l in tl.lanes])
    for tick, lane in zip(ax.get_yticklabels(), tl.lanes):
        if lane.culprit:
            tick.set_color(_VIOLATION)
            tick.set_fontweight("bold")
    groups = [l.group for l in tl.lanes]
    for k in range(1, len(groups)):
        if groups[k] != groups[k - 1]:
            ax.axhline(len(groups) - k - 0.5, color="#999999", linewidth=0.6, zorder=1)
    for x in range(lo, hi + 1):
        ax.axvline(x, color="#E4E4E4", linewidth=0.5, zorder=1)
    ax.text(hi + _END / 2, -0.6, "end", ha="center", va="top", fontsize=7.5, color="#555555")
    every = max(1, (hi - lo) // 40 + 1)
    centres = [k for k in range(lo + 1, hi + 1) if (k - lo - 1) % every == 0 or k == hi]
    ax.set_xticks([k - 0.5 for k in centres])
    ax.set_xticklabels([f"{k}\n{fmt_time(tl.times[k])} s" for k in centres], fontsize=7.5)
    ax.set_xlabel("step, and the elapsed time after it", fontsize=8)
    top = ax.secondary_xaxis("top")
    top.set_xticks([k - 0.5 for k in centres])
    top.set_xticklabels([tl.actions[k - 1] for k in centres], rotation=45, ha="left", fontsize=7,
                        rotation_mode="anchor")
    top.tick_params(length=0, pad=16)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _legend_entries(tl: Timeline) -> int:
    limits = {l.label.startswith("pause") for l in tl.limits}
    return len({i.kind for i in tl.intervals}) + len({m.kind for m in tl.markers}) + len(limits)


def _legend(fig, tl: Timeline, ncol: int) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    kinds = sorted({i.kind for i in tl.intervals}, key=list(_COLOURS).index)
    handles = [Patch(facecolor=_COLOURS[k], label=_BAR_LEGEND[k], hatch="////" if k == CLOCK_BAR else None)
               for k in kinds]
    for k in sorted({m.kind for m in tl.markers}, key=list(_MARKERS).index):
        shape, colour = _MARKERS[k]
        handles.append(Line2D([], [], marker=shape, color=colour, linestyle="none", markersize=7, label=k))
    if any(l.label.startswith("pause") for l in tl.limits):
        handles.append(Line2D([], [], color=_VIOLATION, linewidth=2, label="pause bound"))
    if any(not l.label.startswith("pause") for l in tl.limits):
        handles.append(Line2D([], [], color="#6F4E9C", linewidth=2, linestyle="--", label="NotBefore"))
    if handles:
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.01), ncol=ncol,
                   frameon=False, fontsize=7.5, handlelength=1.4, columnspacing=1.2)


# ====================================================================== HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1180px;
padding:0 1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.3rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.what{background:#fdecec;border-left:5px solid #d62728;padding:.6rem .9rem;margin:1rem 0;font-size:1.05rem}
table{border-collapse:collapse;width:100%;font-size:.9rem} td,th{border:1px solid #ddd;padding:.3rem .5rem;
vertical-align:top;text-align:left} th{background:#f4f4f6}
table.facts td:first-child{width:9rem;font-weight:600;background:#fafafa}
td.num{text-align:right;white-space:nowrap} tr.violation td{background:#fdecec}
tr.cycle td{background:#fff8dc} code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;
font-size:.85em} .chg{display:block;white-space:pre-wrap}
pre{background:#f6f8fa;padding:.8rem;overflow-x:auto} .figure svg{max-width:100%;height:auto}
.replay{font-size:1rem;margin:.8rem 0} .muted{color:#666;font-size:.85rem}
"""


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(cx: Counterexample, source: str = DEFAULT_SOURCE) -> str:
    """One self-contained offline HTML file: facts, the SVG timeline, the trace, the setting."""
    f = facts(cx, source)
    tl = timeline(cx, f.replay.states)
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{_h(f.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f"<h1>{_h(f.title)}</h1>", f'<p class="what"><b>What went wrong:</b> {_h(f.what)}</p>',
           '<table class="facts">']
    out += [f"<tr><td>{_h(k)}</td><td>{_h(v)}</td></tr>" for k, v in f.rows]
    out += ["</table>", f'<p class="replay">Replay it with <code>{_h(f.replay_command)}</code></p>',
            "<h2>Timeline</h2>", f'<p class="muted">{_h(_legend_sentence(cx, tl))} Columns are steps; '
            "the time under each is the elapsed time after it.</p>",
            f'<div class="figure">{svg(cx, tl)}</div>']
    for heading, steps in _cycle_split(cx):
        out.append(f"<h2>{_h(heading)}</h2>")
        out += _html_trace(cx, steps)
    warned = soft_warnings(cx, f.replay.states)
    if warned:
        out += ["<h2>Warnings</h2>", "<p>Breaches of a typical figure the documentation admits as rare, not violations:</p>",
                "<ul>" + "".join(f"<li>warning: {_h(w)}</li>" for w in warned) + "</ul>"]
    out += ["<h2>Setting</h2>", _html_setting(cx), "<h2>As a test</h2>", f"<pre>{_h(cx.to_python())}</pre>",
            "</body>", "</html>", ""]
    return "\n".join(out)


def _html_trace(cx: Counterexample, steps: list) -> list[str]:
    if not steps:
        return ["<p>(no steps)</p>"]
    last = len(cx.steps)
    out = ["<table>", "<tr><th>#</th><th>t (s)</th><th>action</th><th>what changed</th></tr>"]
    for s in steps:
        cls = "cycle" if cx.kind == LASSO else ("violation" if s.index == last else "")
        changes = "".join(f'<code class="chg">{_h(c)}</code>' for c in s.changes) or "(no visible change)"
        out.append(f'<tr class="{cls}"><td class="num">{s.index}</td><td class="num">{_h(fmt_time(s.time))}</td>'
                   f"<td><code>{_h(s.step)}</code></td><td>{changes}</td></tr>")
    out.append("</table>")
    return out


def _html_setting(cx: Counterexample) -> str:
    rows = "".join(
        f"<tr><td>{_h(v.name)}</td><td>{_h(v.availability_set)}</td><td>{v.update_domain}</td>"
        f"<td>{v.fault_domain}</td><td>{_h(v.host)}</td></tr>" for v in cx.topology.vms
    )
    hosts = ", ".join(f"{h.name} ({h.update})" for h in cx.topology.hosts)
    return (f"<p>Hosts and their pending update: {_h(hosts)}.</p><table><tr><th>VM</th><th>availability set</th>"
            f"<th>UD</th><th>FD</th><th>starts on</th></tr>{rows}</table>")


# ====================================================================== entry points

RENDERERS = {"md": render_markdown, "html": render_html, "json": render_json}


def render(cx: Counterexample, fmt: str = "md", source: str = DEFAULT_SOURCE) -> str:
    """The report in `fmt` (md, html or json); `source` is the file `vmspec replay` is pointed at."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ReportError("format", f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    return renderer(cx, source)


__all__ = [
    "FORMATS", "Facts", "Interval", "Lane", "Limit", "Marker", "ReportError", "Timeline", "check_known", "facts",
    "mermaid",
    "render", "render_html", "render_json", "render_markdown", "report_json", "svg", "timeline",
]
