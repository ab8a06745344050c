"""Scenario files for `vmspec serve --scenario FILE`: a scripted schedule, validated before it runs.

A scenario is TOML (or JSON with the same keys): an optional `description`, and `[[step]]` tables
taken in order, each with `action` (a model action other than the clients' `app_approve_event`),
`args` (host names, an event type, VM names or model EventIds such as `h0#1`, as in
notes/trace-format.md; an event action may name the host instead, meaning its current event) and `after` (model seconds after the previous step, default 0).  A step
whose guard is false when it falls due waits until it holds: a start waits for NotBefore or a
client's approval, a watchdog resume for its window.  Time passes between steps only as the
model allows: a script that leaves a VM frozen past the pause bound cannot run.

`load` reads the file (exit 2 naming file, line and field on bad input); `validate` replays it
against the model without any client, through `Spec.step`, and names the first step that can
never be taken.  Approvals only make starts earlier; every later step is timed from the one
before, so a script valid without approvals stays valid with them.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from vmspec.model import ACTION_INFO, ActionNotEnabled, Spec, Step
from vmspec.properties.io.errors import InputError
from vmspec.properties.serve.platform import SCENARIO, Platform

KEYS = ("action", "args", "after", "note")


@dataclass(frozen=True)
class ScriptStep:
    number: int  # 1-based position in the file
    line: int | None  # the line of its [[step]] header (TOML)
    step: Step
    after: Fraction  # model seconds after the previous step


@dataclass(frozen=True)
class Scenario:
    path: str
    description: str
    steps: tuple[ScriptStep, ...]


def load(path: str | Path) -> Scenario:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(name, None, None, f"cannot read the scenario: {exc}") from None
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(name, exc.lineno, None, f"malformed JSON: {exc.msg}") from None
        lines: list[int | None] = []
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise InputError(name, int(m.group(1)) if m else None, None, f"malformed TOML: {exc}") from None
        lines = [i for i, ln in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*step\s*\]\]", ln)]
    if not isinstance(data, dict):
        raise InputError(name, None, None, "expected a table with `description` and [[step]] entries")
    for key in data:
        if key not in ("description", "step"):
            raise InputError(name, None, key, "unknown key; a scenario has only `description` and [[step]]")
    raw = data.get("step", [])
    if not isinstance(raw, list) or not raw:
        raise InputError(name, None, "step", "expected at least one [[step]] with an `action`")
    steps = tuple(_step(name, i, item, lines[i - 1] if i <= len(lines) else None) for i, item in enumerate(raw, 1))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise InputError(name, None, "description", "expected a string")
    return Scenario(name, description, steps)


def _step(name: str, number: int, item: Any, line: int | None) -> ScriptStep:
    where = f"step[{number}]"
    if not isinstance(item, dict):
        raise InputError(name, line, where, "expected a table with action, args and after")
    for key in item:
        if key not in KEYS:
            raise InputError(name, line, f"{where}.{key}", f"unknown key; a step has only {', '.join(KEYS)}")
    action = item.get("action")
    if action not in ACTION_INFO or action in ("app_approve_event", "time_passes"):
        known = ", ".join(a for a in ACTION_INFO if a not in ("app_approve_event", "time_passes"))
        hint = " (approvals come from the clients)" if action == "app_approve_event" else \
            " (time passes with `after`)" if action == "time_passes" else ""
        raise InputError(name, line, f"{where}.action", f"expected a platform action{hint}, got {action!r}; "
                                                         f"known: {known}")
    args = item.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise InputError(name, line, f"{where}.args", f"expected a list of names (strings), got {args!r}")
    after = item.get("after", 0)
    if isinstance(after, bool) or not isinstance(after, int | float) or after < 0 or after != after:
        raise InputError(name, line, f"{where}.after", f"expected model seconds >= 0, got {after!r}")
    return ScriptStep(number, line, Step(action, tuple(args)), Fraction(str(after)))


def validate(scenario: Scenario, spec: Spec) -> Fraction:
    """Replay the scenario against `spec` without clients; InputError naming the first step that
    cannot be taken.  Returns the model time the script takes."""
    p = Platform(spec, mode=SCENARIO, script=scenario.steps)
    for s in scenario.steps:  # arguments the model cannot even resolve
        kind = ACTION_INFO[s.step.name].kind
        if kind == "event" and len(s.step.args) == 1 and s.step.args[0] in spec.host_ix:
            continue  # the host's current event, resolved when the step is taken
        try:
            spec.resolve(s.step)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(scenario.path, s.line, f"step[{s.number}].args",
                             f"{s.step} names nothing in the topology ({exc})") from None
    while p.script and p.stuck is None:
        stop = p.next_stop()
        if stop is None:
            break
        p.advance_to(stop)
    if p.script:
        s = p.script[0]
        reason = p.stuck or (f"{s.step} is not allowed by the model at {float(p.state_time):g} s: "
                             + _why(spec, p, s.step))
        raise InputError(scenario.path, s.line, f"step[{s.number}]", reason)
    return p.state_time


def _why(spec: Spec, p: Platform, step: Step) -> str:
    try:
        spec.step(p.state, step)
    except ActionNotEnabled as exc:
        return f"{exc}, and nothing but an approval could change that"
    return "it waits for something that never happens"
