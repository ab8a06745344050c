"""The fuzz engine catches every mutant of the catalogue under the ci campaign, and its
counterexample is as short as the explorer's breadth-first one.

For each mutant, a ci campaign (derandomised) watches the properties the mutant breaks
(`Mutant.breaks`); each must be found, replay, survive a JSON round trip and not fail on
the correct model.  Its length (and kind, and a lasso's loop start) must equal the
explorer's shortest counterexample for the same property: Hypothesis finds a failing
run, the step-level reduction of `vmspec.properties.engines.fuzz` brings it down to the shortest.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import strategies as st

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.catalogue.registry import EVENTUALLY, by_name
from vmspec.properties.engines.explore import explore
from vmspec.properties.engines.fuzz import fuzz, fuzz_target
from vmspec.properties.engines.strategies import World
from vmspec.properties.evidence.counterexample import Counterexample, replay
from vmspec.properties.evidence.verdict import Target


def _target(m) -> Target:
    cfg = CONFIGS[m.config]
    return Target(cfg.topology, cfg.params, cfg.name, m.name)


def _shortest(m) -> dict:
    """The explorer's shortest counterexample of each property the mutant breaks."""
    cfg = CONFIGS[m.config]
    stop = () if any(by_name(p).kind == EVENTUALLY for p in m.breaks) else m.breaks
    result = explore(m.spec(cfg.topology, cfg.params), config=cfg.name, mutant=m.name, keep_graph=False, stop_when=stop)
    return result.counterexamples


# The two whose campaigns take longest (a deadlock or a stutter reached late) run under -m slow, and
# terminate_ignores_pending (R37), whose violation needs two deletions pending and an approved one started
# before any time passes: the CI campaign's 100 examples reach it in some runs of the suite and not in others,
# so it is shown under -m slow by the dev campaign below (300 examples; the explorer, BMC and both Z3
# encodings catch it in the default run).
HEAVY = ("resync_never_runs", "resume_forgotten", "terminate_ignores_pending")


@pytest.mark.parametrize("m", [pytest.param(m, marks=pytest.mark.slow) if m.name in HEAVY else m for m in MUTANTS],
                         ids=lambda m: m.name)
def test_mutant_caught_under_ci_with_the_explorers_shortest_length(m):
    result = fuzz_target(_target(m), campaign="ci", watch=m.breaks)
    shortest = _shortest(m)
    for prop in m.breaks:
        c = result.counterexamples.get(prop)
        assert c is not None, f"{m.name}: fuzz did not catch {prop} ({result.coverage.summary()})"
        assert (c.engine, c.mutant, c.property, c.config) == ("fuzz", m.name, prop, m.config)
        e = shortest[prop]
        assert (c.kind, len(c), c.loop_start) == (e.kind, len(e), e.loop_start), (
            f"{m.name}/{prop}: fuzz {c.kind} of {len(c)} steps, explorer {e.kind} of {len(e)}\n{c.render()}")
        assert c.engine_settings["hypothesis_shrunk_steps"] >= len(c)
        verdict = replay(c)
        assert verdict.reproduced, verdict.detail
        assert Counterexample.from_json(json.loads(c.dumps())) == c
        if c.kind != "lasso":  # a lasso's fairness is judged on the mutant's own enabled steps
            correct = replay(replace(c, mutant=None))
            assert not correct.reproduced, f"{m.name}: {prop} also fails on the correct model"


# The shortest of all: cheap enough to run with Hypothesis' own shrinker on in the default run.
@pytest.mark.parametrize("name", ["short_notice", "freeze_without_started_event",
                                  pytest.param("event_id_reused", marks=pytest.mark.slow)])
def test_hypothesis_shrinker_then_reduction_reach_the_same_length(name):
    m = next(x for x in MUTANTS if x.name == name)
    result = fuzz_target(_target(m), campaign="dev", seed=0, watch=m.breaks[:1], all_properties=False)
    c = result.counterexamples[m.breaks[0]]
    assert len(c) == len(_shortest(m)[m.breaks[0]])
    assert result.programs[m.breaks[0]]  # Hypothesis' report of the minimal run was captured


@pytest.mark.slow
@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_mutant_caught_with_hypothesis_shrinking_on(m):
    result = fuzz_target(_target(m), campaign="dev", seed=1, examples=300, watch=m.breaks)
    shortest = _shortest(m)
    for prop in m.breaks:
        c = result.counterexamples.get(prop)
        assert c is not None and len(c) == len(shortest[prop]) and replay(c).reproduced


@pytest.mark.parametrize("examples", [30, pytest.param(None, marks=pytest.mark.slow)])  # None: the campaign's 100
def test_unwatched_campaign_finds_the_headline_property_first_or_among_others(examples):
    m = next(x for x in MUTANTS if x.name == "memory_reset_on_resume")
    result = fuzz_target(_target(m), campaign="ci", examples=examples)
    assert m.breaks[0] in result.counterexamples
    assert all(replay(c).reproduced for c in result.counterexamples.values())


def test_correct_model_is_not_flagged_on_tiny():
    cfg = CONFIGS["TINY"]
    result = fuzz(st.just(World("TINY", cfg.topology, cfg.params)), config="TINY", campaign="ci", steps=30)
    assert result.counterexamples == {}
    cov = result.coverage
    assert cov.completed > 0 and cov.actions["host_freeze"] > 0 and cov.actions["platform_resume_host"] > 0
    assert cov.reached["reach_freeze"] and cov.reached["reach_rollout_complete"]
    assert cov.reached["reach_watchdog_abort"]  # runs that silence the (unfair) patch reach the watchdog


# ---------------------------------------------------------------------- vmspec fuzz


def test_cli_writes_a_replayable_counterexample(tmp_path, capsys):
    from vmspec.properties.cli.main import main

    status = main(["fuzz", "--mutant", "short_notice", "--examples", "20", "--out", str(tmp_path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert status == 1 and not out["ok"] and out["target"] == "TINY"
    files = [f for f in out["counterexamples"] if f.endswith(".json")]
    assert files and all(replay(Counterexample.load(f)).reproduced for f in files)
    assert out["figures"]["coverage"]["actions"]["platform_announce_event"] > 0


def test_cli_passes_the_correct_model_and_reports_coverage(tmp_path, capsys):
    from vmspec.properties.cli.main import main

    status = main(["fuzz", "--config", "TINY", "--examples", "10", "--seed", "3", "--out", str(tmp_path)])
    text = capsys.readouterr().out
    assert status == 0 and "no property failed" in text and "completed rollouts" in text
    assert "not falsified" in text and "0 proved, 0 hold by exhaustive search" in text
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("argv, where", [
    (["--examples", "0"], "--examples"),
    (["--steps", "-3"], "--steps"),
])
def test_cli_rejects_bad_numbers_with_status_2(argv, where, tmp_path, capsys):
    from vmspec.properties.cli.main import main

    assert main(["fuzz", "--config", "TINY", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert where in err and "Traceback" not in err


def test_cli_rejects_a_bad_topology_file_with_status_2(tmp_path, capsys):
    from vmspec.properties.cli.main import main

    bad = tmp_path / "t.toml"
    bad.write_text('[[availability_sets]]\nname = "a"\nupdate_domains = 40\n')
    assert main(["fuzz", "--topology", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "t.toml" in err and "update_domains" in err
    assert not (tmp_path / "out").exists()
