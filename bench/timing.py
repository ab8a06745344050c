"""Wall-clock and CPU time of one measured block, side by side.

A busy machine stretches wall time but not CPU time, so every benchmark prints both: rates are
given per CPU-second (`*_per_cpu_s`) next to the wall-clock ones.  Used as

    with Clock() as c:
        work()
    c.figures()  # {"wall_s": ..., "cpu_s": ...}
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Clock:
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self._wall
        self.cpu_s = time.process_time() - self._cpu

    def figures(self, count: int | None = None, unit: str = "items") -> dict:
        """Both times, and `count` per wall and per CPU second when given."""
        out = {"wall_s": round(self.wall_s, 3), "cpu_s": round(self.cpu_s, 3)}
        if count is not None:
            out[f"{unit}_per_s"] = round(count / self.wall_s) if self.wall_s else None
            out[f"{unit}_per_cpu_s"] = round(count / self.cpu_s) if self.cpu_s else None
        return out
