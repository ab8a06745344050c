"""A maintenance orchestrator that conforms to the specification.

It rolls out one slice of each availability set at a time (a Freeze by the profile's freeze
slice, a Reboot by update domain): a host is announced only when no event of another
slice of its set is in flight, started
once its own NotBefore has passed or an application approved it, frozen, resumed as soon
as the patch is applied (or by the watchdog when one more granule would cross the pause
bound, in which case the update is redone as a Reboot), every lagging guest clock is
resynced, and the event is completed.  Once a rebooted update domain is back, no event of
another update domain of its set starts until the recovery gap has run out (R21).  Under live
migration (R27) a Freeze is announced only while some patched host can take the VMs it names
(the first VM on the host of each set), and the frozen VMs are moved there instead of waiting
for a patch; the host is patched once it carries no VM.  A Preempt of a Spot VM (R36) or a Terminate
of a scale set's VM (R37) is started like any event (a Terminate approved early only once no other
Terminate of its scale set is pending, neither approved nor timed out) and its VM evicted; a VM gone
is on no host.  Use it as ``--vmspec-impl=examples.orchestrators.reference:factory``.
"""

from __future__ import annotations

from fractions import Fraction

from vmspec.model import Params, Topology
from vmspec.properties.conformance import impl
from vmspec.properties.conformance.impl import Observation


