"""One counterexample value for every engine.

A counterexample names the property and the rule it breaks (with the rule's text and
source), the engine that found it, and the numbered steps from the initial state: each
step's action, the elapsed time after it and what it changed.  Its kind is ``safety`` (the
last step reaches the violation), ``deadlock`` (the last state has no successor),
``stutter`` (only unfair actions are enabled in the last state, so a fair behaviour may
stay there forever while an obligation is pending: a lasso of one state), ``lasso`` (the
steps from ``loop_start`` on repeat forever while an obligation stays pending) or
``refused`` (the last step is one an implementation took and the model's guard refuses:
the rule is the guard's).  It saves to JSON (schema:
properties/io/schemas/counterexample.schema.json), loads back, replays against the model,
renders as text and prints as a pytest test.

Time is exact end to end: durations and times are ints or `fractions.Fraction`s, written
to JSON as exact decimal numbers (or as a "p/q" string when a ratio has no finite decimal
expansion) and read back exactly, never through a float.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from vmspec.model import ACTION_INFO, CONFIGS, EVENT_TYPES, ActionNotEnabled, Params, Spec, State, Step, Topology
from vmspec.model.spec import PLATFORM
from vmspec.model.state import OUTSIDE_NAME
from vmspec.properties.catalogue.mutants import MUTANT_BY_NAME
from vmspec.properties.catalogue.registry import ALWAYS, DEADLOCK, EVENTUALLY, TRANSITION, by_name
from vmspec.properties.catalogue.rules import rule
from vmspec.properties.evidence.diff import believed_state, changes
from vmspec.properties.io import inputs
from vmspec.properties.io.errors import InputError
from vmspec.properties.io.files import write_atomic
from vmspec.properties.io.limits import current as current_limits
from vmspec.properties.io.topology import params_from_dict, topology_from_dict, topology_to_dict

FORMAT = "vmspec-counterexample/1"
SAFETY, DEADLOCK_KIND, LASSO, STUTTER, REFUSED = "safety", "deadlock", "lasso", "stutter", "refused"
KINDS = (SAFETY, DEADLOCK_KIND, LASSO, STUTTER, REFUSED)


IMPLEMENTATION_ENGINE = "trace"  # counterexamples of an implementation's own trace (vmspec trace check, the plugin)


def fair_steps(spec: Spec, s: State) -> list[Step]:
    """The weakly fair steps enabled in `s` (`ActionInfo.fair`).  A behaviour may stutter in
    `s` forever exactly when this is empty: no fair action is then enabled continuously."""
    return [st for st, _ in spec.successors(s) if ACTION_INFO[st.name].fair]


def unfair_to(spec: Spec, cycle: Sequence[State], taken: Iterable[Any]) -> list[Step]:
    """The weakly fair steps (action and arguments) enabled in every state of `cycle` and
    never among the steps `taken` on it: empty exactly when repeating the cycle forever is a
    weakly fair behaviour (R18, R19; the explorer's and the fuzz machine's fairness).  Time
    counts as taken when time passes on the cycle by any duration (a trace's exact durations
    need not be the model's time step)."""
    always: set[Step] | None = None
    for s in cycle:
        here = set(fair_steps(spec, s))
        always = here if always is None else always & here
        if not always:
            return []
    done = {Step(st[0], tuple(st[1])) for st in taken}
    timed = any(st.name == "time_passes" for st in done)
    return sorted((st for st in always - done if not (timed and st.name == "time_passes")), key=str) if always else []


@dataclass(frozen=True)
class TraceStep:
    index: int  # 1-based position in the trace
    action: str
    args: tuple
    time: int | Fraction  # elapsed seconds after this step, exact
    changes: tuple[str, ...]  # what the step changed, one line per field

    @property
    def step(self) -> Step:
        return Step(self.action, self.args)


@dataclass(frozen=True)
class Counterexample:
    property: str
    rule: str
    kind: str  # safety / deadlock / stutter / lasso / refused
    message: str  # what is wrong in the last state (or on the cycle)
    steps: tuple[TraceStep, ...]
    engine: str  # explore / walk / fuzz / bmc / trace ...
    config: str  # a named configuration or the topology file it came from
    topology: Topology
    params: Params
    mutant: str | None = None
    loop_start: int | None = None  # lasso only: index of the first step of the cycle
    engine_settings: dict = field(default_factory=dict)
    observed: dict | None = None  # trace only: the state the implementation reported after the last step

    @property
    def rule_title(self) -> str:
        return rule(self.rule).title

    @property
    def rule_text(self) -> str:
        return rule(self.rule).text

    @property
    def rule_source(self) -> str:
        return rule(self.rule).source

    def __len__(self) -> int:
        return len(self.steps)

    def actions(self) -> list[Step]:
        return [s.step for s in self.steps]

    # ------------------------------------------------------------ JSON

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "property": self.property,
            "rule": self.rule,
            "rule_title": self.rule_title,
            "rule_text": self.rule_text,
            "rule_source": self.rule_source,
            "kind": self.kind,
            "message": self.message,
            "engine": self.engine,
            "engine_settings": self.engine_settings,
            "config": self.config,
            "mutant": self.mutant,
            "topology": topology_to_dict(self.topology),
            "params": asdict(self.params),
            "loop_start": self.loop_start,
            **({"observed": self.observed} if self.observed is not None else {}),
            "steps": [
                {"index": s.index, "action": s.action, "args": list(s.args), "time": s.time, "changes": list(s.changes)}
                for s in self.steps
            ],
        }

    def dumps(self) -> str:
        return dumps_exact(self.to_json())

    def save(self, path: str | Path) -> Path:
        """Write atomically: a reader never sees a half-written file."""
        return write_atomic(Path(path), self.dumps())

    @classmethod
    def from_json(cls, data: Any, path: str = "<counterexample>") -> Counterexample:
        validate_json(data, path)
        topology, _ = topology_from_dict({k: data["topology"][k] for k in ("availability_sets", "hosts", "vms")}, path)
        written = data["params"]
        if isinstance(written, dict) and "approval_scope" not in written:
            # written before approvals named their approver: only a VM the event named approved (R28)
            written = {**written, "approval_scope": "resources", "approval_from_outside": False}
        if isinstance(written, dict) and "multi_host_events" not in written:
            # written before events could name several hosts: one host per event (R30)
            written = {**written, "multi_host_events": False}
        params = params_from_dict(written, path, "params")
        if data["mutant"] is not None and data["mutant"] not in MUTANT_BY_NAME:
            raise InputError(path, None, "mutant", f"unknown mutant {data['mutant']!r}")
        steps = tuple(
            TraceStep(s["index"], s["action"], _exact_args(s["action"], s["args"], path, i),
                      _exact_value(s["time"], path, f"steps.{i}.time"), tuple(s["changes"]))
            for i, s in enumerate(data["steps"])
        )
        check_meaning(data, steps, topology, path)
        return cls(
            data["property"],
            data["rule"],
            data["kind"],
            data["message"],
            steps,
            data["engine"],
            data["config"],
            topology,
            params,
            data["mutant"],
            data["loop_start"],
            dict(data.get("engine_settings") or {}),
            data.get("observed"),
        )

    @classmethod
    def load(cls, path: str | Path) -> Counterexample:
        """Read a counterexample file through the input layer (bounded, strict JSON, exact numbers)."""
        name = "<stdin>" if str(path) == inputs.STDIN else str(path)
        data = inputs.load_json_document(inputs.read_document(path), name, exact=True)
        return cls.from_json(data, name)

    # ------------------------------------------------------------ text and Python

    def render(self) -> str:
        lines = [
            f"{self.property} violated ({self.rule}: {self.rule_title}) -- {self.kind}, {len(self.steps)} steps",
            f"  {self.message}",
            f"  rule: {self.rule_text}",
            f"  source: {self.rule_source}",
            f"  found by {self.engine} on {self.config}" + (f" with mutant {self.mutant}" if self.mutant else ""),
            "",
        ]
        for s in self.steps:
            if self.loop_start is not None and s.index == self.loop_start:
                lines.append("  -- cycle: the steps below repeat forever --")
            mark = "  <- refused by the model" if self.kind == REFUSED and s.index == len(self.steps) else ""
            lines.append(f"  {s.index:3d}. t={exact_text(s.time):>6} s  {s.step}{mark}")
            for c in s.changes:
                lines.append(f"           {c}")
        return "\n".join(lines)

    def to_python(self) -> str:
        """A pytest test that replays this counterexample and asserts the violation."""
        name = "".join(ch if ch.isalnum() else "_" for ch in f"{self.mutant or 'model'}_{self.property}")
        if self.config in CONFIGS and CONFIGS[self.config].topology == self.topology:
            setup = f"config = CONFIGS[{self.config!r}]\n    topology, params = config.topology, config.params"
        else:
            setup = f"topology, params = topology_from_dict({topology_to_dict(self.topology, self.params)!r})"
        steps = ",\n        ".join(f"Step({s.action!r}, {tuple(s.args)!r})" for s in self.steps)
        exact = any(isinstance(a, Fraction) for s in self.steps for a in s.args)
        rule = f", {self.rule!r}" if self.kind == REFUSED or self.observed is not None else ""
        if self.observed is not None:
            rule += f", observed={self.observed!r}"
        if self.kind == LASSO and self.engine == IMPLEMENTATION_ENGINE:
            rule += ", implementation=True"
        return (
            ("from fractions import Fraction\n\n" if exact else "")
            + "from vmspec.model import CONFIGS, Step\n"
            "from vmspec.properties.evidence.counterexample import replay_steps\n"
            "from vmspec.properties.io.topology import topology_from_dict\n\n\n"
            f"def test_{name}():\n"
            f"    {setup}\n"
            f"    steps = [\n        {steps},\n    ]\n"
            f"    verdict = replay_steps(topology, params, {self.mutant!r}, steps, {self.property!r}, "
            f"{self.kind!r}, {self.loop_start!r}{rule})\n"
            f"    assert verdict.reproduced, verdict.detail\n"
        )


