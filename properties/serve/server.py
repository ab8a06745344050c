"""Putting `vmspec serve` together: the platform, its documents, the endpoint, the recorder.

`Server` builds everything from a `Target` and runs it on an asyncio loop (`start`, `stop`);
`BackgroundServer` runs one in a thread with its own loop, for tests, the pytest fixture and the
benchmark, with thread-safe controls: advance time, take a step, read a VM's document.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from vmspec.model import CONFIGS, State, Step
from vmspec.properties.evidence.verdict import Target
from vmspec.properties.serve.app import RATE_LIMIT, SE_PATH, Clock, Endpoint, origin_now
from vmspec.properties.serve.documents import Documents
from vmspec.properties.serve.freeze import Freezer
from vmspec.properties.serve.platform import AUTO, MANUAL, SCENARIO, Pacing, Platform
from vmspec.properties.serve.record import Recorder, Verdict
from vmspec.properties.serve.scenario import Scenario, validate

T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    """How to serve: every option of `vmspec serve`."""

    bind: str = "127.0.0.1"
    port: int = 0  # 0: a free port
    seed: int = 0
    speed: float = 1.0  # model seconds per wall second; 0: time moves only when advanced
    mode: str = AUTO  # auto, scenario (with `scenario`) or manual
    scenario: Scenario | None = None
    record: Path | None = None
    freeze_pid: int | None = None
    freeze_vm: str | None = None
    rate_limit: int = RATE_LIMIT
    pacing: Pacing | None = None
    origin: datetime | None = None


class Server:
    """One served platform: build with a target and options, then `start` on a running loop."""

    def __init__(self, target: Target, options: Options) -> None:
        self.target, self.options = target, options
        self.spec = target.spec()
        self.reference = Target(target.topology, target.params, target.label).spec()
        mode = SCENARIO if options.scenario is not None else options.mode
        script = ()
        if options.scenario is not None:
            validate(options.scenario, self.spec)  # InputError naming the step it cannot take
            script = options.scenario.steps
        self.platform = Platform(self.spec, mode=mode, seed=options.seed, pacing=options.pacing, script=script)
        self.origin = options.origin or origin_now()
        self.documents = Documents(self.spec, self.origin)
        self.platform.listeners.append(self.documents.on_step)
        self.platform.unseen = self.documents.unseen
        self.recorder: Recorder | None = None
        if options.record is not None:
            meta = {"generator": "vmspec serve", "target": target.label, "mutant": target.mutant,
                    "seed": options.seed, "mode": mode, "origin": self.origin.isoformat()}
            self.recorder = Recorder(options.record, self.spec, meta)
            self.platform.listeners.append(self.recorder.on_step)
        self.freezer: Freezer | None = None
        if options.freeze_pid is not None:
            name = options.freeze_vm or self.spec.vm_names[0]
            if name not in self.spec.vm_ix:
                from vmspec.properties.io.errors import InputError

                raise InputError("--freeze-vm", None, None, f"unknown VM {name!r}; choose one of "
                                                            f"{', '.join(self.spec.vm_names)}")
            self.freezer = Freezer(options.freeze_pid, self.spec.vm_ix[name], name)
            self.platform.listeners.append(self.freezer.on_step)
        self.clock = Clock(options.speed)
        self.endpoint: Endpoint | None = None
        self.runner: web.AppRunner | None = None
        self.port = options.port
        self._clock_task: asyncio.Task | None = None
        self.verdict: Verdict | None = None

    async def start(self) -> None:
        self.endpoint = Endpoint(self.spec, self.platform, self.documents, self.clock, recorder=self.recorder,
                                 rate_limit=self.options.rate_limit)
        self.runner = web.AppRunner(self.endpoint.application(), access_log=None, handle_signals=False,
                                     shutdown_timeout=2.0)  # open keep-alive connections do not hold the stop
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.options.bind, self.options.port, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.clock = self.endpoint.clock = Clock(self.options.speed)  # model time starts now
        self._clock_task = asyncio.get_running_loop().create_task(self.endpoint.run_clock())

    def url(self, vm: str | None = None) -> str:
        """A VM's base URL: what replaces `http://169.254.169.254` in a client."""
        name = vm if vm is not None else self.spec.vm_names[0]
        return f"http://{self.options.bind}:{self.port}/{name}"

    def endpoint_url(self, vm: str | None = None, api_version: str = "2020-07-01") -> str:
        return f"{self.url(vm)}{SE_PATH}?api-version={api_version}"

    async def stop(self, *, check: bool = True) -> Verdict | None:
        """Stop serving; complete the recordings and check them (the verdict, or None)."""
        if self._clock_task is not None and self.endpoint is not None:
            self.endpoint.running = False
            self.endpoint.wake.set()
            try:
                await asyncio.wait_for(self._clock_task, 10)
            except (TimeoutError, asyncio.CancelledError):
                pass
            self._clock_task = None
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        if self.freezer is not None:
            self.freezer.release()
        self.platform.advance_to(self.clock.model_now())
        self.platform.settle()
        if self.recorder is not None and not self.recorder.closed:
            self.recorder.close(self.platform.state_time)
            if check:
                strict = not self.reference.params.short_notice
                self.verdict = self.recorder.check(self.reference, self.target.label, strict=strict)
        return self.verdict

    # ------------------------------------------------------------------ controls (on the loop)

    def advance(self, seconds: Fraction | int | float) -> None:
        """Let `seconds` of model time pass now (on top of the clock's own pace)."""
        self.clock.advance(Fraction(str(seconds)) if isinstance(seconds, float) else Fraction(seconds))
        self.platform.advance_to(self.clock.model_now())
        if self.platform.stuck is not None and self.platform.mode == MANUAL:
            raise RuntimeError(self.platform.stuck)

    def apply(self, action: str, *args: Any) -> State:
        """Take one model step now (ActionNotEnabled when the model does not allow it)."""
        self.platform.advance_to(self.clock.model_now())
        state = self.platform.apply(Step(action, tuple(args)), "triggered by a test")
        if self.endpoint is not None:
            self.endpoint.wake.set()
        return state


