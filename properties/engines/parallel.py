"""The exhaustive search on several cores: `explore(..., jobs=N)`, `vmspec explore --jobs N`.

The states are partitioned by the hash of their index key (the compact encoding of the state,
or of its canonical form under symmetry) across N forked worker processes; each worker owns
the states whose key falls to it, and expands them.  The search is breadth-first, synchronised
after each chunk of the queue (a whole breadth-first level, or near `max_states` the part of one
the bound may still take), and it reproduces the sequential search exactly:

1. *expand*: each worker computes the successors of the states it owns in the chunk, checks
   every transition property on them, and sends each successor (its key, its concrete
   encoding, and its position: the index of the parent and the successor's place among the
   parent's successors) to the successor's owner;
2. *accept*: each owner keeps, for every key it has never seen, the message with the smallest
   position: the sequential search meets a state first from exactly that parent, at exactly
   that place;
3. *number*: the coordinating process merges the owners' new states by position, which is the
   order the sequential search appends them in, and gives each its index; each owner then
   decodes its new states and checks the state properties on them in that order.

So indices, parents, depths, state and transition counts, the first violation of each property
(the smallest position) and therefore every shortest counterexample are the sequential
search's.  A `max_states` or `stop_when` cut is applied where the sequential search would
stop: at the first parent before whose expansion the bound is reached.  The workers then send
back the graph (successor indices, steps, the obligations pending in each state, the concrete
encodings) and the coordinating process runs the same liveness pass as the sequential search
over it, decoding only the states a counterexample or a candidate cycle needs.

Each successor crosses a process boundary as a marshalled tuple and is looked up again by its
owner, and under symmetry both workers may canonicalise the same concrete state: the search
spends 1.3-1.9x the CPU time of the sequential one, so it pays only where a second core is
otherwise idle, and not on TINY (notes/performance.md has the figures).
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing as mp
import pickle
import signal
import sys
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any

from vmspec.model import ACTION_INFO, Spec, State
from vmspec.properties.catalogue.registry import (
    ALWAYS,
    DEADLOCK,
    EVENTUALLY,
    EVERYTHING,
    REGISTRY,
    SOMETIMES,
    STATE,
    STEP,
    TRANSITION,
    Incremental,
    changed,
)
from vmspec.properties.engines.forked import receive_result, send_result
from vmspec.properties.evidence import counterexample as cx

__all__ = ["parallel_search"]

_SHIFT = 20  # a position is (parent index + 1) << _SHIFT | place among the parent's successors
_PLACE = (1 << _SHIFT) - 1
_MIN_CHUNK = 512  # states expanded between two synchronisations, at least, near max_states


def _position(parent: int, place: int) -> int:
    return (parent + 1) << _SHIFT | place


def _parent_of(position: int) -> int:
    return (position >> _SHIFT) - 1


class _Worker:
    """One worker: the states it owns, those it has still to expand, and what it found."""

    def __init__(self, w: int, n: int, spec: Spec, key: Callable | None) -> None:
        from vmspec.properties.engines.encoding import codec, sharing_codec

        self.w, self.n, self.spec, self.key = w, n, spec, key
        self.enc, self.dec = codec().encode, sharing_codec().decode
        self.index: dict[Any, int] = {}  # key -> global index, for every state owned
        # the states owned and not yet expanded, in index order: (index, state, pending per
        # eventually-property), from `self.next` on
        self.queue: list[tuple[int, State, tuple]] = []
        self.next = 0
        self.owned: list[tuple[int, int, int]] = []  # (index, position, pending id) per owned state
        self.encodings: list[tuple] = []  # the concrete encoding of each owned state
        self.pendings: dict[tuple, int] = {}  # pending tuple -> its id
        self.labels: list[tuple[int, tuple]] = []  # (index, steps) per expanded state, in order
        self.dests = bytearray()  # the owner of each successor sent, in order
        self.resolved: list[list] = [[] for _ in range(n)]  # per source: target index of each message
        self._level_start = [0] * n
        self._new: dict[Any, list] = {}
        self._order: list = []
        self._out_local: list = []  # the messages this worker sends itself, never pickled
        self._seeding = False
        props = REGISTRY
        self.state_inc = Incremental([p for p in props if p.kind == ALWAYS and p.scope == STATE])
        self.sometimes_inc = Incremental([p for p in props if p.kind == SOMETIMES and p.scope == STATE])
        self.trans = [p for p in props if p.kind == ALWAYS and p.scope == TRANSITION]
        self.sometimes_trans = [p for p in props if p.kind == SOMETIMES and p.scope == TRANSITION]
        self.deadlock_props = [p for p in props if p.kind == ALWAYS and p.scope == DEADLOCK]
        self.eventually = [p for p in props if p.kind == EVENTUALLY]
        self.debug = self.state_inc.debug
        self.fair = {name: info.fair for name, info in ACTION_INFO.items()}
        # what this worker found, first occurrence per property (positions only grow)
        self.found: dict[str, tuple] = {}  # name -> (position, message, where)
        self.reached: dict[str, int] = {}
        self.deadlocks: dict[str, int] = {}
        self.stutters: dict[str, int] = {}

    # ---------------------------------------------------------------- the three phases

    def expand(self, upto: int, found: frozenset, reached: frozenset) -> tuple[list, dict]:
        """Expand the states owned with an index below `upto` not yet expanded; send each
        successor to its owner (the messages for each other worker, serialised)."""
        spec, enc, key, n, w = self.spec, self.enc, self.key, self.n, self.w
        out: list[list] = [[] for _ in range(n)]
        dests, labels, debug = self.dests, self.labels, self.debug
        mine_found, mine_reached = self.found, self.reached
        active = [(p.name, p.check, p.reads, p) for p in self.trans if p.name not in found]
        looking = [(p.name, p.check, p.reads, p) for p in self.sometimes_trans if p.name not in reached]
        fair = self.fair
        queue, at = self.queue, self.next
        while at < len(queue) and queue[at][0] < upto:
            i, s, pend = queue[at]
            at += 1
            steps = []
            for k, (st, t) in enumerate(spec.successors(s)):
                e = enc(t)
                ch = changed(s, t)
                if key is None:
                    d = hash(e) % n
                    out[d].append((e, i, k, ch))
                else:
                    kk = key(t, e)
                    d = hash(kk) % n
                    out[d].append((kk, e, i, k, ch))
                dests.append(d)
                steps.append(st)
                mask = ch | STEP
                for name, check, reads, p in active:
                    if name in mine_found:
                        continue
                    if not reads & mask:
                        if debug:
                            p.skipped_wrongly(check(spec, s, st, t))
                        continue
                    msg = check(spec, s, st, t)
                    if msg:
                        mine_found[name] = (_position(i, k), msg, ("transition", e))
                for name, check, reads, p in looking:
                    if name in mine_reached:
                        continue
                    if not reads & mask:
                        if debug:
                            p.skipped_wrongly(check(spec, s, st, t))
                        continue
                    if check(spec, s, st, t):
                        mine_reached[name] = _position(i, k)
            labels.append((i, tuple(steps)))
            if not steps:
                for p in self.deadlock_props:
                    if p.name not in found and p.name not in mine_found:
                        msg = p.check(spec, s, 0)
                        if msg:
                            mine_found[p.name] = (_position(i, _PLACE), msg, ("deadlock", i))
                for p, pd in zip(self.eventually, pend):
                    if pd and p.name not in self.deadlocks:
                        self.deadlocks[p.name] = i
            elif not any(fair[st.name] for st in steps):
                for p, pd in zip(self.eventually, pend):
                    if pd and p.name not in self.stutters:
                        self.stutters[p.name] = i
        if at > 4096 and at * 2 > len(queue):  # let the expanded states go
            del queue[:at]
            at = 0
        self.next = at
        self._out_local = out[w]
        return [_dumps(out[d]) if d != w else b"" for d in range(n)], self.findings()

    def accept(self, incoming: list[bytes]) -> bytes:
        """Messages from every source (this worker's own kept unpickled): the new keys, each
        with its smallest position; returns their positions, sorted."""
        index, new = self.index, {}
        for src in range(self.n):
            msgs = self._out_local if src == self.w else _loads(incoming[src]) if incoming[src] else []
            res = self.resolved[src]
            self._level_start[src] = len(res)
            append = res.append
            for m in msgs:
                kk = m[0]
                j = index.get(kk)
                if j is not None:
                    append(j)
                    continue
                if self.key is None:
                    pos, e, mask = _position(m[1], m[2]), kk, m[3]
                else:
                    pos, e, mask = _position(m[2], m[3]), m[1], m[4]
                cur = new.get(kk)
                if cur is None:
                    new[kk] = [pos, e, mask]
                elif pos < cur[0]:
                    cur[0], cur[1], cur[2] = pos, e, mask
                append(kk)
        self._out_local = []
        self._new = new
        self._order = sorted(new, key=lambda kk: new[kk][0])
        return array("q", [new[kk][0] for kk in self._order]).tobytes()

    def number(self, ranks: bytes, found: frozenset, reached: frozenset) -> dict:
        """Give the new states their indices (`ranks`, ascending; the states past a cut get
        none), check the state properties on each, and queue them for expansion."""
        spec, dec, index, new = self.spec, self.dec, self.index, self._new
        idx = array("q")
        idx.frombytes(ranks)
        debug = self.debug
        mine_found, mine_reached = self.found, self.reached
        queue = self.queue
        for j, kk in zip(idx, self._order):
            index[kk] = j
            pos, e, mask = new[kk]
            t = dec(e)
            due, skipped = self.state_inc.split(mask)
            for p in due:
                if p.name not in found and p.name not in mine_found:
                    msg = p.check(spec, t)
                    if msg:
                        mine_found[p.name] = (pos, msg, ("state", j))
            if debug:
                for p in skipped:
                    if p.name not in found and p.name not in mine_found:
                        p.skipped_wrongly(p.check(spec, t))
            due, skipped = self.sometimes_inc.split(mask)
            for p in due:
                if p.name not in reached and p.name not in mine_reached and p.check(spec, t):
                    mine_reached[p.name] = pos
            if debug:
                for p in skipped:
                    if p.name not in reached and p.name not in mine_reached:
                        p.skipped_wrongly(p.check(spec, t))
            pend = tuple(p.check(spec, t) for p in self.eventually)
            pid = self.pendings.setdefault(pend, len(self.pendings))
            self.owned.append((j, pos, pid))
            self.encodings.append(e)
            queue.append((j, t, pend))
        for src in range(self.n):  # this level's messages now all name an index (-1: past a cut)
            res, start = self.resolved[src], self._level_start[src]
            res[start:] = [x if type(x) is int else index.get(x, -1) for x in res[start:]]
        if self._seeding:  # the initial state is the target of no transition
            self.resolved = [[] for _ in range(self.n)]
            self._seeding = False
        self._new, self._order = {}, []
        return self.findings()

    def findings(self) -> dict:
        return {"found": dict(self.found), "reached": dict(self.reached)}

    # ---------------------------------------------------------------- the end: the graph

    def graph_part(self, kept: int) -> tuple:
        """The states owned with an index below `kept`: (indices, positions, pending ids,
        encodings), the pending table, the target index of every message received per
        source (for the expanding workers), and the first deadlock and stutter per
        eventually-property."""
        rows = [(r, e) for r, e in zip(self.owned, self.encodings) if r[0] < kept]
        table = [()] * len(self.pendings)
        for pend, pid in self.pendings.items():
            table[pid] = pend
        return (array("q", [r[0] for r, _ in rows]).tobytes(), array("q", [r[1] for r, _ in rows]).tobytes(),
                array("q", [r[2] for r, _ in rows]).tobytes(),
                pickle.dumps([e for _, e in rows], pickle.HIGHEST_PROTOCOL),
                table, [array("q", r).tobytes() for r in self.resolved], dict(self.deadlocks), dict(self.stutters))

    def cpu(self) -> float:
        """The CPU seconds this worker has spent."""
        return time.process_time()

    def seed(self, msgs: list) -> None:
        """The initial state, sent to its owner as if it were a successor (of no transition)."""
        self._out_local = msgs
        self._seeding = True

    def successors_part(self, cut: int, targets_from: list[bytes]) -> bytes:
        """The successor indices and steps of every state this worker expanded below `cut`."""
        its = []
        for b in targets_from:
            a = array("q")
            a.frombytes(b)
            its.append(iter(a))
        dests = iter(self.dests)
        out = []
        for i, steps in self.labels:
            targets = tuple(next(its[next(dests)]) for _ in steps)
            if i < cut:
                out.append((i, targets, steps))
        return pickle.dumps(out, pickle.HIGHEST_PROTOCOL)


def _dumps(msgs: list) -> bytes:
    """Messages as bytes: `marshal` (plain tuples, numbers, strings and frozensets, several
    times faster than pickle), or pickle for a value marshal refuses."""
    try:
        return b"m" + marshal.dumps(msgs)
    except ValueError:
        return b"p" + pickle.dumps(msgs, pickle.HIGHEST_PROTOCOL)


def _loads(b: bytes) -> list:
    return marshal.loads(memoryview(b)[1:]) if b[:1] == b"m" else pickle.loads(memoryview(b)[1:])


def _serve(w: int, n: int, spec: Spec, key: Callable | None, conn: Any) -> None:
    """A worker's loop: run each command the coordinator sends, reply with its result (or the
    exception it raised)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator handles Ctrl-C and ends the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.disable()
    worker = _Worker(w, n, spec, key)
    while True:
        try:
            cmd, args = conn.recv()
        except EOFError:
            return
        if cmd == "stop":
            return
        send_result(conn, f"explore worker {w}: {cmd}", getattr(worker, cmd), *args)


