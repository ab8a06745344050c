"""Liveness under the fairness the spec states: where only unfair actions are enabled (an
application's approval, a cancellation, the in-place patch), a fair behaviour may stay for
ever (it stutters, as TLA+ allows), so an obligation pending there is violated (R18: "whether
or not applications approve").  The explorer and the Hypothesis machine both say so, and the
counterexample (kind ``stutter``) replays on the mutant but not on the correct model."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from vmspec.model import ACTION_INFO, CONFIGS, Step
from vmspec.properties.catalogue.mutants import mutant
from vmspec.properties.engines.explore import explore, verdicts
from vmspec.properties.engines.machine import Monitor
from vmspec.properties.evidence.counterexample import STUTTER, Counterexample, fair_steps, replay
from vmspec.properties.evidence.report import render_html, render_markdown

# resync_never_runs on TINY: h1's event is cancelled and announced again (a second round can
# no longer be cancelled), h0 is frozen, patched and resumed; its clock now lags and its
# resync never runs, so time cannot pass.  Only app_approve_event(h1#2, vm1) is enabled.
SECOND_EVENT_UNAPPROVED = [
    ("platform_announce_event", ("h0", "Freeze")),
    ("platform_announce_event", ("h1", "Freeze")),
    ("platform_cancel_event", ("h1#1",)),
    ("platform_announce_event", ("h1", "Freeze")),
    ("app_approve_event", ("h0#1", "vm0")),
    ("platform_start_event", ("h0#1",)),
    ("host_freeze", ("h0",)),
    ("host_apply_patch", ("h0",)),
    ("time_passes", (10,)),
    ("platform_resume_host", ("h0",)),
    ("platform_complete_event", ("h0#1",)),
]


def _tiny(name: str | None):
    cfg = CONFIGS["TINY"]
    return cfg.spec() if name is None else mutant(name).spec(cfg.topology, cfg.params)


def _drive(spec) -> Monitor:
    m = Monitor(spec)
    for name, args in SECOND_EVENT_UNAPPROVED:
        assert m.take(Step(name, args)) is None
    return m


def test_machine_reports_a_stutter_where_only_an_approval_is_enabled():
    m = _drive(_tiny("resync_never_runs"))
    assert list(m.successors) == [Step("app_approve_event", ("h1#2", "vm1"))]
    v = m.check_state()
    assert v is not None and (v.prop.name, v.kind) == ("every_host_patched", STUTTER)
    assert "app_approve_event" in v.message and "host h1 patched" in v.message


def test_machine_does_not_stutter_where_a_fair_action_is_enabled():
    """The same run on the correct model leaves the clock resync (fair) enabled."""
    m = _drive(_tiny(None))
    assert Step("vm_clock_resync", ("vm0",)) in m.successors
    assert m.check_state() is None


@pytest.mark.parametrize("symmetry", [True, False])
def test_explorer_reports_the_shortest_stutter(symmetry):
    r = explore(_tiny("resync_never_runs"), config="TINY", mutant="resync_never_runs", symmetry=symmetry,
                keep_graph=False)
    c = r.counterexamples["every_host_patched"]
    assert (c.kind, len(c), c.loop_start) == (STUTTER, 9, None)
    verdict = replay(c)
    assert verdict.reproduced, verdict.detail
    last = verdict.states[-1]
    spec = _tiny("resync_never_runs")
    enabled = {st.name for st, _ in spec.successors(last)}
    assert enabled and not any(ACTION_INFO[n].fair for n in enabled) and not fair_steps(spec, last)
    status = {v.property: v.status for v in verdicts(r)}
    assert status["every_host_patched"] == status["frozen_vm_resumes"] == "violated"


def test_stutter_does_not_replay_on_the_correct_model_and_round_trips():
    r = explore(_tiny("resync_never_runs"), config="TINY", mutant="resync_never_runs", keep_graph=False)
    c = r.counterexamples["every_host_patched"]
    on_model = replay(replace(c, mutant=None))
    assert not on_model.reproduced and "fair step" in on_model.detail
    assert Counterexample.from_json(json.loads(c.dumps())) == c
    md = render_markdown(c)
    assert "stutter" in md and "only unfair" in md
    assert "only unfair actions" in render_html(c)


def test_correct_model_has_no_state_with_only_unfair_actions_on_tiny():
    """On the reference model some fair action (a platform step or time) is always enabled,
    so R18 and R19 keep their verdicts on TINY."""
    r = explore(_tiny(None), config="TINY", symmetry=False, keep_graph=False)
    assert r.complete and "every_host_patched" not in r.counterexamples
    assert "frozen_vm_resumes" not in r.counterexamples
