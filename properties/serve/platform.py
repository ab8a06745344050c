"""The platform side of `vmspec serve`: the model, driven in real time by a seeded scheduler.

`Platform` holds the model's state and its clock (model seconds, exact `Fraction`s).  Every
change goes through `Spec.step`, so every guard is the model's own.  Who decides what happens:

- **auto** (default): a seeded scheduler takes the platform's and the environment's actions.
  When an action becomes enabled it is given a due time drawn from `Pacing` (the fair actions
  always get one, so an action enabled forever is eventually taken, as the spec's weak fairness
  asks); the two unfair choices, cancelling a Scheduled event and letting an in-place patch
  overrun, are drawn once per event and per freeze.
- **scenario**: a script of steps (`scenario.Scenario`) taken in order, each `after` seconds
  after the previous one and once its guard holds (a start waits for NotBefore or an approval).
- **manual**: only what a caller triggers (`apply`), for tests that script everything.

Approvals come from the clients (`approve`, the model's `app_approve_event`).  Time is lazy:
the state is brought forward with `time_passes` only when a step is due or a deadline is reached
(NotBefore, the watchdog's window, the pause bound, the resync latency), so a poll costs nothing
while nothing happens.  Listeners (`on_step`) see every step: the recorder, the document
projection and the process freezer.

Left out: approvals by VMs that no client plays and from outside the VMs (only clients approve), and several events per
host at once (the model has one event per host maintenance).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from vmspec.model import ACTION_INFO, ActionNotEnabled, Spec, State, Step
from vmspec.model.state import FROZEN

AUTO, SCENARIO, MANUAL = "auto", "scenario", "manual"
MODES = (AUTO, SCENARIO, MANUAL)

Listener = Callable[[Fraction, Step, State, State, str], None]


@dataclass(frozen=True)
class Pacing:
    """How long the seeded scheduler waits, in model seconds, once an action is enabled.

    These are the scheduler's choices, not documented figures; the documentation gives only
    typical values (research 1.1, 3.5: 15 minutes Scheduled, about 7 s of impact, 10 minutes
    Started), which a scenario can follow exactly."""

    announce: tuple[int, int] = (0, 120)  # a host awaiting its update is announced (whole seconds)
    start: tuple[int, int] = (0, 5)  # after NotBefore or an approval ("may not start immediately")
    impact: tuple[int, int] = (1, 5)  # Started -> the VMs are frozen, rebooted or redeployed
    boot: tuple[int, int] = (20, 60)  # rebooted VMs come back up
    complete: tuple[int, int] = (10, 60)  # the VMs are back -> the event is removed
    overrun: float = 0.2  # chance that an in-place patch overruns (redone as a Reboot, R6)
    cancel: float = 0.1  # chance that a Scheduled event is cancelled before it starts


_IMPACT = ("host_freeze", "host_reboot", "host_redeploy", "host_evict_vm")  # host_evict_vm: R36, R37
_NOW = ("platform_resume_host", "platform_watchdog_resume", "platform_patch_empty_host")


class Stuck(RuntimeError):
    """The platform can take no step and time cannot pass (a deadlock, or a scenario step that
    can never be taken)."""


class Platform:
    """The model's state and clock, advanced by the scheduler, the clients and the callers."""

    def __init__(self, spec: Spec, *, mode: str = AUTO, seed: int = 0, pacing: Pacing | None = None,
                 script: tuple[Any, ...] = ()) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.spec, self.mode, self.pacing = spec, mode, pacing or Pacing()
        self.rng = random.Random(seed)
        self.state = spec.initial_state()
        self.state_time = Fraction(0)  # the model time `state` stands at
        self.now = Fraction(0)  # the model time the clock has reached (>= state_time)
        self.listeners: list[Listener] = []
        self.steps_taken = 0
        self.stuck: str | None = None  # why time can no longer pass, once it cannot
        self._due: dict[Step, Fraction | None] = {}  # enabled steps -> when they are taken (None: never)
        self._stops: list[Fraction] = []  # when time may enable a step or hits a deadline
        self._dirty = True
        self._next: Fraction | None = None
        # Set by the endpoint: whether an approved event must wait for a polling VM of its set that
        # has not yet been served it Scheduled (see `_held`).
        self.unseen: Callable[[str], bool] | None = None
        self.script = list(script)  # scenario steps not yet taken
        self.script_done = 0  # scenario steps taken
        self._script_since = Fraction(0)  # when the previous scenario step was taken

    # ------------------------------------------------------------------ the clock

    def advance_to(self, t: Fraction) -> None:
        """Let model time run to `t`, taking every step that falls due on the way."""
        t = Fraction(t)
        while True:
            if self._dirty:
                self._take_due()
            stop = self.next_stop()
            if stop is None or stop > t:
                self.now = max(self.now, t)
                return
            if not self._bring_time_to(stop):
                self.now = max(self.now, t)
                return
            self._dirty = True

    def next_stop(self) -> Fraction | None:
        """The next model time at which something may happen (None: nothing ever will, unaided)."""
        if self._dirty:
            self._take_due()
        return self._next

    def _compute_next(self) -> Fraction | None:
        times = [t for t in self._due.values() if t is not None] + self._stops
        if self.mode == SCENARIO and self.script:
            times.append(self._script_since + self.script[0].after)
        later = [t for t in times if t > self.state_time]
        return min(later) if later else None

    def _bring_time_to(self, t: Fraction) -> bool:
        dt = t - self.state_time
        if dt <= 0:
            return True
        nxt = self.spec.time_passes(self.state, dt)
        if not nxt:  # the refusal of its guard
            self._stick(f"time cannot pass beyond {_show(self.state_time)} s: the model's time_passes guard "
                        "refuses (a VM would stay frozen past the pause bound or a clock stay unsynced past its "
                        "resync latency) and no step is due")
            return False
        self.state, self.state_time = nxt, t
        self.now = max(self.now, t)
        self._dirty = True
        return True

    def settle(self) -> None:
        """Bring the state to the clock (time passes as far as the model allows)."""
        self._bring_time_to(self.now)

    def _stick(self, reason: str) -> None:
        if self.mode == SCENARIO and self.script:
            reason = f"scenario step {self.script[0].number} ({self.script[0].step}) cannot be taken: {reason}"
        self.stuck = reason

    # ------------------------------------------------------------------ steps

    def apply(self, step: Step, note: str = "") -> State:
        """Take `step` now (ActionNotEnabled when its guard is false); tell every listener."""
        if not self._bring_time_to(self.now):
            raise ActionNotEnabled(self.stuck or "time cannot pass")
        before = self.state
        after = self.spec.step(before, step)
        self.state = after
        self.steps_taken += 1
        self._dirty = True
        for listen in self.listeners:
            listen(self.state_time, step, before, after, note)
        return after

    def approve(self, event_id: str, approver: str, note: str = "") -> bool:
        """VM `approver` (a client of the event's availability set) approves a model EventId: True
        when the model took `app_approve_event`, recording who approved (R28); False when there is
        nothing to do (already approved, started or past NotBefore, or an approver the profile's
        scope refuses: the exhaustive configurations accept only a VM the event names)."""
        self._bring_time_to(self.now)
        step = Step("app_approve_event", (event_id, approver))
        if not self.spec.guard(self.state, step.name, *step.args):
            return False
        self.apply(step, note)
        return True

    def resolve(self, step: Step) -> Step:
        """A step whose event is named by its host (`platform_start_event(h0)`) names the host's
        current event instead, whatever EventId the platform gave it."""
        if ACTION_INFO[step.name].kind == "event" and len(step.args) == 1 and step.args[0] in self.spec.host_ix:
            e = self.state.event_of_host(self.spec.host_ix[step.args[0]])
            if e is not None:
                return Step(step.name, (e.event_id,))
        return step

    def _take_due(self) -> None:
        """Take every step due by `state_time`, planning afresh once the planned ones are taken."""
        fresh = False
        for _ in range(100_000):
            if self.mode == SCENARIO:
                self._plan()
                if not self._take_script_step():
                    break
                continue
            st = next((st for st, t in self._due.items()
                       if t is not None and t <= self.state_time and not self._held(st)), None)
            if st is None:
                if fresh:
                    break
                self._plan()
                fresh = True
                continue
            fresh = False
            del self._due[st]
            try:
                self.apply(st)
            except ActionNotEnabled:
                pass  # disabled since it was planned (another step came first): planned afresh when enabled
        self._dirty = False
        self._next = self._compute_next()

    def _take_script_step(self) -> bool:
        if not self.script:
            return False
        nxt = self.script[0]
        if self._script_since + nxt.after > self.state_time or self._held(self.resolve(nxt.step)):
            return False
        try:
            self.apply(self.resolve(nxt.step), f"scenario step {nxt.number}")
        except ActionNotEnabled:
            return False  # it waits for its guard (NotBefore, an approval, the watchdog's window)
        self.script.pop(0)
        self.script_done += 1
        self._script_since = self.state_time
        return True

    def _held(self, st: Step) -> bool:
        """An approved event starts only once every VM of its set that polls has been served it
        Scheduled (the documentation: "The event may not start immediately upon approval"), so no
        polling VM misses its Scheduled phase; at NotBefore it starts regardless."""
        if st.name != "platform_start_event" or self.unseen is None:
            return False
        e = self.state.event(st.args[0])
        return e is not None and bool(e.not_before_in) and self.unseen(e.event_id)

    def poke(self) -> None:
        """Something outside the model changed (a VM was served a new document): look again."""
        self._dirty = True

    # ------------------------------------------------------------------ the scheduler's plan

    def _plan(self) -> None:
        """Give every newly enabled step its due time.  A planned step is not evaluated again until
        it falls due: its guard is checked then, by `apply` (a step disabled meanwhile is dropped)."""
        s, now = self.state, self.state_time
        if self.mode == AUTO:
            for name, args, enabled in self.spec.candidates(s):
                if name in ("time_passes", "app_approve_event"):
                    continue
                st = Step(name, args)
                if st not in self._due and enabled():
                    self._due[st] = self._draw(st, now)
        self._stops = self._deadlines(s, now)

    def _deadlines(self, s: State, now: Fraction) -> list[Fraction]:
        """When time alone may enable a step or must stop: NotBefore, the middle of the watchdog's
        window (pause_bound - granularity, pause_bound], the pause bound, the resync latency."""
        p = self.spec.params
        out = [now + e.not_before_in for e in s.events if e.not_before_in]
        for v in s.vms:
            if v.frozen_for is not None:
                out.append(now + (p.pause_bound - v.frozen_for))
                checkpoint = Fraction(2 * p.pause_bound - p.granularity, 2) - v.frozen_for
                if checkpoint > 0:
                    out.append(now + checkpoint)
            if v.unsynced_for is not None:
                out.append(now + max(0, p.resync_latency - v.unsynced_for))
        return out

    def _draw(self, st: Step, now: Fraction) -> Fraction | None:
        """When the scheduler takes an action that has just become enabled (None: never)."""
        p, pace, rng = self.spec.params, self.pacing, self.rng
        name = st.name
        if name == "platform_announce_event":
            lo, hi = pace.announce
            return _ceil(now) + rng.randint(lo, hi)  # whole seconds, so NotBefore is a whole second
        if name == "platform_start_event":
            return now + _between(rng, *pace.start)
        if name == "platform_cancel_event":
            e = self.state.event(st.args[0])
            if e is None or rng.random() >= pace.cancel or not e.not_before_in or e.not_before_in <= 1:
                return None
            return now + _between(rng, 0, e.not_before_in - 1)
        if name in _IMPACT:
            return now + _between(rng, *pace.impact)
        if name in ("host_apply_patch", "host_live_migrate"):
            if name == "host_apply_patch" and rng.random() < pace.overrun:
                return None  # the patch overruns: the watchdog resumes the VMs (R2, R6)
            # a patch, or a live migration's blackout (R27), within the announced pause
            room = Fraction(2 * p.pause_bound - p.granularity, 2)  # before the watchdog's checkpoint
            expected = p.expected_pause if p.expected_pause > 0 else room
            hi = min(Fraction(expected), room - Fraction(1, 10))
            return now + _between(rng, min(Fraction(1, 2), hi / 2), hi)
        if name == "platform_watchdog_resume":
            # the watchdog may resume at any time before the bound (R2); the scheduler gives an
            # overrunning patch until the checkpoint in the middle of the last granule before it
            h = self.spec.host_ix[st.args[0]]
            frozen = max((v.frozen_for for v in self.state.vms if v.host == h and v.frozen_for is not None), default=0)
            return now + max(0, Fraction(2 * p.pause_bound - p.granularity, 2) - frozen)
        if name in _NOW:
            return now
        if name == "host_boot_vms":
            return now + _between(rng, *pace.boot)
        if name == "vm_clock_resync":
            return now + _between(rng, 0, p.resync_latency)
        if name == "platform_complete_event":
            return now + _between(rng, *pace.complete)
        if ACTION_INFO[name].fair:
            return now
        return None

    # ------------------------------------------------------------------ queries

    def frozen_vms(self) -> tuple[int, ...]:
        return tuple(i for i, v in enumerate(self.state.vms) if v.status == FROZEN)

    def finished(self) -> bool:
        """The rollout is complete (auto), or every scenario step was taken."""
        if self.mode == SCENARIO:
            return not self.script
        return self.spec.rollout_complete(self.state)


def _ceil(t: Fraction) -> int:
    return -(-t.numerator // t.denominator)


def _between(rng: random.Random, lo: Fraction | int, hi: Fraction | int) -> Fraction:
    """A time in [lo, hi], in whole milliseconds."""
    a, b = _ceil(Fraction(lo) * 1000), int(Fraction(hi) * 1000)
    return Fraction(rng.randint(a, max(a, b)), 1000)


def _show(t: Fraction) -> str:
    return str(float(t)) if t.denominator != 1 else str(t.numerator)


def run_until_done(platform: Platform, horizon: Fraction = Fraction(10**7)) -> None:
    """Advance a platform without clients until nothing more happens or `horizon` (for validation
    and tests); raises `Stuck` if it cannot go on before its work is done."""
    while not platform.finished() and platform.stuck is None:
        stop = platform.next_stop()
        if stop is None or stop > horizon:
            break
        platform.advance_to(stop)
    if platform.stuck is not None:
        raise Stuck(platform.stuck)