class _Pool:
    """The forked workers, each behind one pipe."""

    def __init__(self, n: int, spec: Spec, key: Callable | None) -> None:
        ctx = mp.get_context("fork")
        self.conns, self.procs = [], []
        sys.stdout.flush()
        sys.stderr.flush()
        for w in range(n):
            here, there = ctx.Pipe()
            p = ctx.Process(target=_serve, args=(w, n, spec, key, there), daemon=True)
            p.start()
            there.close()
            self.conns.append(here)
            self.procs.append(p)

    def call(self, cmd: str, per_worker: Sequence[tuple]) -> list:
        for conn, args in zip(self.conns, per_worker):
            conn.send((cmd, args))
        return [receive_result(conn, f"explore worker {w}", self.procs[w]) for w, conn in enumerate(self.conns)]

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop", ()))
            except OSError:
                pass
            conn.close()
        for p in self.procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
                p.join()


class _Lazy(Sequence):
    """The states of a parallel search, decoded from their encodings when asked for."""

    def __init__(self, encodings: list, decode: Callable[[tuple], State]) -> None:
        self._encodings, self._decode = encodings, decode
        self._cache: dict[int, State] = {}

    def __len__(self) -> int:
        return len(self._encodings)

    def __getitem__(self, i):  # type: ignore[override]
        s = self._cache.get(i)
        if s is None:
            s = self._cache[i] = self._decode(self._encodings[i])
        return s


