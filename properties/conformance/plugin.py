"""pytest plugin: model-based tests of a Python orchestrator against the specification.

``pytest --vmspec-impl=package.module:factory`` adds one test per named configuration
(``--vmspec-config``, default TINY, SMALL and AZURE_DEFAULT).  Each test is a Hypothesis
search: Hypothesis plays the environment -- how much exact time passes, which
applications approve, whether a patch finishes or overruns, when rebooted VMs come back --
the implementation decides, and the specification judges every decision
(`vmspec.properties.conformance.impl.Episode`).  A failure is shrunk, and its message names the violated
rule and the counterexample report written under ``--vmspec-out``.

Invocation, as an implementer types it (notes/implementing.md):

- The factory is imported from the invocation directory and the rootdir when it is not
  importable as installed, so ``pytest --vmspec-impl=mypkg.orchestrator:factory`` works
  from the directory that holds ``mypkg/``; when it still cannot be imported the error
  says where it looked.
- With ``--vmspec-impl`` and no paths on the command line, only the implementation is
  checked: the project's own tests are not collected.  Name paths (``pytest tests
  --vmspec-impl=...``) to run them as well.
- The terminal summary says what was checked: per configuration, the examples run, the
  decisions and steps judged, the rollouts completed and the rules exercised.

Registered through the ``pytest11`` entry point; it does nothing unless --vmspec-impl is given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

DEFAULT_CONFIGS = ("TINY", "SMALL", "AZURE_DEFAULT")


@dataclass
class Checked:
    """What one configuration's search checked, for the terminal summary."""

    impl: str
    config: str
    examples: int = 0
    completed: int = 0  # examples whose rollout completed
    decisions: int = 0
    steps: int = 0
    rules: Counter = field(default_factory=Counter)  # rule id -> steps that exercised it
    outcome: str = "not run"


_CHECKED = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vmspec", "model-based tests of an orchestrator against the vmspec specification")
    group.addoption("--vmspec-impl", metavar="MODULE:FACTORY", default=None,
                    help="the orchestrator factory to test, e.g. mypkg.orchestrator:factory")
    group.addoption("--vmspec-config", action="append", default=None, metavar="NAME",
                    help=f"a named configuration to test against (repeatable; default {', '.join(DEFAULT_CONFIGS)})")
    group.addoption("--vmspec-examples", type=int, default=50, metavar="N",
                    help="Hypothesis examples per configuration (default 50)")
    group.addoption("--vmspec-out", default="vmspec-results", metavar="DIR",
                    help="where counterexample reports go (default vmspec-results)")
    group.addoption("--vmspec-stall-after", default=None, metavar="SECONDS",
                    help="seconds of nothing but time passing before a rollout counts as stalled "
                         "(default: the profile's longest notice + pause bound + resync latency + 2 granules)")


def _active(config: pytest.Config) -> str | None:
    return config.getoption("vmspec_impl", None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "vmspec_server(**options): options of the vmspec_server fixture")
    if _active(config):
        config.stash[_CHECKED] = []


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    impl = _active(config)
    if not impl:
        return None
    lines = [f"vmspec: {impl} against {', '.join(_configs(config))}, "
             f"{config.getoption('vmspec_examples')} examples each"]
    if not _explicit_paths(config):
        lines.append("vmspec: only the implementation is checked; this project's tests are not collected "
                     "(name paths on the command line to run them too)")
    return lines


def _configs(config: pytest.Config) -> Sequence[str]:
    return config.getoption("vmspec_config") or DEFAULT_CONFIGS


def _explicit_paths(config: pytest.Config) -> bool:
    return config.args_source == pytest.Config.ArgsSource.ARGS


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With --vmspec-impl and no paths given, collect nothing of the project's own tests."""
    if _active(config) and not _explicit_paths(config):
        return True
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    impl = _active(config)
    if not impl:
        return
    from vmspec.model import CONFIGS

    mine = []
    for name in _configs(config):
        if name not in CONFIGS:
            raise pytest.UsageError(f"--vmspec-config: unknown configuration {name!r}; choose from {', '.join(CONFIGS)}")
        mine.append(OrchestratorItem.from_parent(session, name=f"vmspec[{name}]", impl=impl, config_name=name))
    items.extend(mine)
    # Count them as collected, as pytest counts the items of any collector.
    session.ihook.pytest_collectreport(report=pytest.CollectReport(session.nodeid, "passed", None, mine))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _active(config):
        return
    checked = config.stash.get(_CHECKED, [])
    if not checked:
        return
    tr = terminalreporter
    tr.section("vmspec: what was checked")
    for c in checked:
        rules = " ".join(sorted(c.rules, key=lambda r: int(r[1:])))
        tr.write_line(f"{c.config}: {c.outcome}; {c.examples} examples, {c.completed} rollouts completed, "
                      f"{c.decisions} decisions and {c.steps} steps judged")
        tr.write_line(f"  rules exercised: {rules or 'none'}")


