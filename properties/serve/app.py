"""The HTTP side of `vmspec serve`: the Scheduled Events endpoint of every VM, on aiohttp.

Which VM is asking: each VM has its own path prefix, `http://HOST:PORT/<vm>/metadata/scheduledevents`,
so an unmodified client works by changing its base URL from `http://169.254.169.254` to
`http://127.0.0.1:PORT/<vm>` (notes/serve.md).  One port serves every VM.

Answers (sources in notes/serve.md):
- `GET ...?api-version=V` with `Metadata: true`: 200 and the VM's document for version V.
- `POST` with `{"StartRequests": [{"EventId": ...}]}` (or the older body that also carries
  `DocumentIncarnation`): each EventId must be in the VM's document; the model's
  `app_approve_event` is taken for each; 200 with an empty body.
- 400 `{"error": "Bad request. Required metadata header not specified"}` without `Metadata: true`
  (the 2017-03-01 preview did not enforce it); 400 with `newest-versions` for a missing or unknown
  api-version; 400 for a duplicated query parameter, an `X-Forwarded-For` header, a malformed or
  oversized POST body, or an EventId not in the VM's document; 404 for any other path or an
  unknown VM; 405 for other methods; 429 past 5 requests per second per VM; 500 (logged) should
  the server itself fail.  Every error body is JSON `{"error": ...}`.

The `Date` header of every answer is the served clock (documents.py), so a handler can measure
the notice left (NotBefore - Date) whatever `--speed` is.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import traceback
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from aiohttp import web

from vmspec.model import Spec
from vmspec.properties.conformance.events.contract import format_rfc1123
from vmspec.properties.conformance.events.stream import API_VERSIONS
from vmspec.properties.serve.documents import Documents
from vmspec.properties.serve.platform import Platform

SE_PATH = "/metadata/scheduledevents"
MAX_BODY = 64 * 1024  # bytes of a POST body; larger bodies are malformed requests (400)
RATE_LIMIT = 5  # research 3.2: "limited to 5 requests per second (on a per VM basis)"
NEWEST = tuple(reversed(API_VERSIONS))[:3]
HEADER_SINCE = "2017-08-01"  # research 3.1: "Metadata header requirement enforced for all requests"

ERR_HEADER = "Bad request. Required metadata header not specified"
ERR_VERSION = ("Bad request. api-version is invalid or was not specified in the request. "
               "For more information refer to aka.ms/azureimds")


class Clock:
    """Model time from wall time: `speed` model seconds per wall second (0: only `advance`)."""

    def __init__(self, speed: float | Fraction) -> None:
        self.speed = Fraction(str(speed)) if not isinstance(speed, Fraction) else speed
        self.t0 = time.monotonic()
        self.offset = Fraction(0)

    def model_now(self) -> Fraction:
        if not self.speed:
            return self.offset
        return self.offset + Fraction(int((time.monotonic() - self.t0) * 1_000_000), 1_000_000) * self.speed

    def advance(self, seconds: Fraction) -> None:
        self.offset += Fraction(seconds)

    def wall_seconds(self, model_seconds: Fraction) -> float | None:
        return None if not self.speed else float(model_seconds / self.speed)


class _Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, now: float) -> None:
        self.tokens, self.at = float(RATE_LIMIT), now


def _error(status: int, message: str, **extra: Any) -> web.Response:
    body = {"error": message, **extra}
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


class Endpoint:
    """The endpoint of every VM of one platform."""

    def __init__(self, spec: Spec, platform: Platform, documents: Documents, clock: Clock, *,
                 recorder: Any = None, rate_limit: int = RATE_LIMIT) -> None:
        self.spec, self.platform, self.documents, self.clock = spec, platform, documents, clock
        self.recorder, self.rate_limit = recorder, rate_limit
        self.buckets: dict[int, _Bucket] = {}
        self.wake = asyncio.Event()
        self.requests = 0
        self.errors: dict[int, int] = {}
        self.running = False

    # ------------------------------------------------------------------ the clock

    def catch_up(self) -> None:
        self.platform.advance_to(self.clock.model_now())

    def served_now(self) -> datetime:
        return self.documents.served_time(self.platform.now)

    async def run_clock(self) -> None:
        """Take the platform's steps on time, waking early when a client changes the plan, until
        `running` is cleared (a flag, not a cancellation: Python 3.11's wait_for can swallow one)."""
        self.running = True
        while self.running:
            try:
                self.catch_up()
                stop = self.platform.next_stop()
                delay = 0.5
                if stop is not None and self.clock.speed:
                    left = self.clock.wall_seconds(stop - self.clock.model_now())
                    delay = min(0.5, max(0.0005, left or 0.0))
            except Exception:  # a failing step must not stop the clock silently
                traceback.print_exc(file=sys.stderr)
                delay = 0.5
            try:
                await asyncio.wait_for(self.wake.wait(), delay)
            except TimeoutError:
                pass
            self.wake.clear()

    # ------------------------------------------------------------------ requests

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._never_crash])
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    @web.middleware
    async def _never_crash(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPRequestEntityTooLarge:
            response = _error(400, f"Bad request. The request body is larger than {MAX_BODY} bytes")
        except web.HTTPException as exc:
            response = _error(exc.status, exc.reason)
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = _error(500, "Internal error. Retry after some time")
        self.requests += 1
        if response.status != 200:
            self.errors[response.status] = self.errors.get(response.status, 0) + 1
        response.headers["Date"] = format_rfc1123(self.served_now())
        return response

    def route(self, path: str) -> int | None:
        """The VM a path names (`/<vm>/metadata/scheduledevents`), or None."""
        if not path.endswith(SE_PATH):
            return None
        name = path[1:-len(SE_PATH)]
        return self.spec.vm_ix.get(name) if name and "/" not in name else None

    def _allowed(self, vm: int) -> bool:
        if not self.rate_limit:
            return True
        now = time.monotonic()
        b = self.buckets.get(vm)
        if b is None:
            b = self.buckets[vm] = _Bucket(now)
        b.tokens = min(float(self.rate_limit), b.tokens + (now - b.at) * self.rate_limit)
        b.at = now
        if b.tokens < 1:
            return False
        b.tokens -= 1
        return True

    async def handle(self, request: web.Request) -> web.StreamResponse:
        vm = self.route(request.path)
        if vm is None:
            return _error(404, f"Not found. Each VM is served at /<vm>{SE_PATH}; known VMs: "
                               + ", ".join(self.spec.vm_names[:5]) + (" ..." if len(self.spec.vm_names) > 5 else ""))
        if request.method not in ("GET", "POST"):
            response = _error(405, f"Method {request.method} not allowed; use GET or POST")
            response.headers["Allow"] = "GET, POST"
            return response
        get = request.method == "GET"
        version = request.query.get("api-version")
        known = version if version in API_VERSIONS else None
        if not self._allowed(vm):
            return self._answer(vm, get, known, _error(429, "Too many requests. The limit is "
                                                            f"{self.rate_limit} requests per second per VM"))
        problem = self._check(request, version)
        if problem is not None:
            return self._answer(vm, get, known, problem)
        assert known is not None
        self.catch_up()
        if get:
            body = self.documents.body(vm, known)
            if self.documents.mark_served(vm):
                self.platform.poke()  # an approved start may have been waiting for this VM
                self.wake.set()
            if self.recorder is not None:
                self.recorder.poll(vm, self.served_now(), known, 200, body)
            return web.Response(body=body, content_type="application/json")
        return await self._approve(vm, request)

    def _check(self, request: web.Request, version: str | None) -> web.Response | None:
        if "X-Forwarded-For" in request.headers:
            return _error(400, "Bad request. Requests carrying an X-Forwarded-For header are rejected")
        for key in request.query:
            if len(request.query.getall(key)) > 1:
                return _error(400, f"Bad request. Duplicate query parameter {key!r}")
        if request.headers.get("Metadata", "").strip().lower() != "true" and (version is None or version >= HEADER_SINCE):
            return _error(400, ERR_HEADER)
        if version not in API_VERSIONS:
            return _error(400, ERR_VERSION, **{"newest-versions": list(NEWEST)})
        return None

    def _answer(self, vm: int, get: bool, version: str | None, response: web.Response) -> web.Response:
        if get and self.recorder is not None:
            self.catch_up()
            self.recorder.poll(vm, self.served_now(), version, response.status, None)
        return response

    async def _approve(self, vm: int, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(400, f"Bad request. The request body is larger than {MAX_BODY} bytes")
        raw = await request.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return _error(400, 'Bad request. The payload is not JSON; expected {"StartRequests": [{"EventId": ...}]}')
        ids = _start_requests(data)
        if isinstance(ids, str):
            return _error(400, "Bad request. " + ids)
        self.catch_up()
        model_ids = []
        for eid in ids:
            model = self.documents.model_id(vm, eid)
            if model is None:
                return _error(400, f"Bad request. EventId {eid!r} is not an event of this VM's document")
            model_ids.append(model)
        name = self.spec.vm_names[vm]
        for model in dict.fromkeys(model_ids):
            self.platform.approve(model, name, note=f"StartRequests from {name}")
        self.wake.set()
        return web.Response(status=200)


def _start_requests(data: Any) -> list[str] | str:
    """The EventIds of an approval body, or what is wrong with it."""
    shape = 'expected {"StartRequests": [{"EventId": "..."}]}'
    if not isinstance(data, dict):
        return f"The payload is not a JSON object; {shape}"
    extra = [k for k in data if k not in ("StartRequests", "DocumentIncarnation")]
    if extra:
        return f"Unknown key {extra[0]!r}; {shape}"
    inc = data.get("DocumentIncarnation")
    if inc is not None and (isinstance(inc, bool) or not isinstance(inc, int | str)):
        return "DocumentIncarnation must be an integer or a string"
    requests = data.get("StartRequests")
    if not isinstance(requests, list) or not requests:
        return f"StartRequests must be a non-empty list; {shape}"
    ids = []
    for r in requests:
        if not isinstance(r, dict) or set(r) != {"EventId"} or not isinstance(r["EventId"], str):
            return f"Each StartRequest is {{\"EventId\": \"...\"}}; got {json.dumps(r)[:80]}"
        ids.append(r["EventId"])
    return ids


def origin_now() -> datetime:
    """The served clock's origin: the current second of real time."""
    return datetime.now(UTC).replace(microsecond=0)
