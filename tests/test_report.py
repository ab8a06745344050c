"""Counterexample reports: golden Markdown for a few mutants, reproducibility, the timeline
catching what each mutant breaks, the `vmspec report` command and the pytest helper.

Golden files: tests/golden/<case>.md, identical to notes/examples/<case>.md (the worked
examples), with notes/examples/<case>.json beside them.  After a reviewed change to the
model or the reports, regenerate them with
``VMSPEC_UPDATE_GOLDEN=1 python -m pytest tests/test_report.py -k golden``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from vmspec.model import CONFIGS, Step
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.cli.main import main
from vmspec.properties.conformance.plugin_report import assert_no_counterexample, assert_verdicts_hold, fail_with_report
from vmspec.properties.engines import check as check_mod
from vmspec.properties.engines.explore import explore
from vmspec.properties.engines.walk import random_walks
from vmspec.properties.evidence import report as R
from vmspec.properties.evidence.counterexample import (
    LASSO,
    SAFETY,
    Counterexample,
    build,
    replay,
    replay_steps,
    spec_for,
)
from vmspec.properties.evidence.reporting import write_reports
from vmspec.properties.evidence.verdict import VIOLATED, Verdict

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "notes" / "examples"
UPDATE = os.environ.get("VMSPEC_UPDATE_GOLDEN") == "1"
PINNED = {"source": "pinned step list in tests/test_report.py"}

A, S = "platform_announce_event", "platform_start_event"


def pinned(mutant, prop, steps, kind=SAFETY, loop_start=None, config="TINY") -> Counterexample:
    """A counterexample from a hand-checked shortest step list, replayed through the model."""
    c = CONFIGS[config]
    verdict = replay_steps(c.topology, c.params, mutant, steps, prop, kind, loop_start)
    assert verdict.reproduced, verdict.detail
    spec = spec_for(c.topology, c.params, mutant)
    return build(spec, list(zip(steps, verdict.states[1:])), prop, verdict.detail, kind=kind, engine="replay",
                 config=config, mutant=mutant, loop_start=loop_start, engine_settings=PINNED)


@functools.cache
def explored(mutant, prop, config="TINY") -> Counterexample:
    """The shortest counterexample of the exhaustive breadth-first explorer (no randomness)."""
    c = CONFIGS[config]
    r = explore(spec_for(c.topology, c.params, mutant), config=config, mutant=mutant, symmetry=False,
                keep_graph=False)
    return r.counterexamples[prop]


def walked(mutant, prop, seed, steps=400, config="TINY") -> Counterexample:
    """The counterexample the seeded random walk finds."""
    c = CONFIGS[config]
    r = random_walks(spec_for(c.topology, c.params, mutant), steps=steps, seed=seed, config=config, mutant=mutant)
    return r.violations[prop]


def slice_guard_dropped():
    return pinned("slice_guard_dropped", "one_slice_at_a_time", [
        Step(A, ("h0", "Freeze")), Step(A, ("h1", "Freeze")), Step("time_passes", (30,)),
        Step(S, ("h0#1",)), Step(S, ("h1#1",)), Step("host_freeze", ("h0",)), Step("host_freeze", ("h1",)),
    ])


def no_watchdog():
    return pinned("no_watchdog", "freeze_within_bound", [
        Step(A, ("h0", "Freeze")), Step("time_passes", (30,)), Step(S, ("h0#1",)), Step("host_freeze", ("h0",)),
    ] + [Step("time_passes", (10,))] * 4)


def waits_for_approval():
    return pinned("waits_for_approval", "every_host_patched", [
        Step(A, ("h0", "Freeze")), Step(A, ("h1", "Freeze")), Step("time_passes", (30,)), Step("time_passes", (10,)),
    ], LASSO, 4)


CASES = {
    "slice_guard_dropped": slice_guard_dropped,
    "no_watchdog": no_watchdog,
    "memory_reset_on_resume": lambda: explored("memory_reset_on_resume", "memory_kept_at_resume"),
    "start_before_notbefore": lambda: explored("start_before_notbefore", "start_after_notbefore_or_approval"),
    "waits_for_approval": waits_for_approval,
    "resync_never_runs": lambda: explored("resync_never_runs", "deadlock_free"),
}


def normalised(text: str) -> str:
    """Golden comparison ignores line endings and trailing blanks, nothing else."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).rstrip("\n") + "\n"


