"""Throughput and latency of `vmspec serve` with many VMs polling once per second.

The server runs in its own process (this script with --serve) on a topology of --vms VMs in
availability sets of 200 (5 update domains, 3 fault domains: 15 hosts per set), the seeded scheduler announcing,
starting and completing events at --speed model seconds per wall second.  This process then
plays one client per VM, each polling its VM's endpoint once per second (the documented
recommendation) for --seconds, over keep-alive connections; then, with --burst N, N clients
polling as fast as they can.  Prints one JSON line per phase: requests, requests/s, latency
percentiles in milliseconds, non-200 answers, and the server's CPU seconds (from /proc).
No figure is asserted: this measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

H = {"Metadata": "true"}
SET_SIZE = 200


def topology(vms: int):
    from vmspec.model import AvailabilitySet, build

    sets = []
    for i in range(0, vms, SET_SIZE):
        sets.append((AvailabilitySet(f"as{i // SET_SIZE}", update_domains=5, fault_domains=3), min(SET_SIZE, vms - i)))
    return build(tuple(sets))


def serve(vms: int, speed: float, rate_limit: int) -> None:
    from vmspec.model import profile
    from vmspec.properties.evidence.verdict import Target
    from vmspec.properties.serve import Options, Server

    async def run() -> None:
        server = Server(Target(topology(vms), profile("azure-2017"), f"bench-{vms}"),
                        Options(port=0, speed=speed, rate_limit=rate_limit))
        await server.start()
        print(server.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the bench closes stdin
        await server.stop(check=False)

    asyncio.run(run())


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(phase: str, latencies: list[float], statuses: dict, seconds: float, cpu: float, **extra) -> dict:
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [lat[0] if lat else 0.0] * 99
    return {"bench": "serve", "phase": phase, **extra, "requests": len(lat), "seconds": round(seconds, 2),
            "requests_per_s": round(len(lat) / seconds, 1), "p50_ms": round(q[49] * 1000, 2),
            "p95_ms": round(q[94] * 1000, 2), "p99_ms": round(q[98] * 1000, 2),
            "max_ms": round(lat[-1] * 1000, 2) if lat else 0.0, "non_200": {str(k): v for k, v in statuses.items()
                                                                            if k != 200},
            "server_cpu_s": round(cpu, 2)}


class Connection:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams: the client side stays cheap, so the
    figures measure the server rather than the client library."""

    def __init__(self, port: int, vm: str) -> None:
        self.port = port
        self.request = (f"GET /{vm}/metadata/scheduledevents?api-version=2020-07-01 HTTP/1.1\r\n"
                        f"Host: 127.0.0.1\r\nMetadata: true\r\n\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def poll_1hz(port: int, vms: int, seconds: float) -> tuple[list[float], dict]:
    names = [vm.name for vm in topology(vms).vms]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    end = time.monotonic() + seconds

    async def client(i: int, name: str) -> None:
        conn = Connection(port, name)
        await asyncio.sleep(i / vms)  # spread the clients over the second
        next_at = time.monotonic()
        while next_at < end:
            t = time.perf_counter()
            status = await conn.get()
            latencies.append(time.perf_counter() - t)
            statuses[status] = statuses.get(status, 0) + 1
            next_at += 1.0
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        conn.close()

    await asyncio.gather(*(client(i, n) for i, n in enumerate(names)))
    return latencies, statuses


async def burst(port: int, vms: int, clients: int, seconds: float) -> tuple[list[float], dict]:
    names = [vm.name for vm in topology(vms).vms]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    end = time.monotonic() + seconds

    async def client(i: int) -> None:
        conn = Connection(port, names[i % len(names)])
        while time.monotonic() < end:
            t = time.perf_counter()
            status = await conn.get()
            latencies.append(time.perf_counter() - t)
            statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, statuses


def run_phase(args: argparse.Namespace, phase: str) -> dict:
    rate = 0 if phase == "burst" else 5
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(args.vms), "--speed", str(args.speed),
                             "--rate-limit", str(rate)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())  # type: ignore[union-attr]
        cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
        if phase == "1hz":
            lat, st = asyncio.run(poll_1hz(port, args.vms, args.seconds))
            extra = {"vms": args.vms, "poll_hz": 1}
        else:
            lat, st = asyncio.run(burst(port, args.vms, args.burst, args.seconds))
            extra = {"vms": args.vms, "clients": args.burst, "rate_limit": "off"}
        seconds, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(30)
    return summary(phase, lat, st, seconds, cpu, speed=args.speed, **extra)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vms", type=int, default=1000, help="VMs, each polled once per second (default 1000)")
    p.add_argument("--seconds", type=float, default=10, help="wall seconds per phase (default 10)")
    p.add_argument("--speed", type=float, default=1, help="model seconds per wall second (default 1: real time)")
    p.add_argument("--burst", type=int, default=50, help="clients polling flat out in the second phase (0: skip)")
    p.add_argument("--serve", type=int, metavar="VMS", help=argparse.SUPPRESS)
    p.add_argument("--rate-limit", type=int, default=5, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve, args.speed, args.rate_limit)
        return 0
    print(json.dumps(run_phase(args, "1hz")), flush=True)
    if args.burst:
        print(json.dumps(run_phase(args, "burst")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