class Reference:
    def __init__(self, topology: Topology, params: Params) -> None:
        self.topology, self.params = topology, params
        self.phase = {h.name: "todo" for h in topology.hosts}
        self.frozen_at: dict[str, Fraction] = {}
        self.index = {v.name: i for i, v in enumerate(topology.vms)}
        self.vm = {v.name: v for v in topology.vms}
        self.recovering: dict[str, tuple[int, Fraction]] = {}  # set -> (update domain back, when it was seen back)

    def slice(self, vm: str, event_type: str) -> tuple:
        """(availability set, kind, unit): the slice `vm` counts in under an event of `event_type`."""
        kind, v = self.params.slice_for(event_type), self.vm[vm]
        unit = v.update_domain if kind == "update_domain" else v.fault_domain if kind == "fault_domain" else self.index[vm]
        return (v.availability_set, kind, unit)

    # -- the notice: when may this event start?
    def may_start(self, obs: Observation, event: impl.EventView) -> bool:
        return event.approved or obs.now >= event.not_before

    def slice_free(self, obs: Observation, vms: tuple[str, ...], event_type: str, statuses: tuple[str, ...]) -> bool:
        """No event in `statuses` covers another slice of the availability sets of `vms`."""
        mine = {self.slice(v, event_type) for v in vms}
        sets = {key[0] for key in mine}
        for e in obs.events:
            if e.status in statuses:
                for v in e.resources:
                    key = self.slice(v, e.event_type)
                    if key[0] in sets and key not in mine:
                        return False
        return True

    def gap_free(self, obs: Observation, vms: tuple[str, ...]) -> bool:
        """No VM of `vms` is in another update domain of a set still within its recovery gap (R21)."""
        for v in vms:
            vm = self.vm[v]
            back = self.recovering.get(vm.availability_set)
            if back is not None and back[0] != vm.update_domain and obs.now < back[1] + self.params.gap():
                return False
        return True

    def moving(self, obs: Observation, h: str) -> tuple[str, ...]:
        """The VMs a live migration of `h` names: the first VM on it of each availability set (R27)."""
        first: dict[str, str] = {}
        for v in sorted((v for v in obs.vms.values() if v.host == h), key=lambda v: self.index[v.name]):
            first.setdefault(self.vm[v.name].availability_set, v.name)
        return tuple(first.values())

    def can_take(self, obs: Observation, h: str, vms: tuple[str, ...]) -> bool:
        """Some other host is patched, free of maintenance and of other update domains of their sets (R27)."""
        units = {(self.vm[v].availability_set, self.vm[v].update_domain) for v in vms}
        sets = {a for a, _ in units}
        for k, view in obs.hosts.items():
            if k == h or not view.patched or obs.event_of(k) is not None:
                continue
            here = [v for v in obs.vms.values() if v.host == k and v.status != "gone"]
            if all(v.status == "running" for v in here) and all(
                    (self.vm[v.name].availability_set, self.vm[v.name].update_domain) in units
                    or self.vm[v.name].availability_set not in sets for v in here):
                return True
        return False

    def decide(self, obs: Observation) -> list:
        """The steps of the first host with something to do: one host per call, so each
        decision is taken on an observation that includes the previous ones."""
        for host in self.topology.hosts:
            steps = self.step_host(obs, host.name)
            if steps:
                return steps
        return []

    def eviction(self, obs: Observation, event: impl.EventView) -> list:
        """A Preempt (R36) or Terminate (R37) on a host between maintenances: start it once it may
        start, within the slices and the recovery gap, and evict its VM once Started."""
        if event.status == "Started":
            return [impl.evict(event.host)]
        if not self.may_start(obs, event) or not self.slice_free(obs, event.resources, event.event_type, ("Started",)):
            return []
        if not self.gap_free(obs, event.resources):
            return []
        if event.event_type == "Terminate" and obs.now < event.not_before:  # R37: pending deletes go first
            sets = {self.vm[v].availability_set for v in event.resources}
            for e in obs.events:
                if (e.event_id != event.event_id and e.event_type == "Terminate" and e.status == "Scheduled"
                        and not e.approved and obs.now < e.not_before
                        and sets & {self.vm[v].availability_set for v in e.resources}):
                    return []
        return [impl.start(event.event_id)]

    def step_host(self, obs: Observation, h: str) -> list:
        phase, event = self.phase[h], obs.event_of(h)
        residents = tuple(v.name for v in obs.vms.values() if v.host == h and v.status != "gone")
        if phase == "todo" and event is not None:  # not announced by the orchestrator
            return self.eviction(obs, event) if event.event_type in ("Preempt", "Terminate") else []
        if phase == "todo":
            if obs.hosts[h].patched:
                self.phase[h] = "done"
                return []
            if not residents:
                self.phase[h] = "done"
                return [impl.patch_empty_host(h)]
            event_type = "Reboot" if obs.hosts[h].needs_reboot else "Freeze"
            live = event_type == "Freeze" and self.params.live_migration
            named = self.moving(obs, h) if live else residents
            if live and not self.can_take(obs, h, named):
                return []
            if not self.slice_free(obs, named, event_type, ("Scheduled", "Started")):
                return []
            self.phase[h] = "announced"
            return [impl.announce(h, event_type)]
        if phase == "announced":
            if event is None or not self.may_start(obs, event):
                return []
            if not self.slice_free(obs, event.resources, event.event_type, ("Started",)):
                return []
            if not self.gap_free(obs, event.resources):
                return []
            self.phase[h] = "started"
            return [impl.start(event.event_id)]
        if phase == "started":
            if event.event_type == "Freeze":  # type: ignore[union-attr]
                self.phase[h], self.frozen_at[h] = "frozen", obs.now
                return [impl.freeze(h)]
            self.phase[h] = "rebooting"
            return [impl.reboot(h)]
        if phase == "frozen":
            if self.params.live_migration and self.can_take(obs, h, event.resources):  # type: ignore[union-attr]
                self.phase[h] = "resumed"
                return [impl.live_migrate(h)]
            if obs.hosts[h].patched:
                self.phase[h] = "resumed"
                return [impl.resume(h)]
            if obs.now - self.frozen_at[h] + self.params.granularity > self.params.pause_bound:
                self.phase[h] = "resumed"
                return [impl.watchdog_resume(h)]
            return []
        if phase == "resumed":
            self.phase[h] = "todo"
            lagging = [impl.resync(v) for v in event.resources if obs.vms[v].clock_lag]  # type: ignore[union-attr]
            return lagging + [impl.complete(event.event_id)]  # type: ignore[union-attr]
        if phase == "rebooting":
            if all(obs.vms[v].status == "running" for v in residents):
                for v in residents:  # back from the reboot: the recovery gap begins (R21)
                    self.recovering[self.vm[v].availability_set] = (self.vm[v].update_domain, obs.now)
                self.phase[h] = "todo"
                return [impl.complete(event.event_id)]  # type: ignore[union-attr]
        return []


def factory(topology: Topology, params: Params) -> Reference:
    return Reference(topology, params)
