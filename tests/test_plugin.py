"""The pytest plugin, run with pytester against the example orchestrators: the reference
passes; each broken one (hasty: R8, freeze_first: a refused step, R7; approval_only: a
stall, R18) is caught with a shrunk counterexample whose report path is in the failure
message, and `vmspec replay` reproduces the written counterexample."""

import json
import re
from pathlib import Path

import matplotlib.figure  # noqa: F401 -- imported once here: the reports draw with it, and numpy cannot be
import pytest  # imported twice in one process (pytester unloads what a test imports)

from vmspec.model import TINY
from vmspec.properties.cli.main import main
from vmspec.properties.conformance.trace import check_trace
from vmspec.properties.evidence.counterexample import Counterexample

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]


def _run(pytester, impl, *configs, examples=25):
    pytester.syspathinsert(ROOT)
    args = [f"--vmspec-impl=examples.orchestrators.{impl}:factory", f"--vmspec-examples={examples}",
            "-p", "no:cacheprovider", "--vmspec-out", str(pytester.path / "out")]
    args += [f"--vmspec-config={c}" for c in configs]
    return pytester.runpytest_inprocess(*args)


def test_reference_orchestrator_passes(pytester):
    result = _run(pytester, "reference", "TINY", "SMALL")
    result.assert_outcomes(passed=2)
    assert not (pytester.path / "out").exists()
    text = result.stdout.str()
    assert "collected 2 items" in text
    summary = re.search(r"TINY: conforms; (\d+) examples, (\d+) rollouts completed, (\d+) decisions", text)
    assert summary and int(summary.group(1)) == 25 and int(summary.group(2)) == 25 and int(summary.group(3)) > 0
    assert re.search(r"rules exercised: R1 R2 .*R8 .*R13", text)


def test_reference_orchestrator_live_migrates(pytester):
    """R27 through the plugin: under live migration the reference moves h0's two VMs of as0 in
    turn (host_live_migrate), each to a patched host, and the rollout completes."""
    result = _run(pytester, "reference", "LIVE_MIGRATION")
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    summary = re.search(r"LIVE_MIGRATION: conforms; (\d+) examples, (\d+) rollouts completed", text)
    assert summary and int(summary.group(1)) == int(summary.group(2)) > 0, text
    assert re.search(r"rules exercised: .*R27", text)


def test_hasty_orchestrator_is_caught_with_a_shrunk_counterexample(pytester):
    result = _run(pytester, "hasty", "TINY")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "R8 start_after_notbefore_or_approval" in text
    report = Path(re.search(r"report: (\S+\.json)\b", text).group(1))
    cx = Counterexample.load(report)
    assert cx.property == "start_after_notbefore_or_approval" and cx.engine == "trace"
    # shrunk: announce h0, wait for NotBefore, start, freeze, patch, resume, complete, announce h1, start h1
    assert [s.action for s in cx.steps][-2:] == ["platform_announce_event", "platform_start_event"]
    assert len(cx.steps) <= 10
    prefix = report.with_name(report.stem + ".trace.jsonl")
    again, _ = check_trace(TINY.spec(), prefix, config="TINY")
    assert again.violation.rule == "R8"


