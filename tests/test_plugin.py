"""The pytest plugin, run with pytester against the two example orchestrators: the
reference passes, the hasty one is caught with a shrunk R8 counterexample whose report
path is in the failure message."""

import re
from pathlib import Path

from vmspec.model import TINY
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


def test_plugin_is_inert_without_the_option(pytester):
    pytester.makepyfile("def test_x():\n    assert True\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_bad_factory_is_reported(pytester):
    pytester.syspathinsert(ROOT)
    result = pytester.runpytest_inprocess("--vmspec-impl=examples.orchestrators.nothing:factory", "--vmspec-config=TINY",
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "cannot load" in result.stdout.str()