# ---------------------------------------------------------------- building and replaying


def spec_for(topology: Topology, params: Params, mutant: str | None = None) -> Spec:
    if mutant is None:
        return Spec(topology, params)
    return MUTANT_BY_NAME[mutant].spec(topology, params)


def build(
    spec: Spec,
    path: Sequence[tuple[Step, State]],
    prop: str,
    message: str,
    *,
    kind: str = SAFETY,
    engine: str,
    config: str,
    mutant: str | None = None,
    loop_start: int | None = None,
    engine_settings: dict | None = None,
    start_time: int | Fraction = 0,
) -> Counterexample:
    """A counterexample from a path of (step, state reached) pairs from the initial state."""
    steps, before, now = [], spec.initial_state(), start_time
    for i, (st, after) in enumerate(path, 1):
        if st.name == "time_passes":
            now += st.args[0]
        steps.append(TraceStep(i, st.name, tuple(st.args), now, changes(spec, before, after)))
        before = after
    p = by_name(prop)
    return Counterexample(
        prop, p.rule, kind, message, tuple(steps), engine, config, spec.topology, spec.params, mutant, loop_start,
        dict(engine_settings or {}),
    )


@dataclass(frozen=True)
class ReplayVerdict:
    reproduced: bool
    detail: str
    states: tuple[State, ...]