def parallel_search(search: Any, jobs: int, max_states: int | None,
                    progress: Callable[[int, int], None] | None, stop_when: frozenset[str]) -> bool:
    """Run `search` (a fresh `explore._Search`) on `jobs` worker processes and fill it as the
    sequential `_Search.run` would; True when the search is complete."""
    from vmspec.properties.engines.encoding import codec

    spec, key = search.spec, search.key
    enc = codec().encode
    s0 = spec.initial_state()
    e0 = enc(s0)
    k0 = key(s0, e0) if key is not None else e0
    first_of: dict[str, tuple] = {}  # property -> (position, message, where) of its first violation
    reached_at: dict[str, int] = {}  # sometimes-property -> the position where it was first reached
    pool = _Pool(jobs, spec, key)
    try:
        owner = hash(k0) % jobs  # the initial state goes to its owner like any successor
        seed = (k0, -1, 0, EVERYTHING) if key is None else (k0, e0, -1, 0, EVERYTHING)
        pool.call("seed", [([seed] if w == owner else [],) for w in range(jobs)])
        empty = [b""] * jobs
        merged = _ranked(pool.call("accept", [(empty,)] * jobs))
        _number(pool, first_of, reached_at, merged, 0, len(merged), jobs)
        at, hi = 0, len(merged)  # the next state to expand; the states numbered so far
        complete, cut = True, None
        while at < hi:
            # the sequential search checks its bounds before expanding each state
            if max_states is not None and hi >= max_states or _stop_cut(first_of, stop_when) is not None:
                complete, cut = False, at
                break
            if progress is not None:
                progress(hi, hi - at)
            # a chunk of the queue: all of it, or, near max_states, about as many states as
            # may still be added (so that little is expanded past the bound, then dropped)
            upto = hi if max_states is None else min(hi, at + max(_MIN_CHUNK, max_states - hi))
            replies = pool.call("expand", [(upto, frozenset(first_of), frozenset(reached_at))] * jobs)
            _merge(first_of, reached_at, [r[1] for r in replies])
            merged = _ranked(pool.call("accept", [([r[0][w] for r in replies],) for w in range(jobs)]))
            kept_new = len(merged)
            if max_states is not None and hi + kept_new >= max_states:
                # the first parent before whose expansion max_states is reached is not expanded
                cut = _parent_of(merged[max_states - hi - 1][0]) + 1
                kept_new = _kept(merged, cut)
            _number(pool, first_of, reached_at, merged, hi, kept_new, jobs)
            stop = _stop_cut(first_of, stop_when)
            if stop is not None and stop < (upto if cut is None else cut):
                cut = stop
                kept_new = _kept(merged, cut)
            hi += kept_new
            if cut is not None and cut < upto:  # the search stops within this chunk
                complete = False
                break
            cut, at = None, upto
        if cut is None:
            cut = hi
        _assemble(search, pool, jobs, hi, cut, first_of, reached_at)
        search.worker_cpu_s = tuple(round(x, 3) for x in pool.call("cpu", [()] * jobs))
    finally:
        pool.close()
    return complete