# ---------------------------------------------------------------- golden reports and worked examples


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_markdown_report(case):
    cx = CASES[case]()
    assert replay(cx).reproduced
    assert cx.mutant == case
    text = R.render_markdown(cx, f"notes/examples/{case}.json")
    if UPDATE:
        (GOLDEN / f"{case}.md").write_text(text)
        (EXAMPLES / f"{case}.md").write_text(text)
        (EXAMPLES / f"{case}.json").write_text(cx.dumps())
    assert normalised(text) == normalised((GOLDEN / f"{case}.md").read_text())
    assert (EXAMPLES / f"{case}.md").read_text() == (GOLDEN / f"{case}.md").read_text()
    stored = Counterexample.load(EXAMPLES / f"{case}.json")
    assert stored == cx and replay(stored).reproduced


def test_examples_index_links_every_example():
    index = (EXAMPLES / "README.md").read_text()
    for case in CASES:
        cx = Counterexample.load(EXAMPLES / f"{case}.json")
        assert f"({case}.md)" in index and f"{cx.rule}" in index


def test_golden_cases_are_the_shortest_known_traces():
    """Pinned lengths: a longer trace here means the engine or the model changed."""
    assert {c: len(f()) for c, f in CASES.items()} == {
        "slice_guard_dropped": 7, "no_watchdog": 8, "memory_reset_on_resume": 6, "start_before_notbefore": 2,
        "waits_for_approval": 4, "resync_never_runs": 14,
    }


# ---------------------------------------------------------------- what the top of a report says