def _replays(path: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["replay", str(path), "--json"]) == 1  # 1: the violation is still there
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("impl, rule, prop, kind, longest", [
    ("hasty", "R8", "start_after_notbefore_or_approval", "refused", 9),
    ("freeze_first", "R7", "impact_needs_started_event", "refused", 3),
    ("approval_only", "R18", "every_host_patched", "lasso", 3),
])
def test_broken_orchestrators_are_caught_shrunk_and_replay(pytester, capsys, impl, rule, prop, kind, longest):
    result = _run(pytester, impl, "TINY")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert f"{rule} {prop}" in text
    report = Path(re.search(r"report: (\S+\.json)\b", text).group(1))
    assert report.name == f"impl-{impl}-TINY-{rule}-{prop}.json"  # named after what it shows
    cx = Counterexample.load(report)
    assert (cx.rule, cx.property, cx.kind, cx.engine) == (rule, prop, kind, "trace")
    assert len(cx) <= longest
    replayed = _replays(report, capsys)
    assert replayed["reproduced"], replayed["detail"]
    if kind == "refused":
        assert replayed["detail"].startswith(f"refused by guard of {cx.steps[-1].action}: {rule}")
    else:
        assert replayed["detail"].startswith("pending forever: host h0 patched")
    md = report.with_suffix(".md").read_text()
    assert "reproduces:" in md
    if kind == "refused":  # the timeline marks the refused step, the last one
        assert f"step {len(cx)} is refused by the model" in md and "(refused by the model)" in md
    prefix = report.with_name(report.stem + ".trace.jsonl")
    again, _ = check_trace(TINY.spec(), prefix, config="TINY", complete=kind == "lasso")
    assert again.violation.rule == rule


def test_a_stall_is_found_in_seconds_and_says_what_was_checked(pytester):
    result = _run(pytester, "approval_only", "TINY", examples=10)
    assert result.duration < 60
    text = result.stdout.str()
    assert "stalled: for" in text and "pending forever: host h0 patched" in text
    assert "vmspec: what was checked" in text and re.search(r"TINY: FAILED, R18 every_host_patched; \d+ examples", text)


def test_plugin_is_inert_without_the_option(pytester):
    pytester.makepyfile("def test_x():\n    assert True\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "vmspec: what was checked" not in result.stdout.str()  # no campaign ran, no summary


def test_bad_factory_is_reported(pytester):
    pytester.syspathinsert(ROOT)
    result = pytester.runpytest_inprocess("--vmspec-impl=examples.orchestrators.nothing:factory", "--vmspec-config=TINY",
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "cannot load" in result.stdout.str()


def _package(pytester):
    """An implementer's project: mypkg/ with an orchestrator, and a test suite of its own."""
    pkg = pytester.mkpydir("mypkg")
    (pkg / "orchestrator.py").write_text((ROOT / "examples" / "orchestrators" / "reference.py").read_text())
    pytester.makepyfile(test_mine="def test_their_own():\n    assert False, 'the project test ran'\n")


def test_plain_pytest_from_the_package_directory_finds_the_factory(pytester):
    _package(pytester)
    result = pytester.runpytest_inprocess("--vmspec-impl=mypkg.orchestrator:factory", "--vmspec-config=TINY",
                                          "--vmspec-examples=5", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)  # the project's own (failing) test was not collected
    text = result.stdout.str()
    assert "collected 1 item" in text and "this project's tests are not collected" in text
    assert "TINY: conforms; 5 examples" in text


def test_paths_on_the_command_line_run_the_project_tests_too(pytester):
    _package(pytester)
    result = pytester.runpytest_inprocess("test_mine.py", "--vmspec-impl=mypkg.orchestrator:factory",
                                          "--vmspec-config=TINY", "--vmspec-examples=5", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert "the project test ran" in result.stdout.str()


def test_a_factory_that_cannot_be_imported_says_where_it_looked(pytester):
    result = pytester.runpytest_inprocess("--vmspec-impl=nopkg.orchestrator:factory", "--vmspec-config=TINY",
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "No module named 'nopkg'" in text and f"looked in {pytester.path}" in text
    assert "run pytest from the directory that holds nopkg/" in text


def test_reference_orchestrator_follows_evictions(pytester):
    """R36, R37 through the plugin: where a Spot VM may be preempted and the scale set's VMs deleted, the
    reference starts each Preempt or Terminate when it may (an early Terminate only after the other
    pending ones) and evicts its VM; every rollout completes and conforms."""
    result = _run(pytester, "reference", "SPOT_SCALE_SET")
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    summary = re.search(r"SPOT_SCALE_SET: conforms; (\d+) examples, (\d+) rollouts completed", text)
    assert summary and int(summary.group(1)) == int(summary.group(2)) > 0, text
    assert re.search(r"rules exercised: .*R36", text), text
