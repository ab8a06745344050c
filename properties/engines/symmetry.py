"""Symmetry reduction by canonical form: interchangeable hosts, VMs and slices.

The model treats hosts, VMs and slice units only through the state and through
`Spec.slice_of` (per event type: a Freeze by the profile's slice, a Reboot or Redeploy by
update domain), so renaming them consistently maps runs to runs and keeps every property
verdict (R0-R20 speak of "some VM", "some host", "two slices").  The units permuted are
the update domains when the freeze slice is the update domain or the VM (a bijection of
VMs keeps "the same VM"); under the fault-domain freeze slice they are the (update domain,
fault domain) pairs, each kept in place, so that both partitions are preserved.
A permutation is a symmetry when it

- permutes hosts freely (unless `allow_redeploy`, whose target is "the first patched
  host" in topology order: then hosts keep their places; under `live_migration`, which
  also picks the first VM of a set on a host, no permutation is used at all),
- maps each slice unit to a unit of the same size, units of one availability set to units
  of one availability set of the same shape, and
- maps each VM slot of a unit to a VM slot of the image unit.

`Symmetry.canonical(s)` picks one such permutation by *sorting* (never by enumerating the
group): VMs are ranked by a signature of what they hold, units and sets by the sorted
signatures of their VMs, hosts by their state and the (renamed) VMs and events they
carry.  Ties between different VMs leave the original order, which only costs some
reduction; the result is always the image of `s` under a symmetry, so merging states
with the same canonical form is sound.  EventIds name their host (``h0#2``) and are
renamed with it, and the document is re-sorted by EventId as the model keeps it.

All this assumes the spec treats interchangeable hosts, VMs and slices alike, as the
reference model does.  A subclass may not (a mutant that moves VMs to host ``(h+1) % n``),
so the explorer reduces a subclass only when it declares itself symmetric
(`declared_symmetric`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import itemgetter

from vmspec.model import Spec, State
from vmspec.model.state import Event, VMState
from vmspec.properties.engines.encoding import _Shared, layout

__all__ = ["Symmetry", "declared_symmetric"]


def declared_symmetric(spec: Spec) -> bool:
    """Whether merging symmetric states is sound for `spec`: the reference model treats
    interchangeable hosts, VMs and slices alike; a subclass (a mutant, a variant) may pick a
    host or a VM by its index, so it is reduced only if its own class declares
    ``symmetric = True`` (inherited declarations do not count: an override may break it)."""
    cls = type(spec)
    return cls is Spec or cls.__dict__.get("symmetric") is True


_layout = layout  # where the renamed fields sit in an encoding
_RECOVERING = [f.name for f in fields(State)].index("recovering")  # the recovery gaps, renamed with their sets (R21)


def _opt(x: int | None) -> tuple:
    """An optional number as a sortable pair (None first)."""
    return (False, 0) if x is None else (True, x)


def _approver_kind(e: Event) -> int:
    """How an event was approved, renaming aside: not at all (0), by a VM (1), from outside (2)."""
    return 0 if e.approved_by is None else 1 if e.approved_by >= 0 else 2


def _mapped(approver: int | None, perm_v: list[int]) -> int | None:
    """An approver (R28) under the VM renaming `perm_v`: a VM is renamed, OUTSIDE and None stay."""
    return perm_v[approver] if approver is not None and approver >= 0 else approver


@dataclass
class Symmetry:
    """The canonical-form function of one spec's symmetry group."""

    spec: Spec
    hosts_free: bool = True  # may hosts be permuted (False under allow_redeploy)
    _units: list = field(default_factory=list)  # per set: {unit: [VM slots, ascending]}
    _set_shape: list = field(default_factory=list)  # per set: sorted unit sizes
    _ids: dict = field(default_factory=dict)  # EventId -> (host index, suffix) or None
    _memo: dict = field(default_factory=dict)  # state -> its canonical form (a search meets most states twice)
    _keys: dict = field(default_factory=dict)  # encoded state -> encoded canonical form (`key`)
    _shared: dict = field(default_factory=_Shared)  # one tuple per distinct renamed VM or event
    _vm_local: dict = field(default_factory=dict)  # VM -> the part of its signature it holds itself

    @classmethod
    def of(cls, spec: Spec) -> Symmetry:
        sym = cls(spec, hosts_free=not spec.params.allow_redeploy)
        by_ud = spec.slice_of["Reboot"]
        if len({v.spot for v in spec.topology.vms}) > 1:  # R36: a Spot VM and a regular one never swap
            sym.hosts_free = False
            sym._units = [{0: [i]} for i in range(len(spec.vm_names))]
            sym._set_shape = [("fixed", i) for i in range(len(spec.vm_names))]  # every VM in place
            return sym
        if spec.params.freeze_slice == "fault_domain":
            groups: dict[tuple, list[int]] = {}
            for i, ((a, ud), (_, fd)) in enumerate(zip(by_ud, spec.slice_of["Freeze"])):
                groups.setdefault((a, ud, fd), []).append(i)
            sym._units = [{0: slots} for slots in groups.values()]
            sym._set_shape = [("fixed", g) for g in range(len(groups))]  # no two groups swap
            return sym
        n_sets = len(spec.topology.availability_sets)
        sym._units = [{} for _ in range(n_sets)]
        for i, (a, unit) in enumerate(by_ud):
            sym._units[a].setdefault(unit, []).append(i)
        # a scale set (R37) is never swapped with an availability set of the same shape
        sym._set_shape = [(tuple(sorted(len(v) for v in units.values())), a.scale_set)
                          for units, a in zip(sym._units, spec.topology.availability_sets)]
        return sym

    @property
    def trivial(self) -> bool:
        """True when no non-identity permutation exists (every unit and host unique)."""
        units_swap = any(
            len(slots) > 1 or sum(1 for s in units.values() if len(s) == len(slots)) > 1
            for units in self._units
            for slots in units.values()
        )
        if len({v.spot for v in self.spec.topology.vms}) > 1:
            return True  # R36: only a Spot VM is preempted, so a Spot VM and a regular one never swap (D25)
        if self.spec.params.live_migration:
            return True  # R27: a live migration names the first VM of each set on a host (by index) and
            # moves it to the first host the rules allow: no renaming of VMs or hosts is a symmetry
        return not units_swap and (not self.hosts_free or len(self.spec.host_names) < 2)

    # ------------------------------------------------------------------ EventId renaming

    def _split_id(self, event_id: str) -> tuple[int, str] | None:
        """(host index, suffix) of an EventId ``<host>#<suffix>``; None if it names no host."""
        hit = self._ids.get(event_id, False)
        if hit is not False:
            return hit
        best = None
        for h, name in enumerate(self.spec.host_names):
            prefix = name + "#"
            if event_id.startswith(prefix) and (best is None or len(prefix) > len(self.spec.host_names[best[0]]) + 1):
                best = (h, event_id[len(prefix):])
        self._ids[event_id] = best
        return best

    # ------------------------------------------------------------------ canonical form

    def canonical(self, s: State) -> State:
        """The image of `s` under the symmetry chosen by sorting (see the module header),
        computed once per distinct state."""
        c = self._memo.get(s)
        if c is None:
            c = self._memo[s] = self._canonical(s)
        return c

    def key(self, s: State, encoded: tuple) -> tuple:
        """The encoding (`vmspec.properties.engines.encoding`) of the canonical form of `s`,
        given the encoding of `s` itself: what the explorer indexes states by, computed once
        per distinct state and memoised on the cheap-to-hash encoding.  Built from `encoded`
        directly (every field copied, the renamed ones replaced): the same value as
        ``encode(self.canonical(s))`` without building the canonical `State`."""
        k = self._keys.get(encoded)
        if k is None:
            k = self._keys[encoded] = self._canonical_key(s, encoded)
        return k

    def _canonical(self, s: State) -> State:
        if self.spec.params.live_migration:
            return s  # no symmetry under live migration (see `trivial`)
        renaming = self._renaming(s)
        if renaming is None:
            return s
        return self._apply(s, *renaming)

    def _canonical_key(self, s: State, encoded: tuple) -> tuple:
        renaming = self._renaming(s)
        if renaming is None:
            return encoded
        perm_v, order, perm_h = renaming
        lay = _layout()
        names = self.spec.host_names
        split = self._split_id
        share = self._shared.__getitem__
        out = list(encoded)
        out[lay.hosts] = tuple(encoded[lay.hosts][old] for old in order)
        vms: list = [None] * len(s.vms)
        vm_host = lay.vm_host
        for i, (v, code) in enumerate(zip(s.vms, encoded[lay.vms])):
            h = perm_h[v.host]
            if h != v.host:
                code = list(code)
                code[vm_host] = h
                code = share(tuple(code))
            vms[perm_v[i]] = code
        out[lay.vms] = tuple(vms)
        events = []
        ev_id, ev_host, ev_res = lay.event_id, lay.event_host, lay.event_resources
        for e, code in zip(s.events, encoded[lay.events]):
            h, suffix = split(e.event_id)  # type: ignore[misc]
            nh = perm_h[h]
            code = list(code)
            code[ev_id], code[ev_host] = f"{names[nh]}#{suffix}", nh
            code[ev_res] = tuple(sorted([perm_v[i] for i in e.resources]))
            if e.approved_by is not None:
                code[lay.event_approved_by] = _mapped(e.approved_by, perm_v)
            if e.tenants_approved:
                code[lay.event_tenants] = self._tenants(e, perm_v)
            events.append(share(tuple(code)))
        events.sort(key=itemgetter(ev_id))
        out[lay.events] = tuple(events)
        if any(s.recovering):
            out[_RECOVERING] = self._recovering(s, perm_v)
        out[lay.removed] = frozenset(
            f"{names[perm_h[h]]}#{suffix}" for h, suffix in (split(x) for x in s.removed)  # type: ignore[misc]
        )
        return tuple(out)

    def _renaming(self, s: State) -> tuple[list[int], list[int], list[int]] | None:
        """(new index of each VM, old host of each new host index, new index of each host),
        or None when an EventId does not name its host (no renaming is safe)."""
        split = self._split_id
        ev_host: dict[int, list] = {}
        for e in s.events:
            parts = split(e.event_id)
            if parts is None or parts[0] != e.host:
                return None  # an EventId that does not name its host: no renaming is safe
            if e.also_hosts:
                return None  # an event of several hosts (R30): left as it is (decisions D17)
            ev_host.setdefault(e.host, []).append(
                (parts[1], e.event_type, e.status, _opt(e.not_before_in), e.notice, e.duration, e.approved, len(e.resources),
                 e.source,
                 _approver_kind(e))
            )
        gone: dict[int, list] = {}
        for eid in s.removed:
            parts = split(eid)
            if parts is None:
                return None
            gone.setdefault(parts[0], []).append(parts[1])
        hosts_free = self.hosts_free
        host_local = []
        for h, x in enumerate(s.hosts):
            evs, rem = ev_host.get(h), gone.get(h)
            key = (x.patched, x.needs_reboot, x.phase, x.rounds, tuple(sorted(evs)) if evs else (),
                   tuple(sorted(rem)) if rem else ())
            host_local.append(key if hosts_free else (h, key))
        resource_of: dict[int, list] = {}
        approved_of: dict[int, list] = {}  # R28: the events each VM approved
        for e in s.events:
            for i in e.resources:
                resource_of.setdefault(i, []).append(host_local[e.host])
            if e.approved_by is not None and e.approved_by >= 0:
                approved_of.setdefault(e.approved_by, []).append((0, host_local[e.host]))
            for i in e.resources:  # R29: the tenants that approved, seen from each VM of theirs
                if self.spec.vm_aset[i] in e.tenants_approved:
                    approved_of.setdefault(i, []).append((1, host_local[e.host]))
        load = [0] * len(s.hosts)
        for v in s.vms:
            load[v.host] += 1
        vkey = []
        local_of = self._vm_local
        gap_key, gaps = self._gap_key, any(s.recovering)
        for i, v in enumerate(s.vms):
            res = resource_of.get(i)
            local = local_of.get(v)
            if local is None:
                local = local_of[v] = (v.status, v.memory, _opt(v.snapshot), _opt(v.frozen_for), v.clock_lag,
                                       _opt(v.unsynced_for))
            ap = approved_of.get(i)
            vkey.append((*local, host_local[v.host], load[v.host], tuple(sorted(res)) if res else (),
                         gap_key(s, i) if gaps else (),
                         tuple(sorted(ap)) if ap else ()))
        perm_v = self._vm_permutation(vkey)
        order, perm_h = self._host_order(s, perm_v, host_local)
        return perm_v, order, perm_h

    def _plan(self) -> list:
        """What `_vm_permutation` needs of the topology, computed once: per group of sets of
        one shape, (the sets, per set its slot lists, and per destination set and unit size
        the source units and the destination units, sorted)."""
        plan = getattr(self, "_plan_cache", None)
        if plan is None:
            by_shape: dict[tuple, list[int]] = {}
            for a, shape in enumerate(self._set_shape):
                by_shape.setdefault(shape, []).append(a)
            plan = []
            for sets in by_shape.values():
                sizes = {}
                for a in sets:
                    by_size: dict[int, list] = {}
                    for u, slots in self._units[a].items():
                        by_size.setdefault(len(slots), []).append(u)
                    sizes[a] = by_size
                plan.append((sets, sizes))
            object.__setattr__(self, "_plan_cache", plan)
        return plan

    def _gap_key(self, s: State, i: int) -> tuple:
        """What VM `i` tells of its set's recovery gap (R21): seconds left, and whether its
        update domain is the one recovering."""
        a, (_, ud) = self.spec.slice_of["Reboot"][i]
        gap = s.recovering[a] if a < len(s.recovering) else None
        return (False, 0, False) if gap is None else (True, gap[1], gap[0] == ud)

    def _vm_permutation(self, vkey: list) -> list[int]:
        """new index of each VM slot: sets, then units, then VMs ordered by signature."""
        perm = [0] * len(vkey)
        units_of = self._units
        set_keys = []
        for units in units_of:
            ukeys = {u: tuple(sorted([vkey[i] for i in slots])) for u, slots in units.items()}
            set_keys.append((tuple(sorted(ukeys.values())), ukeys))
        for sets, sizes in self._plan():
            order = sorted(sets, key=lambda a: (set_keys[a][0], a)) if len(sets) > 1 else sets
            for src, dst in zip(order, sets):
                ukeys, src_units, dst_units = set_keys[src][1], units_of[src], units_of[dst]
                src_by_size = sizes[src]
                for size, dst_list in sizes[dst].items():
                    srcs = sorted(src_by_size[size], key=lambda u: (ukeys[u], u))
                    for su, du in zip(srcs, sorted(dst_list)):
                        slots = src_units[su]
                        vms = sorted(slots, key=lambda i: (vkey[i], i)) if len(slots) > 1 else slots
                        for i, j in zip(vms, dst_units[du]):
                            perm[i] = j
        return perm

    def _host_order(self, s: State, perm_v: list[int], host_local: list) -> tuple[list[int], list[int]]:
        """Hosts sorted by what they hold once VMs are renamed by `perm_v`: (old host of each
        new index, new index of each old host)."""
        nh = len(s.hosts)
        if not self.hosts_free:
            return list(range(nh)), list(range(nh))
        on_host: list[list[int]] = [[] for _ in range(nh)]
        for i, v in enumerate(s.vms):
            on_host[v.host].append(perm_v[i])
        ev_of: dict[int, list] = {}
        for e in s.events:
            suffix = self._split_id(e.event_id)[1]  # type: ignore[index]
            ev_of.setdefault(e.host, []).append(
                (suffix, e.event_type, e.status, _opt(e.not_before_in), e.notice, e.duration, e.approved,
                 tuple(sorted([perm_v[i] for i in e.resources])), e.source,
                 _opt(_mapped(e.approved_by, perm_v)), self._tenants(e, perm_v))
            )
        hkey = []
        for h in range(nh):
            evs, here = ev_of.get(h), on_host[h]
            here.sort()
            hkey.append((host_local[h], tuple(here), tuple(sorted(evs)) if evs else ()))
        order = sorted(range(nh), key=lambda h: (hkey[h], h))
        perm_h = [0] * nh
        for new, old in enumerate(order):
            perm_h[old] = new
        return order, perm_h

    def _tenants(self, e: Event, perm_v: list[int]) -> tuple[int, ...]:
        """The tenants (availability sets) that approved `e` (R29), renamed as its VMs are."""
        if not e.tenants_approved:
            return ()
        aset = self.spec.vm_aset
        renamed = {aset[i]: aset[perm_v[i]] for i in e.resources}
        return tuple(sorted(renamed.get(a, a) for a in e.tenants_approved))

    def _apply(self, s: State, perm_v: list[int], order: list[int], perm_h: list[int]) -> State:
        """Rename VMs by `perm_v` and hosts by `perm_h`, and rebuild `s`."""
        names = self.spec.host_names
        hosts = tuple(s.hosts[old] for old in order)
        vms: list = [None] * len(s.vms)
        for i, v in enumerate(s.vms):
            vms[perm_v[i]] = v if perm_h[v.host] == v.host else VMState(
                v.status, perm_h[v.host], v.memory, v.snapshot, v.frozen_for, v.clock_lag, v.unsynced_for
            )
        events = []
        for e in s.events:
            h, suffix = self._split_id(e.event_id)  # type: ignore[misc]
            nh_ = perm_h[h]
            events.append(Event(
                f"{names[nh_]}#{suffix}", e.event_type, nh_, tuple(sorted(perm_v[i] for i in e.resources)),
                e.status, e.not_before_in, e.notice, e.duration, e.approved, e.source,
                _mapped(e.approved_by, perm_v), self._tenants(e, perm_v),
            ))
        events.sort(key=lambda e: e.event_id)
        removed = frozenset(
            f"{names[perm_h[h]]}#{suffix}" for h, suffix in (self._split_id(x) for x in s.removed)  # type: ignore[misc]
        )
        return State(hosts, tuple(vms), tuple(events), s.incarnation, removed, self._recovering(s, perm_v))

    def _recovering(self, s: State, perm_v: list[int]) -> tuple[tuple[int, int] | None, ...]:
        """The recovery gaps renamed with the VMs: a set's gap goes to the set its VMs go to,
        naming the update domain its recovering VMs go to (units map to whole units)."""
        if not any(s.recovering):
            return s.recovering
        by_ud = self.spec.slice_of["Reboot"]
        out: list[tuple[int, int] | None] = [None] * len(s.recovering)
        for i, (a, (_, ud)) in enumerate(by_ud):
            gap = s.recovering[a]
            if gap is not None and gap[0] == ud:
                b, (_, ud2) = by_ud[perm_v[i]]
                out[b] = (ud2, gap[1])
        return tuple(out)
