"""The shared counterexample value: JSON round-trip against the schema, replay, text and Python."""

import json

import pytest

from vmspec.model import TINY, Step
from vmspec.properties.catalogue.mutants import mutant
from vmspec.properties.evidence.counterexample import Counterexample, build, replay, replay_steps, schema
from vmspec.properties.io.errors import InputError

NO_WATCHDOG_STEPS = [
    Step("platform_announce_event", ("h0", "Freeze")),
    Step("app_approve_event", ("h0#1",)),
    Step("platform_start_event", ("h0#1",)),
    Step("host_freeze", ("h0",)),
    Step("time_passes", (10,)),
    Step("time_passes", (10,)),
    Step("time_passes", (10,)),
    Step("time_passes", (10,)),
]


def no_watchdog_cx():
    spec = mutant("no_watchdog").spec(TINY.topology, TINY.params)
    path, s = [], spec.initial_state()
    for st in NO_WATCHDOG_STEPS:
        s = spec.step(s, st)
        path.append((st, s))
    return build(spec, path, "freeze_within_bound", "VM vm0 frozen 40 s", engine="test", config="TINY",
                 mutant="no_watchdog")


def test_build_numbers_steps_times_and_changes():
    cx = no_watchdog_cx()
    assert [s.index for s in cx.steps] == list(range(1, 9))
    assert [s.time for s in cx.steps] == [0, 0, 0, 0, 10, 20, 30, 40]
    assert "vm0.status: running -> frozen" in cx.steps[3].changes
    assert "vm0.frozen_for: 30 -> 40" in cx.steps[7].changes
    assert cx.rule == "R2" and cx.rule_title == "The pause is bounded" and "S3" in cx.rule_source


def test_json_round_trip_and_schema(tmp_path):
    cx = no_watchdog_cx()
    path = cx.save(tmp_path / "cx.json")
    assert Counterexample.load(path) == cx
    assert json.loads(path.read_text())["format"] == "vmspec-counterexample/1"
    assert schema()["title"] == "vmspec counterexample"
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write leaves no temporary file


def test_replay_reproduces_on_the_mutant_and_not_on_the_model():
    cx = no_watchdog_cx()
    assert replay(cx).reproduced
    on_model = replay_steps(cx.topology, cx.params, None, cx.actions(), cx.property)
    assert not on_model.reproduced and "not enabled" in on_model.detail


def test_replay_rejects_a_trace_that_no_longer_violates():
    cx = no_watchdog_cx()
    verdict = replay_steps(cx.topology, cx.params, "no_watchdog", cx.actions()[:-1], cx.property)
    assert not verdict.reproduced and "holds after the last step" in verdict.detail


def test_render_and_python(tmp_path):
    cx = no_watchdog_cx()
    text = cx.render()
    assert text.splitlines()[0].startswith("freeze_within_bound violated (R2: The pause is bounded)")
    assert "8. t=    40 s  time_passes(10)" in text
    source = cx.to_python()
    namespace = {}
    exec(compile(source, "<cx>", "exec"), namespace)
    namespace["test_no_watchdog_freeze_within_bound"]()  # the printed test passes: it reproduces


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.pop("steps"), "<top>"),
        (lambda d: d.update(kind="maybe"), "kind"),
        (lambda d: d.update(rule="five"), "rule"),
        (lambda d: d["steps"][0].update(index=0), "steps.0.index"),
        (lambda d: d.update(mutant="nope"), "mutant"),
    ],
)
def test_bad_counterexample_files(tmp_path, mutate, field):
    data = no_watchdog_cx().to_json()
    mutate(data)
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(data))
    with pytest.raises(InputError) as exc:
        Counterexample.load(p)
    assert exc.value.field == field


def test_unreadable_counterexample_file(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{"format":\n')
    with pytest.raises(InputError) as exc:
        Counterexample.load(p)
    assert exc.value.line == 2


def test_exact_time_survives_json_and_replays(tmp_path):
    """Implementation traces carry fractional seconds; the JSON keeps them exact and replay
    goes through `step`, which takes any exact duration."""
    from fractions import Fraction

    spec = mutant("no_watchdog").spec(TINY.topology, TINY.params)
    steps = NO_WATCHDOG_STEPS[:4] + [Step("time_passes", (Fraction(30001, 1000),))]
    path, s = [], spec.initial_state()
    for st in steps:
        s = spec.step(s, st)
        path.append((st, s))
    cx = build(spec, path, "freeze_within_bound", "frozen 30.001 s", engine="trace", config="TINY",
               mutant="no_watchdog")
    p = cx.save(tmp_path / "exact.json")
    assert '"time": 30.001' in p.read_text()
    loaded = Counterexample.load(p)
    assert loaded.steps[-1].args == (Fraction(30001, 1000),) and loaded == cx
    assert replay(loaded).reproduced


# ---------------------------------------------------------------- a lasso's loop must be fair


def test_replay_refuses_a_lasso_whose_loop_starves_a_fair_action():
    """Time passing forever on TINY before anything is announced keeps every host unpatched
    and returns to the same state, but starves the announcements, enabled throughout: no
    weakly fair behaviour does that, so it is no counterexample to R18."""
    steps = [Step("time_passes", (10,)), Step("time_passes", (10,))]
    verdict = replay_steps(TINY.topology, TINY.params, None, steps, "every_host_patched", "lasso", 2)
    assert verdict.reproduced is False
    assert "not weakly fair" in verdict.detail and "platform_announce_event(h0, Freeze)" in verdict.detail
    assert verdict.states[1] == verdict.states[2]  # a real cycle, with obligations pending: only fairness fails



def test_an_implementations_stall_starves_its_own_platform_steps():
    """The same cycle in an implementation's trace is its stall (R18): the announcements it
    never makes are its own choices, so the replay of a trace's lasso (engine trace) accepts
    it, and says so in the pytest test it prints."""
    steps = [Step("time_passes", (10,)), Step("time_passes", (10,))]
    verdict = replay_steps(TINY.topology, TINY.params, None, steps, "every_host_patched", "lasso", 2,
                           implementation=True)
    assert verdict.reproduced, verdict.detail
    spec = TINY.spec()
    path, s = [], spec.initial_state()
    for st in steps:
        s = spec.step(s, st)
        path.append((st, s))
    for engine, reproduced in (("trace", True), ("explore", False)):
        c = build(spec, path, "every_host_patched", "stalled", kind="lasso", engine=engine, config="TINY", loop_start=2)
        assert replay(c).reproduced is reproduced
        assert ("implementation=True" in c.to_python()) is reproduced
