"""pytest plugin: model-based tests of a Python orchestrator against the specification.

``pytest --vmspec-impl=package.module:factory`` adds one test per named configuration
(``--vmspec-config``, default TINY, SMALL and AZURE_DEFAULT).  Each test is a Hypothesis
search: Hypothesis plays the environment -- how much exact time passes, which
applications approve, whether a patch finishes or overruns, when rebooted VMs come back --
the implementation decides, and the specification judges every decision
(`vmspec.properties.conformance.impl.Episode`).  A failure is shrunk, and its message names the violated
rule and the counterexample report written under ``--vmspec-out``.

Registered through the ``pytest11`` entry point; it does nothing unless --vmspec-impl is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

DEFAULT_CONFIGS = ("TINY", "SMALL", "AZURE_DEFAULT")


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


def pytest_report_header(config: pytest.Config) -> str | None:
    impl = config.getoption("vmspec_impl")
    if not impl:
        return None
    return f"vmspec: {impl} against {', '.join(_configs(config))}"


def _configs(config: pytest.Config) -> Sequence[str]:
    return config.getoption("vmspec_config") or DEFAULT_CONFIGS


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    impl = config.getoption("vmspec_impl")
    if not impl:
        return
    from vmspec.model import CONFIGS

    for name in _configs(config):
        if name not in CONFIGS:
            raise pytest.UsageError(f"--vmspec-config: unknown configuration {name!r}; choose from {', '.join(CONFIGS)}")
        items.append(OrchestratorItem.from_parent(session, name=f"vmspec[{name}]", impl=impl, config_name=name))


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


class OrchestratorItem(pytest.Item):
    """One Hypothesis search of the implementation on one named configuration."""

    def __init__(self, *, impl: str, config_name: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.impl, self.config_name = impl, config_name

    def runtest(self) -> None:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import strategies as st

        from vmspec.model import CONFIGS
        from vmspec.properties.conformance.impl import Episode, SpecViolation, Stalled, load_factory, write_report

        factory = load_factory(self.impl)
        cfg = CONFIGS[self.config_name]
        out = Path(self.config.getoption("vmspec_out")).resolve()
        stem = f"impl-{self.impl.replace(':', '.').replace('/', '.')}-{cfg.name}"

        @settings(max_examples=self.config.getoption("vmspec_examples"), derandomize=True, deadline=None,
                  database=None, suppress_health_check=list(HealthCheck), print_blob=False,
                  phases=[Phase.explicit, Phase.generate, Phase.shrink])
        @given(st.data())
        def episode(data: Any) -> None:
            Episode(cfg.spec(), factory(cfg.topology, cfg.params), config=cfg.name, stem=stem).run(
                HypothesisEnvironment(data))

        try:
            episode()
        except (SpecViolation, Stalled) as exc:  # the shrunk example's failure: write its report once
            files = write_report(exc.checker, out, stem) if exc.checker is not None else []
            if isinstance(exc, SpecViolation):
                final: AssertionError = SpecViolation(exc.violation, files, exc.checker)
            else:
                final = Stalled(exc.message + "".join(f"\n  trace: {f}" for f in files), exc.checker)
            final.__notes__ = list(getattr(exc, "__notes__", ()))  # type: ignore[attr-defined]
            raise final from None

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        from vmspec.properties.conformance.impl import ImplementationError, SpecViolation, Stalled

        exc = excinfo.value
        if isinstance(exc, SpecViolation | Stalled | ImplementationError):
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "vmspec_server(**options): options of the vmspec_server fixture")