def _kept(merged: list[tuple[int, int]], cut: int) -> int:
    """How many of the new states (merged by position) were met by a parent before `cut`."""
    return bisect_left(merged, (_position(cut, 0), -1))


def _number(pool: _Pool, first_of: dict, reached_at: dict, merged: list[tuple[int, int]], base: int,
            kept: int, jobs: int) -> None:
    """Give the first `kept` new states (in the sequential order) the indices from `base`."""
    per_owner = [array("q") for _ in range(jobs)]
    for r in range(kept):
        per_owner[merged[r][1]].append(base + r)
    found, reached = frozenset(first_of), frozenset(reached_at)
    _merge(first_of, reached_at, pool.call("number", [(a.tobytes(), found, reached) for a in per_owner]))


def _ranked(replies: list[bytes]) -> list[tuple[int, int]]:
    """The owners' new states merged by position: [(position, owner)], the sequential order."""
    out = []
    for w, b in enumerate(replies):
        a = array("q")
        a.frombytes(b)
        out.extend([(pos, w) for pos in a])
    out.sort()
    return out


def _stop_cut(first_of: dict[str, tuple], stop_when: frozenset[str]) -> int | None:
    """The first parent the sequential search does not expand because every property of
    `stop_when` is violated by then; None while one is not."""
    if not stop_when or not stop_when <= first_of.keys():
        return None
    return max(_parent_of(first_of[name][0]) for name in stop_when) + 1