def test_report_top_says_rule_text_source_engine_and_replay():
    cx = CASES["memory_reset_on_resume"]()
    md = R.render_markdown(cx, "out/cx.json")
    head = md.split("## Timeline")[0]
    for needle in ("# R1 broken: Memory is preserved across a freeze", cx.message, cx.rule_text, cx.rule_source,
                   "explore (max_states null, stop_when [], symmetry false)", "TINY with mutant memory_reset_on_resume",
                   "`vmspec replay out/cx.json`", "reproduces: VM vm0 resumed with memory BLANK"):
        assert needle in head, needle
    rows = [line for line in md.split("## Trace")[1].splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [int(r.split("|")[1]) for r in rows] == list(range(1, len(cx) + 1))
    assert "**`platform_resume_host(h0)`** (violation)" in rows[-1] and "`vm0.memory: 1 -> 0`" in rows[-1]


def test_lasso_report_shows_prefix_and_cycle():
    cx = waits_for_approval()
    md = R.render_markdown(cx)
    assert "## Prefix (steps 1-3)" in md and "## Cycle (step 4, repeats forever)" in md
    assert "pending forever: host h0 patched, host h1 patched" in md
    assert "cycle repeats forever :crit, 30000, 40000" in md
    tl = R.timeline(cx, replay(cx).states)
    assert tl.loop_start == 4 and tl.kind == LASSO


def test_deadlock_report_says_stuck():
    cx = CASES["resync_never_runs"]()
    md = R.render_markdown(cx)
    assert "deadlock: in the last state no action is enabled" in md
    assert "stuck, nothing enabled :crit, milestone, 40000, 40000" in md


def test_report_of_a_counterexample_that_does_not_replay_says_so():
    """A long trace from the reference model claimed as a deadlock: the report renders,
    says it does NOT reproduce, and the picture shows only the last steps."""
    spec = CONFIGS["TINY"].spec()
    s, path = spec.initial_state(), []
    for _ in range(120):
        st, s = next(iter(spec.successors(s)))
        path.append((st, s))
    cx = build(spec, path, "deadlock_free", "no action is enabled", kind="deadlock", engine="walk", config="TINY")
    facts = R.facts(cx)
    assert not facts.replay.reproduced and "does NOT reproduce" in R.render_markdown(cx)
    tl = R.timeline(cx, facts.replay.states)
    assert tl.window == (120 - R.MAX_PICTURE_STEPS, 120)
    ET.fromstring(R.svg(cx, tl))


def test_report_of_an_empty_trace():
    cx = build(CONFIGS["TINY"].spec(), [], "type_ok", "a made-up initial violation", engine="walk", config="TINY")
    md = R.render_markdown(cx)
    assert "Already so in the initial state." in md and "(no steps)" in md and "does NOT reproduce" in md
    ET.fromstring(R.svg(cx, R.timeline(cx, R.facts(cx).replay.states)))


# ---------------------------------------------------------------- the timeline catches each mutant


def _covers(iv: R.Interval, k: int) -> bool:
    return iv.start <= k and (iv.end is None or k < iv.end)


def test_timeline_shows_two_update_domains_frozen_at_the_violation():
    cx = slice_guard_dropped()
    tl = R.timeline(cx, replay(cx).states)
    n = len(cx)
    down = {iv.lane for iv in tl.intervals if iv.kind == R.FROZEN_BAR and iv.lane.startswith("slice:") and _covers(iv, n)}
    assert down == {"slice:as0:0", "slice:as0:1"}
    assert {l.key for l in tl.lanes if l.culprit} >= {"slice:as0:0", "slice:as0:1", "vm:vm0", "vm:vm1"}
    kinds = [(m.lane, m.kind) for m in tl.markers]
    assert kinds.count(("host:h0", R.ANNOUNCED)) == 1 and kinds.count(("host:h1", R.STARTED_M)) == 1


def test_reference_rollouts_never_show_two_update_domains_down():
    """The same picture of a correct model: completed TINY rollouts never overlap UD bars."""
    c = CONFIGS["TINY"]
    spec = c.spec()
    s, path = spec.initial_state(), []
    while not spec.rollout_complete(s):
        st, s = next(iter(spec.successors(s)))
        path.append((st, s))
        assert len(path) < 200
    cx = build(spec, path, "one_slice_at_a_time", "none", engine="walk", config="TINY")
    tl = R.timeline(cx, [spec.initial_state()] + [t for _, t in path])
    slices = [iv for iv in tl.intervals if iv.lane.startswith("slice:")]
    assert {iv.lane for iv in slices} == {"slice:as0:0", "slice:as0:1"}
    for k in range(len(path) + 1):
        assert sum(_covers(iv, k) for iv in slices) <= 1


def test_timeline_draws_the_pause_bound_inside_the_overrun():
    cx = no_watchdog()
    tl = R.timeline(cx, replay(cx).states)
    (bound,) = [l for l in tl.limits if l.lane == "vm:vm0"]
    (frozen,) = [iv for iv in tl.intervals if iv.lane == "vm:vm0" and iv.kind == R.FROZEN_BAR]
    assert frozen.start == 4 and frozen.end is None and frozen.start_time == 30
    assert bound.time == 60 and bound.x == 7.0 and bound.relevant
    assert "pause bound 30 s (t=60 s) :crit, milestone, 60000, 60000" in R.mermaid(tl)


def test_timeline_shows_notbefore_after_an_early_start():
    cx = CASES["start_before_notbefore"]()
    tl = R.timeline(cx, replay(cx).states)
    (nb,) = tl.limits
    started = [m for m in tl.markers if m.kind == R.STARTED_M]
    assert nb.x is None and nb.relevant and nb.time == 30
    assert started and started[0].time < nb.time


def test_timeline_marks_memory_lost_at_the_resume():
    cx = CASES["memory_reset_on_resume"]()
    tl = R.timeline(cx, replay(cx).states)
    assert [(m.lane, m.kind, m.x) for m in tl.markers if m.kind == R.MEMORY_LOST] == [("vm:vm0", R.MEMORY_LOST, 6.0)]


def test_mermaid_lines_are_well_formed():
    for make in CASES.values():
        cx = make()
        lines = R.mermaid(R.timeline(cx, replay(cx).states)).splitlines()
        assert lines[:4] == ["gantt", "    dateFormat x", "    axisFormat %M:%S", "    todayMarker off"]
        for line in lines[4:]:
            if line.startswith("    section "):
                assert ":" not in line and "#" not in line
                continue
            name, meta = line.split(" :")
            assert ":" not in name and "#" not in name and ";" not in name
            start, end = [int(x) for x in meta.split(", ")[-2:]]
            assert 0 <= start <= end


# ---------------------------------------------------------------- reproducible, self-contained, atomic


def test_reports_are_byte_identical_across_runs_and_processes(tmp_path):
    cx = no_watchdog()
    again = Counterexample.load(cx.save(tmp_path / "cx.json"))
    assert R.render_markdown(cx) == R.render_markdown(again)
    assert R.render_json(cx) == R.render_json(again)
    code = ("import sys; from vmspec.properties.evidence.counterexample import Counterexample; from vmspec.properties.evidence.report import render;"
            "c = Counterexample.load(sys.argv[1]); [sys.stdout.write(render(c, f)) for f in ('md', 'json', 'html')]")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "cx.json")], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    here = "".join(R.render(again, f) for f in ("md", "json", "html"))
    assert out == here