def replay_steps(
    topology: Topology,
    params: Params,
    mutant: str | None,
    steps: Iterable[Step],
    prop: str,
    kind: str = SAFETY,
    loop_start: int | None = None,
    rule: str | None = None,
    observed: dict | None = None,
    implementation: bool = False,
) -> ReplayVerdict:
    """Re-run `steps` through the model (or the mutant) and check the violation recurs.

    A ``refused`` counterexample reproduces when every step but the last is enabled and the
    model's guard refuses the last (naming `rule` among its rules when the guard names any);
    its states end with the state before the refused step, repeated, so that a picture
    has a column for it.  With `observed` (a trace's reported state after the last step)
    the last state is the model's with that report laid over it, as the trace checker
    judged it.

    A ``lasso`` reproduces when its cycle returns to the state where it starts, keeps an
    obligation pending in every state, and is weakly fair (`unfair_to`).  With
    `implementation` (a trace's lasso: an implementation that stalls), the platform's steps
    are the implementation's own choices, and starving them is the very failure shown; only
    the other actors' fair steps (time) must then be taken on the cycle."""
    spec = spec_for(topology, params, mutant)
    p = by_name(prop)
    states = [spec.initial_state()]
    steps = list(steps)
    for i, st in enumerate(steps, 1):
        step = Step(st[0], tuple(st[1]))
        try:  # `step` takes any exact duration, not only the search's time choices
            states.append(spec.step(states[-1], step))
        except ActionNotEnabled as exc:
            if kind == REFUSED and i == len(steps):
                return _refusal_verdict(exc, step, rule, tuple(states) + (states[-1],))
            return ReplayVerdict(False, f"step {i} {step} is not enabled: {exc}", tuple(states))
    if observed is not None:
        states[-1] = believed_state(spec, states[-1], observed, earlier=states[-2].removed if len(states) > 1 else None)
    last = states[-1]
    if kind == REFUSED:
        return ReplayVerdict(False, f"the last step {Step(*steps[-1]) if steps else '(none)'} is enabled in the "
                             "model: nothing refuses it", tuple(states))
    if kind == LASSO:
        if loop_start is None or not 1 <= loop_start <= len(steps):
            return ReplayVerdict(False, "a lasso needs loop_start within the steps", tuple(states))
        if states[loop_start - 1] != last:
            return ReplayVerdict(False, "the cycle does not return to the state where it starts", tuple(states))
        pending = frozenset.intersection(*(obligations(spec, prop, s) for s in states[loop_start - 1 :]))
        if not pending:
            return ReplayVerdict(False, "every obligation is discharged somewhere on the cycle", tuple(states))
        starved = [st for st in unfair_to(spec, states[loop_start - 1 : -1], steps[loop_start - 1 :])
                   if not (implementation and ACTION_INFO[st.name].actor == PLATFORM)]
        if starved:
            return ReplayVerdict(False, "the cycle is not weakly fair: enabled in every state of the cycle and "
                                 "never taken on it: " + ", ".join(map(str, starved)), tuple(states))
        return ReplayVerdict(True, "pending forever: " + ", ".join(sorted(pending)), tuple(states))
    if kind == STUTTER:
        if p.kind != EVENTUALLY:
            return ReplayVerdict(False, f"{prop} is a {p.kind} property; only eventually-properties stutter", tuple(states))
        enabled = [st for st, _ in spec.successors(last)]
        fair = fair_steps(spec, last)
        if not enabled:
            return ReplayVerdict(False, "nothing is enabled in the last state: that is a deadlock", tuple(states))
        if fair:
            return ReplayVerdict(False, f"fair step {fair[0]} is enabled in the last state, so it cannot stay there",
                                 tuple(states))
        pending = p.check(spec, last)
        names = ", ".join(sorted({st.name for st in enabled}))
        return ReplayVerdict(bool(pending), f"only unfair {names} enabled, pending forever: "
                             + ", ".join(sorted(pending)), tuple(states))
    if p.scope == DEADLOCK or kind == DEADLOCK_KIND:
        n = sum(1 for _ in spec.successors(last))
        msg = by_name("deadlock_free").check(spec, last, n)
        if p.kind == EVENTUALLY and msg is not None:
            pending = p.check(spec, last)
            return ReplayVerdict(bool(pending), "stuck with " + ", ".join(sorted(pending)), tuple(states))
        return ReplayVerdict(msg is not None, msg or "the last state has a successor", tuple(states))
    if p.kind != ALWAYS:
        return ReplayVerdict(False, f"{prop} is a {p.kind} property; only always-properties have safety traces", tuple(states))
    if p.scope == TRANSITION:
        if not steps:
            return ReplayVerdict(False, "a transition property needs at least one step", tuple(states))
        msg = p.check(spec, states[-2], steps[-1], last)
    else:
        msg = p.check(spec, last)
    return ReplayVerdict(msg is not None, msg or f"{prop} holds after the last step", tuple(states))


