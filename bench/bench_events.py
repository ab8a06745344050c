"""Throughput of `vmspec events check`: observations per second on a long capture.

The capture is the AZURE_DEFAULT export (seed 0) repeated end to end with times and
incarnations shifted and EventIds renamed per copy, so it stays a valid capture of any
length.  Prints one JSON line: observations, wall and CPU seconds, observations/s and the peak memory
of the check (which stays flat as the capture grows).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from vmspec.model import CONFIGS
from vmspec.properties.conformance.events import check_file, export, format_rfc1123, parse_rfc1123
from vmspec.properties.conformance.events.stream import format_micros, parse_rfc3339, to_micros


def long_capture(path: Path, copies: int) -> int:
    """Write `copies` back-to-back copies of one export; return the number of lines."""
    base = [line.observation for line in export(CONFIGS["AZURE_DEFAULT"].spec(), seed=0)]
    t0 = to_micros(parse_rfc3339(base[0]["observed_at"]))
    span = to_micros(parse_rfc3339(base[-1]["observed_at"])) - t0 + 1_000_000
    top = max(o["document"]["DocumentIncarnation"] for o in base)
    n = 0
    with path.open("w") as fh:
        for c in range(copies):
            for o in base:
                t = to_micros(parse_rfc3339(o["observed_at"])) + c * span
                shift = timedelta(microseconds=c * span)
                doc = {"DocumentIncarnation": o["document"]["DocumentIncarnation"] + c * top, "Events": []}
                for e in o["document"]["Events"]:
                    e = dict(e, EventId=f"{e['EventId'][:-6]}{c:06d}")
                    if e["NotBefore"]:
                        e["NotBefore"] = format_rfc1123(parse_rfc1123(e["NotBefore"]) + shift)
                    doc["Events"].append(e)
                line = {**o, "observed_at": format_micros(t), "document": doc}
                if "approved" in o:
                    line["approved"] = [f"{a[:-6]}{c:06d}" for a in o["approved"]]
                fh.write(json.dumps(line) + "\n")
                n += 1
    return n


def measure(copies: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "capture.jsonl"
        lines = long_capture(path, copies)
        started, cpu_started = time.perf_counter(), time.process_time()
        report = check_file(str(path), strict=True)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        assert not report.findings, report.findings[:3]
        tracemalloc.start()
        check_file(str(path), strict=True)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"bench": "events_check", "observations": lines, "events": report.summary.events,
            "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
            "observations_per_second": round(lines / seconds), "observations_per_cpu_second": round(lines / cpu),
            "peak_memory_kib": round(peak / 1024)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--copies", type=int, nargs="+", default=[100, 1000],
                   help="copies of the AZURE_DEFAULT export to chain (one JSON line per size)")
    opts = p.parse_args(argv)
    for copies in opts.copies:
        sys.stdout.write(json.dumps(measure(copies)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