def test_json_report_carries_the_counterexample_and_the_timeline():
    cx = slice_guard_dropped()
    data = json.loads(R.render_json(cx, "x.json"))
    assert data["format"] == "vmspec-report/1" and data["replay"]["reproduced"]
    assert Counterexample.from_json(data["counterexample"]) == cx
    assert data["timeline"]["violation"] == {"kind": "safety", "at_step": 7, "loop_start": None,
                                            "label": cx.message}
    assert data["facts"]["Rule"] == "R5: One slice of an availability set at a time, by event type"


def test_html_is_one_offline_file_with_an_svg_timeline():
    cx = no_watchdog()
    page = R.render_html(cx)
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1
    for external in ("<script", "<link", "src=", "@import", 'href="http', "xlink:href=\"http"):
        assert external not in page
    assert not re.search(r"url\((?!#)", page)  # only references inside the file
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "dc:date" not in svg and "vmspec report" in svg
    assert "R2 broken: The pause is bounded" in page and "vmspec replay COUNTEREXAMPLE.json" in page


@pytest.mark.parametrize("mutant", [m for m in MUTANTS if m.name != "waits_for_approval"], ids=lambda m: m.name)
def test_every_walk_counterexample_renders(mutant):
    c = CONFIGS[mutant.config]
    r = random_walks(mutant.spec(c.topology, c.params), steps=1500, seed=11, config=c.name, mutant=mutant.name)
    assert r.violations, mutant.name
    for cx in r.violations.values():
        md = R.render_markdown(cx)
        assert f"# {cx.rule} broken" in md and "reproduces:" in md
        assert json.loads(R.render_json(cx))["timeline"]["violation"]["at_step"] == len(cx)


def test_write_reports_writes_three_files_atomically(tmp_path):
    cx = no_watchdog()
    files = write_reports(cx, tmp_path / "sub" / "walk-no_watchdog-freeze_within_bound")
    assert [p.suffix for p in files] == [".json", ".md", ".html"]
    assert Counterexample.load(files[0]) == cx
    assert f"vmspec replay {files[0]}" in files[1].read_text()
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == sorted(p.name for p in files)


def test_write_reports_leaves_no_half_written_file(tmp_path, monkeypatch):
    cx = no_watchdog()

    def broken(*args, **kwargs):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(R, "svg", broken)
    with pytest.raises(RuntimeError):
        write_reports(cx, tmp_path / "cx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cx.json", "cx.md"]


