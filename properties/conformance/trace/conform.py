"""Trace conformance: replay an implementation's trace against the model, streaming.

Each record is one step of the implementation.  The checker lets the exact time elapsed
since the previous record pass (`time_passes` with a Fraction), then applies the record's
action through `Spec.step`, so every guard -- the pause bound and watchdog (R2), the
notice (R8, R9), the slice (R5), the clock resync (R3) -- is the model's own.  After every
step every always-property of the registry is evaluated; when the record carries the
state the implementation believes it is in, that state must match the model's.

The first violation stops the check.  It names the trace line, the rule and the registry
property, and carries a counterexample of the prefix (`vmspec.properties.evidence.counterexample.build`,
engine ``trace``).  A step the model refuses is diagnosed by relaxation: the catalogue
mutant whose single relaxed guard would allow the step names the rule, and the registry
judges the state the step would have produced.

Memory stays flat however long the trace: one line is held at a time, and the prefix kept
for the counterexample drops every cycle through an identical model state (the report is
then a shorter path to the same violation, with the trace line of each kept step).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from vmspec.model import ACTION_INFO, ActionNotEnabled, Spec, State, Step
from vmspec.model.state import FROZEN, RUNNING, STALE, WRITTEN
from vmspec.properties.catalogue.mutants import MUTANTS, Mutant
from vmspec.properties.catalogue.registry import (
    ALWAYS,
    EVENTUALLY,
    REGISTRY,
    SOMETIMES,
    STATE,
    STEP,
    TRANSITION,
    WARNINGS,
    Incremental,
    SkippedCheckFailed,
    changed,
)
from vmspec.properties.conformance.trace.format import (
    TraceHeader,
    TraceRecord,
    dumps_header,
    dumps_record,
    format_time,
    read_trace,
)
from vmspec.properties.evidence import counterexample as cx
from vmspec.properties.evidence.counterexample import Counterexample, write_atomic
from vmspec.properties.evidence.diff import believed_state, compare_observed, describe_state
from vmspec.properties.io.errors import InputError

ENGINE = "trace"
_TIME_METHODS = ("step", "time_passes", "freeze_deadline_ok", "resync_deadline_ok")  # what a still state relies on
_MAX_TICKS_PER_SECOND = 10**30  # beyond this common denominator, time is kept as a Fraction


@dataclass(frozen=True)
class Violation:
    """Where and how a trace leaves the specification."""

    line: int | None  # trace line of the offending record (None: a step fed without a line)
    property: str | None  # the registry property broken; None when no property names it
    rule: str | None  # the rule id of notes/spec.md
    message: str
    counterexample: Counterexample | None  # the prefix, when a registry property names the violation
    diagnosed_as: str | None = None  # the catalogue mutant whose relaxed guard allows the step
    prefix: tuple[tuple[Step, State, int | None], ...] = ()  # kept prefix, for the re-checkable trace file
    observed: dict | None = None  # the observed state that disagreed with the model, if that was the violation
    refused: str | None = None  # the model refused the last step: "refused by guard of <action>: <rules>"

    def describe(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        rule = f"{self.rule} {self.property}" if self.property else (self.rule or "no rule")
        return f"{where}{rule}: {self.message}"


@dataclass(frozen=True)
class TraceResult:
    """What a whole trace check found: a violation or nothing, and what the trace exercised."""

    source: str
    records: int
    steps: int
    duration: Fraction  # seconds from the initial state to the last record
    violation: Violation | None
    actions: dict[str, int]
    exercised: dict[str, dict[str, int]]  # rule id -> {action: count}
    reached: tuple[str, ...]  # sometimes-properties reached
    pending: tuple[str, ...]  # eventually-obligations still open at the end of the trace
    complete: bool  # the trace ends with the rollout complete
    cut: int  # steps dropped from the kept prefix as cycles
    soft: tuple[str, ...] = ()  # breaches of soft properties (R31), each a warning: "line N: R31 name: ..."

    @property
    def ok(self) -> bool:
        return self.violation is None

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the reader should know although nothing was violated."""
        empty = (f"the trace has no records: {EMPTY}",) if self.records == 0 and self.violation is None else ()
        return empty + self.soft

    def to_json(self) -> dict:
        v = self.violation
        return {
            "trace": self.source,
            "ok": self.ok,
            "records": self.records,
            "steps": self.steps,
            "duration": format_time(self.duration),
            "violation": None if v is None else {
                "line": v.line, "property": v.property, "rule": v.rule, "message": v.message,
                "diagnosed_as": v.diagnosed_as, "refused": v.refused,
            },
            "actions": self.actions,
            "rules_exercised": self.exercised,
            "reached": list(self.reached),
            "pending_at_end": list(self.pending),
            "rollout_complete": self.complete,
            "warnings": list(self.warnings),
        }