def _merge(first_of: dict, reached_at: dict, replies: list[dict]) -> None:
    """Keep the first finding (smallest position) of each property over the workers' replies."""
    for rep in replies:
        for name, found in rep["found"].items():
            if name not in first_of or found[0] < first_of[name][0]:
                first_of[name] = found
        for name, pos in rep["reached"].items():
            if name not in reached_at or pos < reached_at[name]:
                reached_at[name] = pos


def _assemble(search: Any, pool: _Pool, jobs: int, kept: int, cut: int, first_of: dict, reached_at: dict) -> None:
    """Fill `search` with the graph of the `kept` states, `cut` of them expanded, and what
    the workers found there, as the sequential search leaves it."""
    from vmspec.properties.engines.encoding import codec

    dec = codec().decode
    parts = pool.call("graph_part", [(kept,)] * jobs)
    encodings: list = [None] * kept
    parent = [-1] * kept
    place = [0] * kept
    pending_of: list = [None] * kept
    interned: dict[frozenset, frozenset] = {}
    for idx_b, pos_b, pid_b, encs_b, table, _, _, _ in parts:
        idx, pos, pid = array("q"), array("q"), array("q")
        idx.frombytes(idx_b)
        pos.frombytes(pos_b)
        pid.frombytes(pid_b)
        table = [tuple(interned.setdefault(x, x) for x in pend) for pend in table]
        for j, p, q, e in zip(idx, pos, pid, pickle.loads(encs_b)):
            encodings[j] = e
            parent[j] = _parent_of(p)
            place[j] = p & _PLACE
            pending_of[j] = table[q]
    replies = pool.call("successors_part", [(cut, [parts[w][5][s] for w in range(jobs)]) for s in range(jobs)])
    succ: list = [()] * cut
    labels: list = [()] * cut
    for b in replies:
        for i, targets, steps in pickle.loads(b):
            succ[i], labels[i] = targets, steps
    via: list = [None] * kept
    depth = [0] * kept
    for j in range(1, kept):
        p = parent[j]
        via[j] = labels[p][place[j]]
        depth[j] = depth[p] + 1
    search.by_encoding = True
    search.states = _Lazy(encodings, dec)
    search.keys = encodings if search.key is None else _LazyKeys(search.states, encodings, search.key)
    search.parent, search.via, search.depth, search.succ, search.labels = parent, via, depth, succ, labels
    search.transitions = sum(map(len, succ))
    for q, name in enumerate(search.pending):
        search.pending[name] = [pend[q] for pend in pending_of]
    for attr, at in ((search.deadlocks, 6), (search.stutters, 7)):
        for part in parts:
            for name, i in part[at].items():
                if i < cut and (name not in attr or i < attr[name]):
                    attr[name] = i
    search.reached.update(name for name, pos in reached_at.items() if _parent_of(pos) < cut)
    for name, (pos, msg, where) in sorted(first_of.items(), key=lambda item: item[1][0]):
        if _parent_of(pos) >= cut:
            continue
        what, x = where
        if what == "state":
            search.report(name, search.path_to(x), msg)
        elif what == "transition":
            i, k = _parent_of(pos), pos & _PLACE
            search.report(name, search.path_to(i) + [(labels[i][k], dec(x))], msg)
        else:
            search.report(name, search.path_to(x), msg, cx.DEADLOCK_KIND)


class _LazyKeys(Sequence):
    """The index keys (canonical encodings) of a parallel search's states, when asked for."""

    def __init__(self, states: _Lazy, encodings: list, key: Callable) -> None:
        self._states, self._encodings, self._key = states, encodings, key

    def __len__(self) -> int:
        return len(self._encodings)

    def __getitem__(self, i):  # type: ignore[override]
        return self._key(self._states[i], self._encodings[i])