def test_check_writes_reports_for_each_failing_property(tmp_path, capsys):
    skip = [arg for s in check_mod.STAGES if s.name != "walk" for arg in ("--skip", s.name)]
    status = main(["check", "--mutant", "no_watchdog", "--steps", "600", "--out", str(tmp_path), "--json", *skip])
    assert status == 1
    stem = tmp_path / "walk-no_watchdog-freeze_within_bound"
    listed = json.loads(capsys.readouterr().out)["counterexamples"]
    for suffix in (".json", ".md", ".html"):
        assert stem.with_name(stem.name + suffix).exists() and f"{stem}{suffix}" in listed


# ---------------------------------------------------------------- vmspec report


def test_report_command_formats(tmp_path, capsys):
    path = no_watchdog().save(tmp_path / "cx.json")
    assert main(["report", str(path)]) == 0
    assert capsys.readouterr().out == R.render_markdown(Counterexample.load(path), str(path))
    assert main(["report", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "R2 broken: The pause is bounded"
    assert main(["report", str(path), "-o", str(tmp_path / "out" / "r.html")]) == 0
    assert (tmp_path / "out" / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert "html report written to" in capsys.readouterr().out


@pytest.mark.parametrize("edit, field", [
    (lambda d: d.update(property="no_such_property"), "property"),
    (lambda d: d.update(rule="R99"), "rule"),
    (lambda d: d.update(rule="R5"), "rule"),
    (lambda d: d.update(kind="sideways"), "kind"),
    (lambda d: d["steps"][0].pop("time"), "steps.0"),
])
def test_report_command_rejects_bad_files_with_status_2(tmp_path, capsys, edit, field):
    data = no_watchdog().to_json()
    edit(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    out = tmp_path / "never.md"
    assert main(["report", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and field in err and "Traceback" not in err
    assert not out.exists()


def test_report_command_on_unreadable_or_broken_json(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.json")]) == 2
    assert "cannot read file" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text('{"format":\n')
    assert main(["report", str(tmp_path / "broken.json")]) == 2
    assert "broken.json:2: invalid JSON" in capsys.readouterr().err


# ---------------------------------------------------------------- the pytest helper


def test_failing_property_test_names_its_report(tmp_path, monkeypatch):
    monkeypatch.delenv("VMSPEC_REPORT_DIR", raising=False)
    cx = no_watchdog()
    with pytest.raises(pytest.fail.Exception) as failure:
        fail_with_report(cx, tmp_path)
    message = str(failure.value)
    report = tmp_path / "replay-no_watchdog-freeze_within_bound.md"
    assert message.startswith("freeze_within_bound violated (R2: The pause is bounded)")
    assert f"report: {report}" in message and report.exists()
    assert f"vmspec replay {report.with_suffix('.json')}" in message


def test_report_dir_can_be_chosen_for_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("VMSPEC_REPORT_DIR", str(tmp_path / "ci-reports"))
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_counterexample({"x": slice_guard_dropped(), "y": no_watchdog()}, tmp_path / "unused")
    assert str(tmp_path / "ci-reports" / "replay-slice_guard_dropped-one_slice_at_a_time.md") in str(failure.value)


def test_verdict_assertion_lists_every_failure_with_its_report(tmp_path):
    cx = no_watchdog()
    verdicts = [Verdict(cx.property, cx.rule, "always", "walk", VIOLATED, cx.message, cx),
                Verdict("reach_freeze", "R1", "sometimes", "walk", "not reached", "never reached")]
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_verdicts_hold(verdicts, tmp_path)
    text = str(failure.value)
    assert "walk: freeze_within_bound (R2) violated" in text and "reach_freeze (R1) not reached" in text
    assert str(tmp_path / "replay-no_watchdog-freeze_within_bound.md") in text


def test_reference_model_walk_holds_with_report_on_failure(tmp_path):
    """How a property test uses the helper: a violation would fail naming its report."""
    c = CONFIGS["TINY"]
    r = random_walks(c.spec(), steps=1500, seed=5, config="TINY")
    assert_no_counterexample(r.violations, tmp_path)
    assert_no_counterexample(None, tmp_path)
    assert r.completed >= 1