ROLLOUT_COMPLETE = "reach_rollout_complete"  # R18: the sometimes-property a stall never reaches


def obligations(spec: Spec, prop: str, s: State) -> frozenset[str]:
    """What `prop` still owes in `s`: an eventually-property's pending obligations, or for
    `reach_rollout_complete` (R18) the rollout itself until it is complete."""
    if prop == ROLLOUT_COMPLETE:
        return frozenset() if spec.rollout_complete(s) else frozenset({"rollout complete"})
    return frozenset(by_name(prop).check(spec, s))


def refusal_text(exc: ActionNotEnabled, step: Step, rule: str | None = None) -> str:
    """"refused by guard of <action>: <rules> (<clause>)", from what the guard says of
    itself; `rule` stands in when the guard names none."""
    rules = tuple(getattr(exc, "rules", ()) or ())
    clause = getattr(exc, "clause", None)
    action = getattr(exc, "action", None) or step.name
    said = ", ".join(rules) if rules else (rule or "no rule named")
    return f"refused by guard of {action}: {said}" + (f" ({clause})" if clause else "") + f" -- {step}"


def _refusal_verdict(exc: ActionNotEnabled, step: Step, rule: str | None, states: tuple[State, ...]) -> ReplayVerdict:
    rules = tuple(getattr(exc, "rules", ()) or ())
    text = refusal_text(exc, step, rule)
    if rule is not None and rules and rule not in rules:
        return ReplayVerdict(False, f"{text}; the counterexample names {rule}", states)
    return ReplayVerdict(True, text, states)


