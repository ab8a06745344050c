"""An application's Scheduled Events handler: drain, approve, recover (standard library only).

It polls `/metadata/scheduledevents` once per second, as the documentation recommends; when an
event naming this VM appears it drains its work (a callback) and approves the event with a
`StartRequests` POST, so the platform need not wait for NotBefore; when the event leaves the
document it recovers.  It approves only events whose Resources name its own VM, elects nothing,
and treats every non-200 answer as "try again next poll".

The only thing to change to test it against `vmspec serve` is the base URL:

    python examples/scheduled_events_handler.py --base-url http://127.0.0.1:8080/vm0 --vm vm0

(against Azure the base URL is http://169.254.169.254, the default).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

API_VERSION = "2020-07-01"
DEFAULT_BASE_URL = "http://169.254.169.254"


@dataclass
class Handler:
    base_url: str
    vm: str
    drain: Callable[[dict], None] = lambda event: None
    recover: Callable[[dict], None] = lambda event: None
    interval: float = 1.0
    log: Callable[[str], None] = print
    seen: dict[str, dict] = field(default_factory=dict)  # EventId -> event, for events naming this VM
    approved: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    incarnation: int | None = None

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/metadata/scheduledevents?api-version={API_VERSION}"

    def _request(self, data: bytes | None = None) -> tuple[int, bytes]:
        req = urllib.request.Request(self.url, data=data, headers={"Metadata": "true"},
                                     method="POST" if data is not None else "GET")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
        try:
            with opener.open(req, timeout=5) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def poll_once(self) -> None:
        status, body = self._request()
        if status != 200:
            self.log(f"poll answered {status}; retrying at the next poll")
            return
        doc = json.loads(body)
        if doc["DocumentIncarnation"] == self.incarnation:
            return
        self.incarnation = doc["DocumentIncarnation"]
        mine = {e["EventId"]: e for e in doc["Events"] if self.vm in [r.lstrip("_") for r in e["Resources"]]}
        for eid, event in mine.items():
            if eid not in self.seen:
                self.log(f"{event['EventType']} {eid} {event['EventStatus']} (NotBefore {event['NotBefore']!r})")
                self.seen[eid] = event
                if event["EventStatus"] == "Scheduled":
                    self.drain(event)
                    self.approve(eid)
        for eid in [e for e in self.seen if e not in mine]:
            self.log(f"{self.seen[eid]['EventType']} {eid} is over: recovering")
            self.recover(self.seen.pop(eid))
            self.recovered.append(eid)

    def approve(self, event_id: str) -> None:
        body = json.dumps({"StartRequests": [{"EventId": event_id}]}).encode()
        status, _ = self._request(body)
        self.log(f"approved {event_id}: {status}")
        if status == 200:
            self.approved.append(event_id)

    def run(self, duration: float | None = None) -> None:
        end = None if duration is None else time.monotonic() + duration
        while end is None or time.monotonic() < end:
            try:
                self.poll_once()
            except (OSError, ValueError, KeyError) as exc:
                self.log(f"poll failed ({exc}); retrying at the next poll")
            time.sleep(self.interval)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-url", default=DEFAULT_BASE_URL)
    p.add_argument("--vm", required=True, help="this VM's name, as Resources names it")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls (default 1)")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    opts = p.parse_args(argv)
    handler = Handler(opts.base_url, opts.vm, interval=opts.interval,
                      drain=lambda e: print(f"draining before {e['EventType']}", flush=True),
                      recover=lambda e: print("back in service", flush=True),
                      log=lambda m: print(m, flush=True))
    try:
        handler.run(opts.duration)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
