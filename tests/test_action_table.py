"""`vmspec.model.ACTIONS` is the one table of actions: what is derived from it stays derived, and
the few hand-written lists that must name every action (the trace schema, the step builders an
implementation calls) are checked against it, so adding an action fails here until they follow
(notes/extending.md)."""

from __future__ import annotations

import inspect
import json
from importlib import resources

from vmspec.model import ACTION_INFO, ACTIONS, TINY, Spec, Step
from vmspec.model.spec import ACTION_BLOCKS, ARG_KINDS
from vmspec.properties.conformance import impl
from vmspec.properties.engines.machine import argument_domains


def test_every_action_is_a_method_with_one_parameter_per_declared_argument():
    for a in ACTIONS:
        params = list(inspect.signature(getattr(Spec, a.name)).parameters)
        assert params[:2] == ["self", "s"] and len(params) - 2 == len(a.args), (a.name, params, a.args)
        assert set(a.args) <= set(ARG_KINDS) and a.guard.action == a.name


def test_successors_try_the_actions_in_table_order():
    spec = TINY.spec()
    order = {a.name: i for i, a in enumerate(ACTIONS)}
    blocks = [{a.name for a in run} for _, run in ACTION_BLOCKS]
    s, seen = spec.initial_state(), 0
    for _ in range(200):
        names = [st.name for st, _ in spec.successors(s)]
        # within the steps of one block the actions keep table order per object; blocks follow each other
        ranks = [next(i for i, b in enumerate(blocks) if n in b) for n in names]
        assert ranks == sorted(ranks), names
        seen += len(names)
        st, s = next(spec.successors(s))
    assert seen and [b for _, b in ACTION_BLOCKS][0][0].name == ACTIONS[0].name
    assert sorted(order) == sorted(n for b in blocks for n in b)


def test_the_trace_schema_names_every_action_with_its_arity():
    schema = json.loads(resources.files("vmspec.properties.io").joinpath("schemas/trace.schema.json").read_text())
    record = next(v for k, v in schema["$defs"].items() if "allOf" in v)
    rules = record["allOf"]
    one_arg = set(next(r for r in rules if "else" in r)["if"]["properties"]["action"]["enum"])
    special = {r["if"]["properties"]["action"]["const"] for r in rules if "const" in r["if"]["properties"]["action"]}
    assert one_arg == {a.name for a in ACTIONS if len(a.args) == 1 and a.kind != "seconds"}
    assert special == {a.name for a in ACTIONS if len(a.args) != 1 or a.kind == "seconds"}


def test_an_implementation_has_a_step_builder_for_every_platform_decision():
    builders = {}
    for name, fn in vars(impl).items():
        if inspect.isfunction(fn) and fn.__module__ == impl.__name__ and not name.startswith("_"):
            if fn.__annotations__.get("return") in ("Step", Step):
                params = inspect.signature(fn).parameters
                st = fn(*("x" for p in params.values() if p.default is inspect.Parameter.empty))
                builders[st.name] = fn
    assert set(impl.DECISIONS) <= set(builders), sorted(set(impl.DECISIONS) - set(builders))
    for name in impl.DECISIONS:
        assert len(inspect.signature(builders[name]).parameters) == len(ACTION_INFO[name].args), name


def test_the_hypothesis_machine_draws_arguments_for_every_action_but_time():
    domains = argument_domains(TINY.spec())
    assert set(domains) == {a.name for a in ACTIONS if a.kind != "seconds"}
    assert domains["platform_announce_event"][:3] == (("h0", "Freeze"), ("h0", "Reboot"), ("h0", "Redeploy"))
    assert domains["host_freeze"] == (("h0",), ("h1",)) and domains["vm_clock_resync"] == (("vm0",), ("vm1",))


def test_candidates_are_the_steps_successors_tries_in_its_order():
    """`candidates` (lazy) and `successors` (the fast loop) enumerate the same steps in the
    same order on every state of TINY, and agree on which are enabled and where they lead."""
    from collections import deque

    spec = TINY.spec()
    s0 = spec.initial_state()
    seen, queue = {s0}, deque([s0])
    while queue:
        s = queue.popleft()
        tried = [(Step(name, args), thunk()) for name, args, thunk in spec.candidates(s)]
        succ = list(spec.successors(s))
        assert [(st, t) for st, t in tried if t] == succ
        for _, t in succ:
            if t not in seen:
                seen.add(t)
                queue.append(t)
    assert len(seen) == 11931