def replay(cx: Counterexample) -> ReplayVerdict:
    return replay_steps(cx.topology, cx.params, cx.mutant, cx.actions(), cx.property, cx.kind, cx.loop_start, cx.rule,
                        cx.observed, implementation=cx.engine == IMPLEMENTATION_ENGINE)


# ---------------------------------------------------------------- schema and files


def schema() -> dict:
    return json.loads(resources.files("vmspec.properties.io").joinpath("schemas/counterexample.schema.json").read_text())


def validate_json(data: Any, path: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = ".".join(str(x) for x in e.absolute_path) or "<top>"
        raise InputError(path, None, where, e.message)




def check_meaning(data: dict, steps: Sequence[TraceStep], topology: Topology, path: str) -> None:
    """What the schema cannot say: the property, rule, actions, hosts, VMs, EventIds, durations
    and times of a schema-valid counterexample must be this spec's (else `InputError`)."""
    def bad(where: str, reason: str) -> InputError:
        return InputError(path, None, where, reason)

    try:
        p = by_name(data["property"])
    except KeyError as exc:
        raise bad("property", exc.args[0]) from None
    try:
        rule(data["rule"])
    except KeyError as exc:
        raise bad("rule", exc.args[0]) from None
    if p.rule != data["rule"]:
        raise bad("rule", f"property {p.name} checks {p.rule}, not {data['rule']}")
    if len(steps) > current_limits().steps:
        raise bad("steps", f"{len(steps):,} steps is beyond the limit of {current_limits().steps:,}")
    loop_start = data["loop_start"]
    if data["kind"] == LASSO and (loop_start is None or loop_start > len(steps)):
        raise bad("loop_start", f"a lasso needs loop_start 1..{len(steps)}, got {loop_start}")
    hosts = {h.name for h in topology.hosts}
    vms = {v.name for v in topology.vms}
    previous = None
    for i, step in enumerate(steps):
        where = f"steps.{i}"
        if step.index != i + 1:
            raise bad(f"{where}.index", f"expected {i + 1} (steps are numbered from 1), got {step.index}")
        action, args = step.action, step.args
        info = ACTION_INFO.get(action)
        if info is None:
            raise bad(f"{where}.action", f"unknown action {action!r}; known: {', '.join(ACTION_INFO)}")
        kinds = info.args if info.kind != "seconds" else (info.kind,)
        if kinds[-1] == "approver" and len(args) == len(kinds) - 1:
            kinds = kinds[:-1]  # written before approvals named their approver: the leader approved (R28)
        if len(args) != len(kinds):
            raise bad(f"{where}.args", f"{action} takes {len(kinds)} argument(s) ({', '.join(kinds)}), got {len(args)}")
        for j, (kind, arg) in enumerate(zip(kinds, args)):
            reason = bad_argument(kind, arg, hosts, vms)
            if reason:
                raise bad(f"{where}.args.{j}", reason)
        t = step.time
        if t < 0 or (previous is not None and t < previous):
            raise bad(f"{where}.time", f"expected elapsed seconds, >= 0 and never decreasing, got {exact_text(t)}")
        previous = t


def bad_argument(kind: str, arg: Any, hosts: set[str], vms: set[str]) -> str | None:
    """Why `arg` is not a valid argument of this kind for the topology (None when it is)."""
    if kind == "host":
        return None if isinstance(arg, str) and arg in hosts else f"expected a host of the topology, got {arg!r}"
    if kind == "vm":
        return None if isinstance(arg, str) and arg in vms else f"expected a VM of the topology, got {arg!r}"
    if kind == "event_type":
        return None if arg in EVENT_TYPES else f"expected one of {', '.join(EVENT_TYPES)}, got {arg!r}"
    if kind == "approver":
        ok = isinstance(arg, str) and (arg in vms or arg == OUTSIDE_NAME)
        return None if ok else f'expected a VM of the topology or "{OUTSIDE_NAME}", got {arg!r}'
    if kind == "event":  # any id an implementation used: the model refuses one it never issued
        return None if isinstance(arg, str) and arg else f"expected an EventId (a non-empty string), got {arg!r}"
    ok = isinstance(arg, int | Fraction) and not isinstance(arg, bool) and arg > 0
    return None if ok else f"expected a positive exact number of seconds, got {arg!r}"


# ---------------------------------------------------------------- exact numbers in JSON

_EXACT = "\x00exact:"


def _exact_number(text: str) -> Fraction | int:
    """A number's text read exactly: implementation traces carry decimal seconds."""
    value = Fraction(text)
    return int(value) if value.denominator == 1 else value


def _decimal(value: Fraction) -> str | None:
    """The finite decimal expansion of `value`, or None when it has none."""
    d = value.denominator
    twos = fives = 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return None
    places = max(twos, fives)
    scaled = abs(value.numerator) * (10**places // value.denominator)
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def exact_text(value: object) -> str:
    """A number as a reader writes it: 30, 0.001, or 1/3 when it has no finite decimal."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return _decimal(value) or f"{value.numerator}/{value.denominator}"
    return str(value)


def _exact_value(value: Any, path: str, where: str) -> int | Fraction:
    """A number read back from a counterexample: JSON numbers are exact already; a "p/q" or
    decimal string is parsed exactly.  Anything else is an input error."""
    if isinstance(value, bool):
        raise InputError(path, None, where, f"expected seconds, got {value!r}")
    if isinstance(value, int | Fraction):
        return value
    if isinstance(value, float):  # only a hand-made file gets here: take its shortest decimal text
        return _exact_number(repr(value))
    if isinstance(value, str) and len(value) <= 2 * current_limits().digits and _RATIO_TEXT.fullmatch(value):
        return _exact_number(value)
    raise InputError(path, None, where, f"expected exact seconds (a number, or a decimal or p/q string), got {value!r}")


def _exact_args(action: str, args: list, path: str, i: int) -> tuple:
    if action == "time_passes":
        return tuple(_exact_value(a, path, f"steps.{i}.args") for a in args)
    return tuple(args)


_RATIO_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?(/[1-9][0-9]*)?")


def dumps_exact(data: Any) -> str:
    """JSON text in which Fractions appear as exact decimal numbers (never through a
    float); a ratio without a finite decimal expansion is written as a "p/q" string."""

    def encode(obj: Any) -> Any:
        if isinstance(obj, Fraction):
            if obj.denominator == 1:
                return int(obj)
            text = _decimal(obj)
            return _EXACT + text if text is not None else f"{obj.numerator}/{obj.denominator}"
        raise TypeError(f"{type(obj).__name__} is not JSON serialisable")

    text = json.dumps(data, indent=2, default=encode)
    return re.sub(r'"\\u0000exact:(-?[0-9.]+)"', r"\1", text) + "\n"