class BackgroundServer:
    """A `Server` on its own event loop in a daemon thread, with blocking, thread-safe controls."""

    def __init__(self, target: Target | str = "TINY", options: Options | None = None, **kw: Any) -> None:
        if isinstance(target, str):
            c = CONFIGS[target]
            target = Target(c.topology, c.params, c.name, kw.pop("mutant", None))
        self.server = Server(target, options or Options(**kw))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="vmspec-serve", daemon=True)
        self.thread.start()
        self.call_async(self.server.start())

    def call_async(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        async def run() -> T:
            return fn(*args)

        return self.call_async(run())

    @property
    def port(self) -> int:
        return self.server.port

    def url(self, vm: str | None = None) -> str:
        return self.server.url(vm)

    def endpoint_url(self, vm: str | None = None, api_version: str = "2020-07-01") -> str:
        return self.server.endpoint_url(vm, api_version)

    def advance(self, seconds: Fraction | int | float) -> None:
        self.call(self.server.advance, seconds)

    def apply(self, action: str, *args: Any) -> State:
        return self.call(self.server.apply, action, *args)

    def state(self) -> State:
        return self.call(lambda: self.server.platform.state)

    def model_time(self) -> Fraction:
        return self.call(lambda: self.server.platform.now)

    def document(self, vm: str | None = None, api_version: str = "2020-07-01") -> dict:
        def read() -> dict:
            self.server.platform.advance_to(self.server.clock.model_now())
            ix = self.server.spec.vm_ix[vm or self.server.spec.vm_names[0]]
            return self.server.documents.document(ix, api_version)

        return self.call(read)

    def run_until(self, predicate: Callable[[State], bool], *, step: float = 1, limit: float = 100_000) -> Fraction:
        """Advance model time `step` seconds at a time until `predicate(state)` (for manual clocks)."""
        spent = Fraction(0)
        while not self.call(lambda: predicate(self.server.platform.state)):
            if spent >= limit:
                raise TimeoutError(f"the predicate did not hold within {limit} model seconds")
            self.advance(step)
            spent += Fraction(str(step))
        return spent

    def close(self, *, check: bool = True) -> Verdict | None:
        if not self.loop.is_running():
            return self.server.verdict
        try:
            verdict = self.call_async(self.server.stop(check=check), timeout=120)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()
        return verdict

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