class HypothesisEnvironment:
    """The environment's choices drawn from Hypothesis data, so failures shrink."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def choose(self, moves: Sequence[Any]) -> Any:
        from hypothesis import strategies as st

        return self.data.draw(st.sampled_from(moves))

    def duration(self, longest: Fraction) -> Fraction:
        from hypothesis import strategies as st

        ms = max(1, int(longest * 1000))
        return self.data.draw(st.one_of(st.just(longest), st.integers(1, ms).map(lambda n: Fraction(n, 1000))))


def short_name(impl: str) -> str:
    """``examples.orchestrators.hasty:factory`` -> ``hasty``; another factory name is kept."""
    module, _, attr = impl.partition(":")
    last = module.rsplit(".", 1)[-1] or "impl"
    return last if attr in ("factory", "") else f"{last}.{attr}"


class OrchestratorItem(pytest.Item):
    """One Hypothesis search of the implementation on one named configuration."""

    def __init__(self, *, impl: str, config_name: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.impl, self.config_name = impl, config_name

    def runtest(self) -> None:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import strategies as st

        from vmspec.model import CONFIGS
        from vmspec.properties.conformance.impl import Episode, SpecViolation, load_factory, write_report

        search = [Path(str(self.config.invocation_params.dir)), Path(str(self.config.rootpath))]
        factory = load_factory(self.impl, search=search)
        cfg = CONFIGS[self.config_name]
        out = Path(self.config.getoption("vmspec_out")).resolve()
        stem = f"impl-{short_name(self.impl)}-{cfg.name}"
        stall = self.config.getoption("vmspec_stall_after")
        stall_after = Fraction(stall) if stall is not None else None
        checked = Checked(self.impl, cfg.name)
        self.config.stash.setdefault(_CHECKED, []).append(checked)

        @settings(max_examples=self.config.getoption("vmspec_examples"), derandomize=True, deadline=None,
                  database=None, suppress_health_check=list(HealthCheck), print_blob=False,
                  phases=[Phase.explicit, Phase.generate, Phase.shrink])
        @given(st.data())
        def episode(data: Any) -> None:
            run = Episode(cfg.spec(), factory(cfg.topology, cfg.params), config=cfg.name, stem=stem,
                          stall_after=stall_after)
            try:
                run.run(HypothesisEnvironment(data))
            except SpecViolation:
                tally(run)
                raise
            tally(run)  # an example Hypothesis abandons (out of data) is not counted

        def tally(run: Episode) -> None:
            checked.examples += 1
            checked.decisions += run.decisions
            checked.steps += run.checker.steps
            checked.completed += run.spec.rollout_complete(run.state) and run.checker.violation is None
            for rule, actions in run.checker.exercised.items():
                checked.rules[rule] += sum(actions.values())

        try:
            episode()
        except SpecViolation as exc:  # the shrunk example's failure: write its evidence once
            files = write_report(exc.checker, out, stem) if exc.checker is not None else []
            final = type(exc)(exc.violation, files, exc.checker)
            final.__notes__ = list(getattr(exc, "__notes__", ()))  # type: ignore[attr-defined]
            v = exc.violation
            checked.outcome = f"FAILED, {v.rule or 'no rule'} {v.property or ''}".rstrip()
            raise final from None
        except BaseException:
            checked.outcome = "error"
            raise
        checked.outcome = "conforms"

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        from vmspec.properties.conformance.impl import ImplementationError, SpecViolation

        exc = excinfo.value
        if isinstance(exc, SpecViolation | ImplementationError):
            notes = "\n".join(getattr(exc, "__notes__", ()))
            return f"{type(exc).__name__}: {exc}\n{notes}".rstrip()
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"vmspec[{self.config_name}] {self.impl}"


@pytest.fixture
def vmspec_server(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A `vmspec serve` endpoint on a free loopback port for an application's own tests.

    Configure it with ``@pytest.mark.vmspec_server(config="TINY", profile=None, mutant=None,
    scenario=None, seed=0, speed=0, mode="auto", record=True, rate_limit=5)``.  With the default
    ``speed=0`` model time moves only when the test says so.  The handle gives each VM's base URL
    (``url("vm0")``: what replaces ``http://169.254.169.254``) and controls: ``advance(seconds)``,
    ``apply(action, *args)`` (a scenario step, checked by the model), ``run_until(predicate)``,
    ``state()`` and ``document(vm)``.  At teardown the server stops; with ``record`` its captures and
    trace (under ``tmp_path / "vmspec-serve"``) are checked, and ``close()`` returns that verdict
    when the test wants to assert on it.
    """
    from vmspec.model import CONFIGS, profile
    from vmspec.properties.evidence.verdict import Target
    from vmspec.properties.serve import BackgroundServer, Options, load

    marker = request.node.get_closest_marker("vmspec_server")
    kw: dict[str, Any] = dict(marker.kwargs) if marker else {}
    config = CONFIGS[kw.pop("config", "TINY")]
    params = profile(kw.pop("profile")) if kw.get("profile") else config.params
    kw.pop("profile", None)
    target = Target(config.topology, params, config.name, kw.pop("mutant", None))
    scenario = kw.pop("scenario", None)
    record = kw.pop("record", True)
    options = Options(scenario=load(scenario) if scenario else None,
                      record=tmp_path / "vmspec-serve" if record else None, speed=kw.pop("speed", 0), **kw)
    server = BackgroundServer(target, options)
    try:
        yield server
    finally:
        server.close()


__all__ = ["DEFAULT_CONFIGS", "Checked", "HypothesisEnvironment", "OrchestratorItem", "short_name", "vmspec_server"]