class TraceChecker:
    """The streaming judge: feed it steps (or records) in order; it returns the first violation.

    Used by `check_trace` for trace files and by `vmspec.properties.conformance.impl` for live implementations."""

    def __init__(self, spec: Spec, *, config: str = "?", source: str = "<trace>", start: Fraction = Fraction(0)) -> None:
        self.spec, self.config, self.source = spec, config, source
        self.state = spec.initial_state()
        self.start = Fraction(start)
        # Exact time as integer ticks over a common denominator (`_den` ticks per second), grown
        # to the lcm of every time's denominator as they come (decimal traces: a power of ten);
        # `_den` is None when that would pass _MAX_TICKS_PER_SECOND: then `_ticks` is a Fraction.
        self._den: int | None = self.start.denominator
        self._ticks: int | Fraction = self.start.numerator
        self.records = self.steps = self.cut = 0
        self.actions: Counter = Counter()
        self.exercised: dict[str, Counter] = {}
        self.reached: set[str] = set()
        self.violation: Violation | None = None
        self._path: list[tuple[Step, State, int | None]] = []
        self._index: dict[State, int] = {self.state: 0}
        self._state_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == STATE]
        self._trans_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == TRANSITION]
        self._some_state = [p for p in REGISTRY if p.kind == SOMETIMES and p.scope == STATE]
        self._some_trans = [p for p in REGISTRY if p.kind == SOMETIMES and p.scope == TRANSITION]
        # after a step only the properties reading a part it changed are re-checked: the state
        # before passed every one (the first violation ends the check)
        self._inc_state, self._inc_trans = Incremental(self._state_props), Incremental(self._trans_props)
        self._inc_some_state, self._inc_some_trans = Incremental(self._some_state), Incremental(self._some_trans)
        self._removed_prop = next(p for p in REGISTRY if p.name == "removed_event_never_returns")
        # soft properties (R31): a breach is a warning, recorded once each time one begins
        self._inc_warn = Incremental(WARNINGS)
        self._warning_on: set[str] = set()
        self.soft: list[str] = []
        self._relaxed: list[tuple[Mutant, Spec]] | None = None
        self._last: tuple[State, Step] | None = None  # the state before the latest step, and that step
        self._appended = False  # the latest step is the last of the kept prefix (no cycle was cut)
        # R1 on reported memory versions (notes/trace-format.md): per VM index, the version the
        # implementation reported first during the VM's current freeze, and, for the VMs the
        # latest step resumed, the version of the freeze they left
        self._mem_frozen: dict[int, object] = {}
        self._mem_resumed: dict[int, object] = {}
        self._action_rules = {a.name: a.rules for a in ACTION_INFO.values()}  # declared with the actions
        time_passes = ACTION_INFO["time_passes"]
        self._freeze_rules = time_passes.clause("pause_bound").rules
        self._resync_rules = time_passes.clause("resync_latency").rules
        # A state that time passing left as it was (the same object) while no VM held a pause or
        # resync timer: time_passes then changes nothing whatever the duration (no VM is frozen
        # or lagging, no NotBefore is pending, no deadline can refuse it), so an idle trace skips
        # the model step there; with VMSPEC_CHECK_SKIPPED=1 the step is taken and compared.
        # Only for a spec whose time is the reference model's.
        self._still: State | None = None
        self._time_is_model = all(getattr(type(spec), m) is getattr(Spec, m) for m in _TIME_METHODS)
        self._debug = self._inc_state.debug
        self._time_rules: tuple[State | None, tuple[str, ...]] = (None, ())  # _count's rules for the last state
        for p in self._state_props:  # the initial state itself must satisfy the registry
            msg = p.check(spec, self.state)
            if msg:
                self._fail(None, p.name, p.rule, msg, [])

    # ------------------------------------------------------------ time

    @property
    def now(self) -> Fraction:
        """The exact time the checker has reached, in seconds."""
        return Fraction(self._ticks, self._den) if self._den is not None else Fraction(self._ticks)

    def _tick(self, x: Fraction | int) -> int | Fraction:
        """`x` seconds in ticks, growing the common denominator when `x` needs it."""
        den = self._den
        if den is None:
            return Fraction(x)
        d = x.denominator
        if den % d:
            wider = math.lcm(den, d)
            if wider > _MAX_TICKS_PER_SECOND:
                self._den, self._ticks = None, Fraction(self._ticks, den)
                return Fraction(x)
            self._ticks *= wider // den
            self._den = den = wider
        return x.numerator * (den // d)

    def _seconds(self, ticks: int | Fraction) -> int | Fraction:
        """A number of ticks as exact seconds: an int when whole, else a Fraction."""
        den = self._den
        if den is None:
            return ticks.numerator if ticks.denominator == 1 else ticks  # type: ignore[union-attr]
        if den == 1:
            return ticks
        q, r = divmod(ticks, den)
        return q if not r else Fraction(ticks, den)

    # ------------------------------------------------------------ feeding

    def feed(self, record: TraceRecord) -> Violation | None:
        """One trace record: time passes up to its time, then its action, then its observed state."""
        if self.violation:
            return self.violation
        self.records += 1
        dt = self._tick(record.time) - self._ticks
        if dt < 0:
            raise InputError(self.source, record.line, "time",
                             f"time went backwards: {format_time(record.time)} s after {format_time(self.now)} s")
        if record.action == "time_passes":
            if not dt:
                raise InputError(self.source, record.line, "time",
                                 "a time_passes record needs a later time than the record before it")
            self.apply(Step("time_passes", (self._seconds(dt),)), record.line, dt)
        else:
            step = Step(record.action, self._resolve(record))
            if dt and self.apply(Step("time_passes", (self._seconds(dt),)), record.line, dt):
                return self.violation
            self.apply(step, record.line)
        if self.violation is None and record.state is not None:
            self.observe(record.state, record.line)
        return self.violation

    def advance(self, time: Fraction, line: int | None = None) -> Violation | None:
        """Let exact time pass up to `time` (the model's `time_passes` guard judges it)."""
        dt = self._tick(Fraction(time)) - self._ticks
        if dt <= 0:
            return self.violation
        return self.apply(Step("time_passes", (self._seconds(dt),)), line, dt)

    def apply(self, step: Step, line: int | None = None, _ticks: int | Fraction | None = None) -> Violation | None:
        """Apply one step through `Spec.step`, then check every always-property (`_ticks`:
        the elapsed time of a time_passes step in ticks, when the caller has it)."""
        if self.violation:
            return self.violation
        s = self.state
        still = _ticks is not None and s is self._still
        if still and not self._debug:
            t = s  # time passes in a still state: nothing changes (see __init__)
        else:
            try:
                t = self.spec.step(s, step)
            except ActionNotEnabled as exc:
                return self._refused(s, step, line, exc)
            if _ticks is not None:
                if still and t is not s:
                    raise SkippedCheckFailed(f"{step} changed a state that time passing had left unchanged")
                if t is s and self._time_is_model and all(v.frozen_for is None and v.unsynced_for is None
                                                          for v in s.vms):
                    self._still = s
        self._count(s, step)
        if self._mem_resumed:
            self._mem_resumed = {}
        if self._mem_frozen:
            self._freezes_ended(t)
        spec, mask = self.spec, changed(s, t)
        due, skipped = self._inc_trans.split(mask | STEP)
        for p in due:
            msg = p.check(spec, s, step, t)
            if msg:
                return self._fail(line, p.name, p.rule, msg, [(step, t)])
        if self._inc_trans.debug:
            for p in skipped:
                p.skipped_wrongly(p.check(spec, s, step, t))
        due, skipped = self._inc_state.split(mask)
        for p in due:
            msg = p.check(spec, t)
            if msg:
                return self._fail(line, p.name, p.rule, msg, [(step, t)])
        if self._inc_state.debug:
            for p in skipped:
                p.skipped_wrongly(p.check(spec, t))
        reached = self.reached
        due, skipped = self._inc_some_trans.split(mask | STEP)
        for p in due:
            if p.name not in reached and p.check(spec, s, step, t):
                reached.add(p.name)
        if self._inc_some_trans.debug:
            for p in skipped:
                if p.name not in reached:
                    p.skipped_wrongly(p.check(spec, s, step, t))
        due, skipped = self._inc_some_state.split(mask)
        for p in due:
            if p.name not in reached and p.check(spec, t):
                reached.add(p.name)
        if self._inc_some_state.debug:
            for p in skipped:
                if p.name not in reached:
                    p.skipped_wrongly(p.check(spec, t))
        if self._inc_warn.props:
            self._warn(t, mask, line)
        self._last = (s, step)
        if step.name == "time_passes":
            elapsed = self._tick(step.args[0]) if _ticks is None else _ticks  # may widen the denominator first
            self._ticks += elapsed
        self._extend(step, t, line)
        return None

    def _warn(self, t: State, mask: int, line: int | None) -> None:
        """Record a warning when a soft property (R31) begins to be breached by the latest step."""
        due, skipped = self._inc_warn.split(mask)
        for p in due:
            msg = p.check(self.spec, t)
            if not msg:
                self._warning_on.discard(p.name)
            elif p.name not in self._warning_on:
                self._warning_on.add(p.name)
                where = f"line {line}: " if line is not None else ""
                self.soft.append(f"{where}{p.rule} {p.name}: {_RATIO.sub(_decimal_text, msg)}")
        if self._inc_warn.debug:
            for p in skipped:
                p.skipped_wrongly(bool(p.check(self.spec, t)), p.name in self._warning_on)

    def _freezes_ended(self, t: State) -> None:
        """Forget the memory version of every freeze that ended by the latest step, keeping
        those of the VMs it resumed for the record's own report."""
        for i in [i for i in self._mem_frozen if t.vms[i].status != FROZEN]:
            version = self._mem_frozen.pop(i)
            if t.vms[i].status == RUNNING:
                self._mem_resumed[i] = version

    def _memory_versions(self, observed: dict) -> tuple[dict, dict[str, str]]:
        """The report with each VM's `memory_version` (the implementation's own name for its
        memory contents) turned into the model's memory token, and what each differing version
        means.  The first version reported during a freeze stamps it; a frozen or just resumed
        VM reporting another version holds other memory than it was frozen with, which the
        registry judges as an older image (R1).  Versions of running VMs are not compared."""
        vms = observed.get("vms")
        if not isinstance(vms, dict) or not any(isinstance(f, dict) and "memory_version" in f for f in vms.values()):
            return observed, {}
        out, notes = {}, {}
        for name, fields in vms.items():
            if not isinstance(fields, dict) or "memory_version" not in fields or name not in self.spec.vm_ix:
                out[name] = fields
                continue
            fields = dict(fields)
            version = fields.pop("memory_version")
            i = self.spec.vm_ix[name]
            v = self.state.vms[i]
            stamped = self._mem_frozen.get(i) if v.status == FROZEN else self._mem_resumed.get(i)
            if v.status == FROZEN and i not in self._mem_frozen:
                self._mem_frozen[i] = version
            elif stamped is not None and version != stamped and "memory" not in fields:
                fields["memory"] = STALE if v.memory != STALE else WRITTEN
                when = "is frozen" if v.status == FROZEN else "resumed"
                notes[name] = (f"the implementation reports memory version {_show(version)} for VM {name}, which "
                               f"{when}, and {_show(stamped)} during its freeze: its memory is not the image it "
                               f"was frozen with")
            out[name] = fields
        return {**observed, "vms": out}, notes

    def observe(self, observed: dict, line: int | None = None) -> Violation | None:
        """Compare the state the implementation reports with the model's (fields it names only)."""
        if self.violation:
            return self.violation
        observed, notes = self._memory_versions(observed)
        mismatch = compare_observed(describe_state(self.spec, self.state), observed, self.source, line)
        if mismatch is None:
            return None
        where, theirs, ours = mismatch
        msg = f"the implementation believes {where} is {_show(theirs)}; the model has {_show(ours)}"
        vm_memory = where.split(".")
        if len(vm_memory) == 4 and vm_memory[1] == "vms" and vm_memory[3] == "memory" and vm_memory[2] in notes:
            msg = notes[vm_memory[2]]
        # The counterexample ends with the step the report follows, its state replaced by the
        # belief; `earlier` is the state before that step, as `vmspec replay` will see it.
        before, step = self._last if self._last is not None else (None, None)
        extra: list[tuple[Step, State]] = []
        if self._appended or before is None:
            earlier = before
        elif before == self.state:  # a self-loop the prefix cut: keep the step itself
            earlier, extra = before, [(step, self.state)]
        else:  # a longer cycle was cut: the prefix now ends at this state by another step
            earlier = self._path[-2][1] if len(self._path) > 1 else (self.spec.initial_state() if self._path else None)
        believed = believed_state(self.spec, self.state, observed, self.source, line,
                                  earlier.removed if earlier is not None else None)

        def fail(p: Any, found: str) -> Violation:
            return self._fail(line, p.name, p.rule, f"{found} ({msg})", list(extra), observed=observed,
                              replace_last=believed)

        r12 = self._removed_prop  # a removed event shown again is R12, whatever else it also breaks
        found = r12.check(self.spec, believed)
        if found:
            return fail(r12, found)
        # a state outside the model's vocabulary (an unknown EventType, phase or status) is judged by
        # R0 before any property that reads that vocabulary
        for p in self._state_props:
            if p.rule == "R0":
                found = p.check(self.spec, believed)
                if found:
                    return fail(p, found)
        # a memory version other than the freeze's is judged by R1 first (its frozen-state
        # property before R15's transition property, which it also breaks)
        r1_first = [p for p in self._state_props if notes and p.rule == "R1"]
        for p in r1_first:
            found = p.check(self.spec, believed)
            if found:
                return fail(p, found)
        if earlier is not None:  # judge the implementation's own state with the registry
            last_step = extra[0][0] if extra else (self._path[-1][0] if self._path else step)
            for p in sorted(self._trans_props, key=lambda p: not notes or p.rule != "R1"):
                found = p.check(self.spec, earlier, last_step, believed)
                if found:
                    return fail(p, found)
        for p in self._state_props:
            found = p.check(self.spec, believed)
            if found:
                return fail(p, found)
        return self._fail(line, None, None, msg, None, observed=observed)

    def finish(self, line: int | None = None) -> Violation | None:
        """For a trace that records a whole rollout: every eventually-obligation (R18, R19)
        must be discharged and the rollout complete when the trace ends."""
        if self.violation:
            return self.violation
        for p in REGISTRY:
            if p.kind == EVENTUALLY:
                pending = sorted(p.check(self.spec, self.state))
                if pending:
                    return self._fail(line, p.name, p.rule, "the trace ends with an obligation pending: "
                                      + ", ".join(pending), None)
        if not self.spec.rollout_complete(self.state):
            rule = next(p.rule for p in REGISTRY if p.name == "reach_rollout_complete")
            return self._fail(line, None, rule, "the trace ends before the rollout is complete (events left, "
                              "or a guest clock still behind host time)", None)
        return None

    def stall(self, step: Step, why: str, line: int | None = None) -> Violation | None:
        """The implementation has stopped: `step` (time passing) leads from the current
        state back to itself while an obligation is pending, so repeating it forever is a
        run that never discharges it.  Report it as a lasso naming the rule of the
        obligation -- R19 while a VM is frozen, R18 while a host is unpatched or the
        rollout incomplete -- or return None when `step` does not return to this state or
        nothing is pending."""
        if self.violation:
            return self.violation
        s = self.state
        try:
            t = self.spec.step(s, step)
        except ActionNotEnabled:
            return None
        if t != s:
            return None
        for name in ("frozen_vm_resumes", "every_host_patched", cx.ROLLOUT_COMPLETE):
            pending = sorted(cx.obligations(self.spec, name, s))
            if pending:
                return self._fail(line, name, _rule_of(name), f"{why}; pending forever: {', '.join(pending)}",
                                  [(step, t)], lasso=True)
        return None

    # ------------------------------------------------------------ results

    def result(self) -> TraceResult:
        pending: list[str] = []
        for p in REGISTRY:
            if p.kind == EVENTUALLY:
                pending.extend(sorted(p.check(self.spec, self.state)))
        exercised = {r: dict(c) for r, c in sorted(self.exercised.items(), key=lambda kv: int(kv[0][1:]))}
        return TraceResult(
            self.source, self.records, self.steps, self.now - self.start, self.violation, dict(self.actions),
            exercised, tuple(sorted(self.reached)), tuple(pending), self.spec.rollout_complete(self.state), self.cut,
            tuple(self.soft),
        )

    def prefix_lines(self, violation: Violation | None = None) -> Iterator[str]:
        """The kept prefix (plus the offending step when it has a state) as a re-checkable trace."""
        v = violation or self.violation
        path = list(v.prefix) if v is not None else list(self._path)
        now = self.start
        yield dumps_header(self.start, {"prefix_of": self.source})
        for i, (step, _, _) in enumerate(path, 1):
            state = v.observed if v is not None and i == len(path) else None
            if step.name == "time_passes":
                now += step.args[0]
                yield dumps_record(now, "time_passes", (), state)
            else:
                yield dumps_record(now, step.name, step.args, state)
        if v is not None and v.observed is not None and not path:
            yield dumps_record(now, "time_passes", (), v.observed)

    # ------------------------------------------------------------ internals

    def _resolve(self, record: TraceRecord) -> tuple:
        """Check the record's names against the topology (input errors, not violations)."""
        spec, args = self.spec, record.args
        kind = ACTION_INFO[record.action].kind
        if kind == "host" and args[0] not in spec.host_ix:
            raise InputError(self.source, record.line, "args[0]",
                             f"host {args[0]!r} is not in the topology; hosts: {', '.join(spec.host_names)}")
        if kind == "vm" and args[0] not in spec.vm_ix:
            raise InputError(self.source, record.line, "args[0]",
                             f"VM {args[0]!r} is not in the topology; VMs: {', '.join(spec.vm_names)}")
        return args

    def _count(self, s: State, step: Step) -> None:
        self.steps += 1
        self.actions[step.name] += 1
        if step.name == "time_passes":
            last, rules = self._time_rules
            if last is not s:  # the same state again (an idle stretch): the same rules
                extra = list(self._action_rules["time_passes"])
                if any(v.frozen_for is not None for v in s.vms):
                    extra.extend(self._freeze_rules)
                if any(v.unsynced_for is not None for v in s.vms):
                    extra.extend(self._resync_rules)
                rules = tuple(dict.fromkeys(extra))
                self._time_rules = (s, rules)
        else:
            rules = tuple(dict.fromkeys(self._action_rules.get(step.name, ())))
        for r in rules:
            self.exercised.setdefault(r, Counter())[step.name] += 1

    def _extend(self, step: Step, t: State, line: int | None) -> None:
        """Append to the kept prefix, dropping the cycle when `t` was already visited on it."""
        before, self.state = self.state, t
        if t is before:  # a step that changed nothing (the prefix ends at this state): a self-loop
            self._appended = False
            self.cut += 1
            return
        n = len(self._path) + 1
        k = self._index.setdefault(t, n)  # one hash of the new state, whether or not it is on the prefix
        self._appended = k == n
        if k == n:
            self._path.append((step, t, line))
            return
        for _, u, _ in self._path[k:]:
            del self._index[u]
        self.cut += len(self._path) - k + 1
        del self._path[k:]

    def _relaxations(self) -> list[tuple[Mutant, Spec]]:
        if self._relaxed is None:
            self._relaxed = [(m, m.spec(self.spec.topology, self.spec.params)) for m in MUTANTS]
        return self._relaxed

    def _refused(self, s: State, step: Step, line: int | None, exc: ActionNotEnabled) -> Violation:
        """The model refuses `step`.  The rule is the one the refusing guard clause names
        (`ActionNotEnabled.rules`); relaxation -- the catalogue mutant whose one relaxed
        guard allows the step -- adds the registry property that judges the state the step
        would have produced, and names the rule when the guard names none.  The refused
        step is kept as the last step of the evidence (a ``refused`` counterexample and
        the prefix trace), so both reproduce the refusal."""
        rules = tuple(getattr(exc, "rules", ()) or ())
        clause = getattr(exc, "clause", None)
        relaxed = self._relaxation(s, step)
        mutant = relaxed[0] if relaxed else None
        prop, rule, judged = (relaxed[1], relaxed[2], relaxed[3]) if relaxed else (None, None, None)
        if rules and rule not in rules:  # the guard's own word comes first
            rule, prop, judged = rules[0], _property_of(rules[0]), None
        guard = f"refused by guard of {getattr(exc, 'action', None) or step.name}"
        guard += f": {', '.join(rules)}" if rules else (f": {rule}" if rule else "")
        guard += f" ({clause})" if clause else ""
        if judged is not None:
            message = f"{step} is not allowed: {judged}"
        elif relaxed is not None and rule is not None and not rules:
            message = f"{step} is not enabled in the model; it would be only if {relaxed[4]}"
        elif rule is not None:
            message = f"{step} is {guard}"
        else:
            cited = ", ".join(self._action_rules.get(step.name, ())) or "no rule"
            message = f"{exc} (no single relaxed guard allows it; the action implements {cited})"
        return self._fail(line, prop, rule, message, [(step, s)], mutant, refused=guard)

    def _relaxation(self, s: State, step: Step) -> tuple[str, str | None, str | None, str | None, str] | None:
        """(mutant, property, rule, what the registry says of the state it would reach,
        the mutant's description) for the first catalogue mutant whose relaxed guard
        allows `step`; None when none does."""
        for m, relaxed in self._relaxations():
            try:
                t = relaxed.step(s, step)
            except ActionNotEnabled:
                continue
            for p in self._trans_props:
                msg = p.check(self.spec, s, step, t)
                if msg:
                    return m.name, p.name, p.rule, msg, m.description
            for p in self._state_props:
                msg = p.check(self.spec, t)
                if msg:
                    return m.name, p.name, p.rule, msg, m.description
            headline = m.breaks[0]
            return m.name, headline, _rule_of(headline), None, m.description
        return None

    def _fail(self, line: int | None, prop: str | None, rule: str | None, message: str,
              extra: list[tuple[Step, State]] | None, mutant: str | None = None, *,
              observed: dict | None = None, replace_last: State | None = None,
              refused: str | None = None, lasso: bool = False) -> Violation:
        """Record the violation; with a registry property and the steps after the kept
        prefix (`extra`), build the counterexample of the prefix.  `replace_last` swaps the
        last state for the one the implementation reported believing it is in; `refused`
        says the last step of `extra` is one the model refused (its state is the one before)."""
        message = _RATIO.sub(_decimal_text, message)
        kept = tuple(self._path) + tuple((st, u, line) for st, u in extra or ())
        if replace_last is not None and kept:
            st, _, ln = kept[-1]
            kept = kept[:-1] + ((st, replace_last, ln),)
        counterexample = None
        if prop is not None and extra is not None:
            settings = {"trace": self.source, "violation_line": line, "trace_lines": [ln for _, _, ln in kept],
                        "cycles_cut": self.cut, "start": format_time(self.start)}
            if mutant:
                settings["diagnosed_as"] = mutant
            path = [(st, u) for st, u, _ in kept]
            built = cx.build(self.spec, path, prop, message, engine=ENGINE, config=self.config,
                             kind=cx.REFUSED if refused else cx.LASSO if lasso else cx.SAFETY,
                             loop_start=len(kept) if lasso else None, engine_settings=settings)
            if observed is not None:
                built = replace(built, observed=observed)
            if refused:
                last = built.steps[-1]
                built = replace(built, rule=rule, steps=built.steps[:-1] + (replace(last, changes=(refused,)),))
            counterexample = jsonable(built)
        self.violation = Violation(line, prop, rule, message, counterexample, mutant, kept, observed, refused)
        return self.violation


def _rule_of(prop: str | None) -> str | None:
    return next((p.rule for p in REGISTRY if p.name == prop), None)


def _property_of(rule: str) -> str | None:
    """The registry property that states `rule` (an always-property first)."""
    named = [p for p in REGISTRY if p.rule == rule and p.kind != SOMETIMES]
    return next((p.name for p in named if p.kind == ALWAYS), named[0].name if named else None)


# ---------------------------------------------------------------- observed state


def _show(value: Any) -> str:
    if isinstance(value, Fraction):
        try:
            return format_time(value)
        except ValueError:
            return str(value)
    return repr(value)


# ---------------------------------------------------------------- counterexamples with exact time

_RATIO = re.compile(r"(?<![\w./])(-?\d+)/(\d+)(?![\w./])")


def _number(x: Any) -> Any:
    """An exact number: integers stay integers, other Fractions stay Fractions (the
    counterexample's JSON writes them as exact decimals)."""
    if isinstance(x, Fraction) and x.denominator == 1:
        return x.numerator
    return x


def _decimal_text(m: re.Match) -> str:
    try:
        return format_time(Fraction(int(m.group(1)), int(m.group(2))))
    except (ValueError, ZeroDivisionError):
        return m.group(0)


def jsonable(c: Counterexample) -> Counterexample:
    """The counterexample with whole Fraction times made ints and change lines in decimals."""
    steps = tuple(
        replace(s, args=tuple(_number(a) for a in s.args), time=_number(s.time),
                changes=tuple(_RATIO.sub(_decimal_text, line) for line in s.changes))
        for s in c.steps
    )
    return replace(c, steps=steps)


# ---------------------------------------------------------------- files


def check_records(spec: Spec, items: Iterable[TraceHeader | TraceRecord], *, config: str = "?",
                  source: str = "<trace>", complete: bool = False) -> tuple[TraceResult, TraceChecker]:
    """Judge a stream of header/records; stop at the first violation.  With `complete`,
    the trace must end with the rollout complete (see `TraceChecker.finish`)."""
    checker: TraceChecker | None = None
    line = None
    for item in items:
        line = item.line
        if isinstance(item, TraceHeader):
            checker = TraceChecker(spec, config=config, source=source, start=item.start or Fraction(0))
            continue
        if checker is None:
            checker = TraceChecker(spec, config=config, source=source, start=item.time)
        if checker.feed(item):
            break
    if checker is None:
        checker = TraceChecker(spec, config=config, source=source)
    if complete and checker.records == 0 and checker.violation is None:
        checker._fail(line, None, _rule_of("every_host_patched"), f"the trace has no records: {EMPTY}; a whole "
                      "rollout (--complete) has at least one", None)
    elif complete:
        checker.finish(line)
    return checker.result(), checker


EMPTY = "nothing was checked (did the recorder write anything?)"


def check_trace(spec: Spec, path: str | Path, *, config: str = "?", complete: bool = False
                ) -> tuple[TraceResult, TraceChecker]:
    """Stream the trace file at `path` through the checker (InputError on bad input)."""
    return check_records(spec, read_trace(path), config=config, source=str(path), complete=complete)


def evidence_stem(prefix: str, v: Violation) -> str:
    """Files are named after what they show: who, then the rule and the property (or what
    kind of disagreement), e.g. ``trace-run-R8-start_after_notbefore_or_approval``."""
    what = v.property or ("divergence" if v.observed is not None else "refused" if v.refused else "violation")
    return "-".join(part for part in (prefix, v.rule or "no-rule", what) if part)


def write_violation(checker: TraceChecker, out: Path, stem: str | None = None) -> list[Path]:
    """Write the violation's counterexample (through the shared report writer) and the kept
    prefix as a trace that `vmspec trace check` re-checks; return the files written."""
    from vmspec.properties.evidence.reporting import write_reports

    v = checker.violation
    if v is None:
        return []
    name = evidence_stem(stem or ENGINE, v)
    written: list[Path] = []
    if v.counterexample is not None:
        written.extend(write_reports(v.counterexample, out / name))
    written.append(write_atomic(out / f"{name}.trace.jsonl", "\n".join(checker.prefix_lines(v)) + "\n"))
    return written
