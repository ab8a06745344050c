"""The documented Scheduled Events contract, checked on a capture one observation at a time.

Rules with an id of notes/spec.md (R8-R13) are the ones the model states for the whole
document; here they are judged from what one VM saw, allowing for what polling cannot
see (a missed document, an event announced before the capture began, an approval by
another VM of the set or from outside the VM).  Rules the model has no place for (the
fields and values of each api-version, the Metadata header, Terminate's notice window)
are numbered E1-E9 in notes/events-format.md, and each is keyed by the api-version the
line names.  Documented soft exceptions (a rare 30-second notice, a hardware-failure
Reboot that appears already Started, a best-effort Preempt, an approval the capture
cannot see) are warnings citing their source; `strict` turns them into errors.

The checker keeps one record per live EventId and the set of removed EventIds, never the
observations themselves, so its memory grows with the number of events, not of lines.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vmspec.model.params import MIN_NOTICE, PROFILES, SHORT_NOTICE
from vmspec.properties.conformance.events.stream import (
    CaptureHeader,
    Observation,
    format_micros,
    parse_rfc3339,
    to_micros,
)

ERROR, WARNING = "error", "warning"
# DurationInSeconds exists from api-version 2020-07-01, so a capture that shows it follows the
# 2019-2026 bounds: a Freeze announced longer than the typical pause is a warning (R31), longer
# than the hard bound an error (R2)
TYPICAL_PAUSE, HARD_PAUSE = PROFILES["typical-2026"].typical_bound, PROFILES["typical-2026"].pause_bound


@dataclass(frozen=True)
class ApiRule:
    """A rule of the endpoint's contract that notes/spec.md has no id for."""

    rule_id: str
    title: str
    text: str
    source: str


API_RULES: tuple[ApiRule, ...] = (
    ApiRule("E1", "The fields of the api-version",
            "The document has exactly DocumentIncarnation and Events; every event has EventId, EventType, "
            "ResourceType, Resources, EventStatus and NotBefore, plus Description from 2019-04-01, EventSource "
            "from 2019-08-01 and DurationInSeconds from 2020-07-01, and no field its api-version does not define.",
            "research 3.1 (versions table), 3.3 (response schema)"),
    ApiRule("E2", "NotBefore is a date of the api-version's format",
            "A non-empty NotBefore is an RFC 1123 date in GMT such as \"Mon, 19 Sep 2016 18:29:47 GMT\", whose "
            "day name matches the date.  At api-version 2017-03-01 the documented form is ISO 8601 "
            "(\"2016-09-19T18:29:47Z\"), and RFC 1123 is accepted too; from 2017-08-01 ISO 8601 (as the mock "
            "server writes it) is a deviation.",
            "research 3.3 (NotBefore); discrepancy 6; SE17 (azure-docs articles/virtual-machines/linux/"
            "scheduled-events.md, ms.date 08/14/2017, api-version 2017-03-01: NotBefore example 2016-09-19T18:29:47Z)"),
    ApiRule("E3", "Enumerated values of the api-version",
            "EventType is Freeze, Reboot or Redeploy, Preempt from 2017-11-01, Terminate from 2019-01-01; "
            "ResourceType is VirtualMachine; EventSource is Platform or User.",
            "research 3.1 (versions table), 3.3 (response schema)"),
    ApiRule("E4", "Numbers in range",
            "DurationInSeconds is -1 (unknown or not applicable) or a whole number of seconds >= 0; "
            "DocumentIncarnation is >= 0.",
            "research 3.3 (DurationInSeconds: \"-1 means unknown\")"),
    ApiRule("E5", "Resources names the VMs the event affects",
            "Resources is a non-empty list of distinct, non-empty VM names.  From api-version 2017-08-01 no name "
            "carries the underscore that 2017-03-01 prepended to the names of IaaS VMs.",
            "research 3.3 (Resources: \"List of resources this event affects\"); research 3.1 (versions table, "
            "2017-08-01: \"Removed prepended underscore from resource names for IaaS VMs\")"),
    ApiRule("E6", "One entry per EventId",
            "An EventId appears at most once in a document.",
            "research 3.3 (EventId: a GUID naming one event)"),
    ApiRule("E7", "Documented status codes",
            "The endpoint answers with one of the documented IMDS status codes: 200, 400, 404, 405, 410, 429, 500.",
            "research 3.2 (IMDS status codes)"),
    ApiRule("E8", "The Metadata header is enforced from 2017-08-01",
            "When the capture header says the client did not send `Metadata: true`, every answer at api-version "
            "2017-08-01 or later is 400 Bad Request; a 200 is a deviation.  At 2017-03-01 the header was "
            "asked for but not enforced.",
            "research 3.1 (versions table, 2017-08-01: \"Metadata header requirement enforced for all requests\"); "
            "research 3.2 (\"Failure to include the header in the request results in a \"Bad Request\" response\")"),
    ApiRule("E9", "Terminate's notice window",
            "A Terminate's NotBefore lies at most 15 minutes after the VM first saw it (the scale set's "
            "notBeforeTimeout is 5 to 15 minutes; the lower bound is R9's) and is never moved later.  An "
            "approved Terminate does not start while another Terminate is pending, neither approved nor timed "
            "out (a warning: the capture shows the other as still Scheduled).",
            "azure-compute-docs articles/virtual-machine-scale-sets/virtual-machine-scale-sets-terminate-notification.md "
            "(notBeforeTimeout \"can take any value between 5 and 15 minutes\"; \"There isn't any capability of "
            "extending the timeout value after an event has been generated\"); research 3.4"),
)
API_RULE_BY_ID = {r.rule_id: r for r in API_RULES}

# research 3.4: minimum NotBefore lead time per EventType, in seconds; Terminate's is
# user-configurable from 5 to 15 minutes, so 5 minutes is the least a capture may show.
NOTICE = {**MIN_NOTICE, "Preempt": 30, "Terminate": 300}
TERMINATE_MAX_NOTICE = 900  # the largest notBeforeTimeout a scale set can set (E9)
ISO_NOT_BEFORE_UNTIL = "2017-08-01"  # api-versions before it document NotBefore in ISO 8601 (E2)
NO_UNDERSCORE_SINCE = "2017-08-01"  # E5: the prepended underscore was removed
HEADER_ENFORCED_SINCE = "2017-08-01"  # E8
BLANK_NOT_BEFORE_SINCE = "2020-07-01"  # R11: the documentation states "blank once Started" from this version on

# research 3.1 / 3.3: the fields and values each api-version introduced
BASE_FIELDS = ("EventId", "EventType", "ResourceType", "Resources", "EventStatus", "NotBefore")
FIELD_SINCE = {"Description": "2019-04-01", "EventSource": "2019-08-01", "DurationInSeconds": "2020-07-01"}
EVENT_TYPE_SINCE = {"Freeze": "2017-03-01", "Reboot": "2017-03-01", "Redeploy": "2017-03-01",
                    "Preempt": "2017-11-01", "Terminate": "2019-01-01"}
EVENT_SOURCES = ("Platform", "User")
STATUSES = ("Scheduled", "Started")
IMDS_STATUS_CODES = (200, 400, 404, 405, 410, 429, 500)

# Where each rule's clause is written down, as findings cite it.
SOURCE = {
    "R8": "research 3.3 (NotBefore: \"guaranteed to not start before this time\"), 3.5 (\"Events won't proceed "
          "unless they are either approved via a POST message or the NotBefore time elapses\")",
    "R8-other-vm": "research 3.5 (\"Acknowledging an event allows the event to proceed for all Resources in the "
                   "event, not just the VM that acknowledges the event\")",
    "R8-unseen": "research 3.3 (Scope: events are \"delivered to and can be acknowledged by\" all the VMs in an "
                 "availability set or scale set placement group); fidelity review EG (approval from outside the "
                 "VM: az maintenance scheduledevent acknowledge, userInitiatedReboot.automaticallyApprove)",
    "R9": "research 3.4 (minimum notice table)",
    "R9-short": "research 3.4 (\"in some cases advance notice might be as little as 30 seconds\")",
    "preempt": "research 3.3 (Preempt: \"This event is made available on a best effort basis\"); research 3.4 "
               "(Preempt: 30 seconds)",
    "R10": "research 3.3 (DocumentIncarnation: \"Documents with the same incarnation contain the same event "
           "information\")",
    "R11": "research 3.3 (EventStatus, NotBefore), 3.5 (exceptional cases); research invariant 10",
    "R11-hardware": "research 3.4 and 3.5, exceptional case 3 (hardware failure: the event appears directly as "
                    "EventType Reboot, EventStatus Started)",
    "R11-missed": "research 3.3 (DocumentIncarnation; the 2 -> 4 log of Azure/vm-scheduled-events, where an "
                  "approved event's Started document fell between two polls), 3.5 (once approved, \"Azure generates "
                  "a new scheduled event payload with EventStatus:\"Started\"\")",
    "R11-id": "research 3.3 (EventId: the same from Scheduled to Started); fidelity review EG (\"The EventId won't "
              "change as the EventStatus changes\"); research 4 (the mock server's approval assigns a new EventId)",
    "E9-pending": "azure-compute-docs articles/virtual-machine-scale-sets/virtual-machine-scale-sets-terminate-"
                  "notification.md (\"VM_2 isn't deleted until the terminate event for VM_1 is approved, or its "
                  "timeout has elapsed. Once you approve the terminate event for VM_1, then both VM_1 and VM_2 are "
                  "deleted\"); research invariant 9",
    "R11-blank": "research 3.3 (NotBefore: \"Will be blank if the event ... starts\", stated by the documentation of "
                 "api-version 2020-07-01 and not by earlier versions' pages)",
    "R2": "research 1.1 (2026: \"In rare circumstances ... Azure uses a mechanism that will pause the VM for about "
          "30 seconds\"); notes/decisions.md D21 (the hard bound)",
    "R31": "research 1.1 (2026: \"almost always ... a VM pause for less than 10 seconds\"; live migration "
           "\"typically lasting no more than 5 seconds\")",
    "R12": "research 3.5 (exceptional case 1); research invariant 10",
    "R13": "research 3.3 (\"No Completed or similar status is ever provided. The event is no longer returned when "
           "the event is finished.\")",
}

_RFC1123 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
    r"(\d{2}):(\d{2}):(\d{2}) GMT\Z", re.ASCII
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _rfc1123_read(text: str) -> tuple[datetime | None, str | None]:
    """The instant an RFC 1123 GMT date names by its numbers, and what is wrong with it (None when
    nothing is): a day name that contradicts the date still dates it, a date that does not exist
    does not."""
    m = _RFC1123.match(text)
    if m is None:
        return None, "not an RFC 1123 date such as 'Mon, 19 Sep 2016 18:29:47 GMT'"
    day_name, day, month, year, hour, minute, second = m.groups()
    try:
        instant = datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second),
                           tzinfo=UTC)
    except ValueError:
        return None, f"the date {day} {month} {year} {hour}:{minute}:{second} does not exist"
    actual = _DAYS[instant.weekday()]
    if actual != day_name:
        return instant, (f"the day name is wrong: {day} {month} {year} is a {_DAY_NAMES[instant.weekday()]} "
                         f"({actual}), not {day_name}; the date and time are well formed")
    return instant, None


def parse_rfc1123(text: str) -> datetime | None:
    """The instant of an RFC 1123 GMT date whose day name matches, or None."""
    instant, problem = _rfc1123_read(text)
    return instant if problem is None else None


def format_rfc1123(instant: datetime) -> str:
    """An instant as the endpoint writes NotBefore: "Mon, 19 Sep 2016 18:29:47 GMT"."""
    u = instant.astimezone(UTC)
    return f"{_DAYS[u.weekday()]}, {u.day:02d} {_MONTHS[u.month - 1]} {u.year} {u:%H:%M:%S} GMT"


def _iso_instant(text: str) -> datetime | None:
    """The instant of an ISO 8601 NotBefore (the 2017-03-01 form; a bare time is read as UTC)."""
    instant = parse_rfc3339(text)
    if instant is not None:
        return instant
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def read_not_before(text: str, api_version: str) -> tuple[datetime | None, str | None]:
    """A NotBefore's instant (None when it cannot be dated) and, when the api-version's format
    is not met, what is wrong (E2).  A wrong day name or an ISO 8601 date still dates the event."""
    instant, problem = _rfc1123_read(text)
    if problem is None or instant is not None:
        return instant, problem
    iso = _iso_instant(text)
    if iso is not None:
        if api_version < ISO_NOT_BEFORE_UNTIL:
            return iso, None
        return iso, (f"ISO 8601, the form of api-version 2017-03-01 only; from {ISO_NOT_BEFORE_UNTIL} it is an "
                     "RFC 1123 date such as 'Mon, 19 Sep 2016 18:29:47 GMT'")
    if api_version < ISO_NOT_BEFORE_UNTIL:
        problem = "neither ISO 8601 such as '2016-09-19T18:29:47Z' nor RFC 1123 such as 'Mon, 19 Sep 2016 18:29:47 GMT'"
    return None, problem


@dataclass(frozen=True, slots=True)
class Finding:
    """One breach of the contract (an error) or one documented soft exception (a warning)."""

    line: int
    event_id: str | None
    rule: str
    severity: str  # error / warning
    message: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "event_id": self.event_id, "rule": self.rule, "severity": self.severity,
                "message": self.message, "source": self.source}

    def render(self, path: str) -> str:
        eid = f" [{self.event_id}]" if self.event_id else ""
        return f"{path}:{self.line}: {self.severity} {self.rule}{eid}: {self.message} (source: {self.source})"


@dataclass(slots=True)
class _Track:
    """What the checker remembers of one live event."""

    event_type: str | None
    resources: tuple[str, ...] | None
    status: str | None
    not_before: int | None  # the latest published NotBefore, in microseconds (R8 reads the latest guarantee)
    first_line: int
    source: str | None = None  # EventSource, when the api-version has it
    first_not_before: int | None = None  # the first NotBefore published (E9: a Terminate's is never extended)


@dataclass
class Summary:
    observations: int = 0
    documents: int = 0
    events: int = 0  # distinct EventIds seen
    first_observed: int | None = None
    last_observed: int | None = None
    errors: Counter = field(default_factory=Counter)  # per rule
    warnings: Counter = field(default_factory=Counter)  # per rule

    def to_json(self) -> dict[str, Any]:
        return {
            "observations": self.observations, "documents": self.documents, "events": self.events,
            "first_observed": None if self.first_observed is None else format_micros(self.first_observed),
            "last_observed": None if self.last_observed is None else format_micros(self.last_observed),
            "errors": sum(self.errors.values()), "warnings": sum(self.warnings.values()),
            "errors_by_rule": dict(sorted(self.errors.items())),
            "warnings_by_rule": dict(sorted(self.warnings.items())),
        }


def _canonical(events: tuple[dict[str, Any], ...]) -> tuple[str, ...]:
    """The Events array as content: order-free, every field (R10 compares documents by it)."""
    return tuple(sorted(json.dumps(e, sort_keys=True) for e in events))


def _vm_names(resources: list[Any], version: str) -> list[Any]:
    """Resources as VM names: before api-version 2017-08-01 the names of IaaS VMs carry a
    prepended underscore (E5), which is not part of the name."""
    if version >= NO_UNDERSCORE_SINCE:
        return list(resources)
    return [r[1:] if isinstance(r, str) and r.startswith("_") else r for r in resources]


def _information(events: tuple[dict[str, Any], ...], version: str, other: str) -> tuple[str, ...]:
    """The event information of an Events array rendered at api-version `version`, as far as
    api-version `other` shows it too (R10 across a change of api-version): only the fields
    both versions define, NotBefore as the instant it names (ISO 8601 at 2017-03-01, RFC 1123
    after), Resources without the underscore 2017-03-01 prepended (E5)."""
    common = set(BASE_FIELDS) | {f for f, since in FIELD_SINCE.items() if version >= since and other >= since}
    out = []
    for event in events:
        info = {k: v for k, v in event.items() if k in common}
        if isinstance(info.get("NotBefore"), str) and info["NotBefore"]:
            instant, _ = read_not_before(info["NotBefore"], version)
            if instant is not None:
                info["NotBefore"] = to_micros(instant)
        if isinstance(info.get("Resources"), list):
            info["Resources"] = _vm_names(info["Resources"], version)
        out.append(json.dumps(info, sort_keys=True))
    return tuple(sorted(out))


class StreamChecker:
    """Feed observations in order with `feed`; each call returns the findings of that line.
    A capture header (`CaptureHeader`), fed first, says what the polls cannot show."""

    def __init__(self, *, strict: bool = False, allow: Iterable[str] = ()) -> None:
        self.strict = strict
        self.allow = frozenset(allow)  # soft exceptions (keys of SOURCE) that stay warnings under `strict`
        self.summary = Summary()
        self.header = CaptureHeader(0)
        self._live: dict[str, _Track] = {}
        self._removed: set[str] = set()
        self._seen: set[str] = set()
        self._approved: set[str] = set()
        # incarnation, content, time, line, the Events array and the api-version it was rendered at
        self._previous: tuple[int, tuple[str, ...], int, int, tuple[dict[str, Any], ...], str] | None = None
        self._said: dict[str | None, set[str]] = {}  # standing conditions reported, per live EventId
        self._out: list[Finding] = []
        self._line = 0

    # -------------------------------------------------------------- reporting

    def _find(self, event_id: str | None, rule: str, message: str, source: str | None = None,
              soft: bool = False, once: bool = False, exception: str | None = None) -> None:
        """Record a finding; with `once`, a standing condition (a bad field that every poll
        repeats) is reported only the first time while its event stays in the document."""
        if once:
            said = self._said.setdefault(event_id, set())
            if message in said:
                return
            if len(said) >= 1000:
                said.clear()
            said.add(message)
        strict = self.strict and exception not in self.allow
        severity = WARNING if soft and not strict else ERROR
        if soft:
            message += " (a documented soft exception" + ("; an error under --strict)" if strict else ")")
        src = source or SOURCE.get(rule) or API_RULE_BY_ID[rule].source
        (self.summary.warnings if severity == WARNING else self.summary.errors)[rule] += 1
        self._out.append(Finding(self._line, event_id, rule, severity, message, src))

    # -------------------------------------------------------------- one observation

    def feed(self, obs: Observation | CaptureHeader) -> list[Finding]:
        self._out, self._line = [], obs.line
        if isinstance(obs, CaptureHeader):
            self.header = obs
            return self._out
        s = self.summary
        s.observations += 1
        s.first_observed = obs.observed_at if s.first_observed is None else s.first_observed
        s.last_observed = obs.observed_at
        self._approved.update(obs.approved)
        if obs.http_status not in IMDS_STATUS_CODES:
            self._find(None, "E7", f"HTTP status {obs.http_status} is not a documented IMDS status code", once=True)
        if (obs.http_status == 200 and not self.header.metadata_header
                and obs.api_version >= HEADER_ENFORCED_SINCE):
            self._find(None, "E8", f"a 200 answer to a request without the Metadata header at api-version "
                                   f"{obs.api_version}; from {HEADER_ENFORCED_SINCE} the endpoint answers 400 "
                                   "Bad Request", once=True)
        if obs.events is not None and obs.incarnation is not None:
            s.documents += 1
            self._document(obs, obs.incarnation, obs.events)
        return self._out

    def _document(self, obs: Observation, incarnation: int, events: tuple[dict[str, Any], ...]) -> None:
        self._document_fields(obs, incarnation)
        ids: dict[str, dict[str, Any]] = {}
        for event in events:
            self._event_fields(obs, event)
            eid = event.get("EventId")
            if eid is None:
                continue
            if eid in ids:
                self._find(eid, "E6", "the EventId appears twice in one document", once=True)
                continue
            ids[eid] = event
        content = _canonical(events)
        self._incarnation(obs, incarnation, content)
        previous = None if self._previous is None else (self._previous[0], self._previous[2])
        leaving = [e for e in self._live if e not in ids]
        for eid, event in ids.items():
            self._lifecycle(obs, eid, event, previous, incarnation, leaving)
        for eid in leaving:
            del self._live[eid]
            self._removed.add(eid)
            self._said.pop(eid, None)
        self._previous = (incarnation, content, obs.observed_at, obs.line, events, obs.api_version)

    # -------------------------------------------------------------- E1-E6: fields and values

    def _document_fields(self, obs: Observation, incarnation: int) -> None:
        extra = [k for k in obs.document_keys if k not in ("DocumentIncarnation", "Events")]
        if extra:
            self._find(None, "E1", f"the document has keys no api-version defines: {', '.join(extra)}", once=True)
        if incarnation < 0:
            self._find(None, "E4", f"DocumentIncarnation is {incarnation}; it counts up from 0", once=True)

    def _event_fields(self, obs: Observation, event: dict[str, Any]) -> None:
        eid, version = event.get("EventId"), obs.api_version
        expected = list(BASE_FIELDS) + [f for f, since in FIELD_SINCE.items() if version >= since]
        missing = [f for f in expected if f not in event]
        if missing:
            self._find(eid, "E1", f"missing {', '.join(missing)}, which api-version {version} requires", once=True)
        extra = [f for f in event if f not in expected]
        if extra:
            later = [f"{f} (from {FIELD_SINCE[f]})" for f in extra if f in FIELD_SINCE]
            unknown = [f for f in extra if f not in FIELD_SINCE]
            what = "; ".join(x for x in (", ".join(later), ("unknown " + ", ".join(unknown)) if unknown else "") if x)
            self._find(eid, "E1", f"fields api-version {version} does not define: {what}", once=True)
        etype = event.get("EventType")
        if etype is not None:
            since = EVENT_TYPE_SINCE.get(etype)
            if since is None:
                self._find(eid, "E3", f"EventType {etype!r} is not one of {', '.join(EVENT_TYPE_SINCE)}", once=True)
            elif version < since:
                self._find(eid, "E3", f"EventType {etype} exists only from api-version {since}, not {version}", once=True)
        if "ResourceType" in event and event["ResourceType"] != "VirtualMachine":
            self._find(eid, "E3", f"ResourceType is {event['ResourceType']!r}, not 'VirtualMachine'", once=True)
        if "EventSource" in event and event["EventSource"] not in EVENT_SOURCES:
            self._find(eid, "E3", f"EventSource {event['EventSource']!r} is not Platform or User", once=True)
        duration = event.get("DurationInSeconds")
        if duration is not None and duration < -1:
            self._find(eid, "E4", f"DurationInSeconds is {duration}; -1 means unknown, otherwise it is >= 0", once=True)
        elif etype == "Freeze" and isinstance(duration, int) and duration > HARD_PAUSE:
            self._find(eid, "R2", f"a Freeze announces DurationInSeconds {duration}, beyond the hard pause bound of "
                                  f"{HARD_PAUSE} s", once=True)
        elif etype == "Freeze" and isinstance(duration, int) and duration > TYPICAL_PAUSE:
            self._find(eid, "R31", f"a Freeze announces DurationInSeconds {duration}, beyond the typical pause of "
                                   f"{TYPICAL_PAUSE} s (rare, allowed up to the hard bound of {HARD_PAUSE} s)",
                       soft=True, once=True)
        resources = event.get("Resources")
        if resources is not None and (not resources or "" in resources or len(set(resources)) != len(resources)):
            self._find(eid, "E5", f"Resources {resources!r} must name at least one VM, each once", once=True)
        elif resources and version >= NO_UNDERSCORE_SINCE and any(r.startswith("_") for r in resources):
            named = ", ".join(repr(r) for r in resources if r.startswith("_"))
            self._find(eid, "E5", f"Resources {named} keeps the prepended underscore that api-version "
                                  f"{NO_UNDERSCORE_SINCE} removed (this line asks for {version})", once=True)

    # -------------------------------------------------------------- R10: the incarnation

    def _incarnation(self, obs: Observation, incarnation: int, content: tuple[str, ...]) -> None:
        """R10.  The incarnation belongs to the document, not to the api-version's rendering of
        it: when the capture switches api-version, two documents with the same incarnation are
        compared on their event information as both versions show it (`_information`)."""
        if self._previous is None:
            return
        before, before_content, _, before_line, before_events, before_version = self._previous
        if incarnation < before:
            self._find(None, "R10", f"DocumentIncarnation went down from {before} (line {before_line}) to {incarnation}")
        elif incarnation == before and content != before_content:
            if obs.api_version != before_version and (
                    _information(before_events, before_version, obs.api_version)
                    == _information(obs.events or (), obs.api_version, before_version)):
                return  # the same events, rendered by another api-version
            self._find(None, "R10", f"the Events array changed since line {before_line} but DocumentIncarnation "
                                    f"stayed {incarnation}")

    # -------------------------------------------------------------- R8, R9, R11-R13: one event's life

    def _lifecycle(self, obs: Observation, eid: str, event: dict[str, Any], previous: tuple[int, int] | None,
                   incarnation: int, leaving: list[str]) -> None:
        status, etype = event.get("EventStatus"), event.get("EventType")
        resources = event.get("Resources")
        if status is not None and status not in STATUSES:
            self._find(eid, "R13", f"EventStatus {status!r}: the only statuses are Scheduled and Started; "
                                   "a finished event is removed instead", once=True)
        not_before = self._not_before(obs, eid, status, event.get("NotBefore"))
        if eid in self._removed:
            self._find(eid, "R12", "the event is back in the document after it was removed")
            self._removed.discard(eid)
        key = None if resources is None else tuple(sorted(_vm_names(resources, obs.api_version)))
        track = self._live.get(eid)
        if track is None:
            self._seen.add(eid)
            self.summary.events = len(self._seen)
            track = _Track(etype, key, status, not_before, obs.line, event.get("EventSource"), not_before)
            self._appears(obs, eid, track, previous, incarnation, leaving)
            self._live[eid] = track
            return
        self._changes(obs, eid, track, status, etype, key, not_before)

    def _not_before(self, obs: Observation, eid: str, status: Any, value: Any) -> int | None:
        """E2 and R11: NotBefore is a date of the api-version's form, set while Scheduled and
        (documented from 2020-07-01) empty once Started; its instant, when it has one."""
        if value is None:
            return None
        if status == "Scheduled" and value == "":
            self._find(eid, "R11", "a Scheduled event has an empty NotBefore; R8 and R9 are not checked for it",
                       once=True)
        if status == "Started" and value != "" and obs.api_version >= BLANK_NOT_BEFORE_SINCE:
            self._find(eid, "R11", f"a Started event still carries NotBefore {value!r}; it is empty once Started",
                       SOURCE["R11-blank"], once=True)
        if not value:
            return None
        instant, problem = read_not_before(value, obs.api_version)
        if problem is not None:
            dated = ("it still dates the event for R8 and R9" if instant is not None
                     else "the event cannot be dated, so R8 and R9 are not checked for it")
            self._find(eid, "E2", f"NotBefore {value!r} at api-version {obs.api_version}: {problem}; {dated}",
                       once=True)
        return None if instant is None else to_micros(instant)

    def _appears(self, obs: Observation, eid: str, track: _Track, previous: tuple[int, int] | None,
                 incarnation: int, leaving: list[str]) -> None:
        """A new EventId: R11 for one that appears already Started, R9 for the notice of a Scheduled one."""
        if previous is None:
            return  # in the first document: it may have been announced before the capture began
        before, previous_time = previous
        gap = (obs.observed_at - previous_time) / 1e6
        etype, status = track.event_type, track.status
        need = NOTICE.get(etype) if isinstance(etype, str) else None
        if status == "Started":
            self._appears_started(eid, track, gap, need, incarnation - before, before, incarnation, leaving)
        elif status == "Scheduled" and need is not None and track.not_before is not None:
            # The event was absent at the previous document, so it was announced after it:
            # NotBefore minus that time bounds its notice from above, whatever the polling gap.
            notice = (track.not_before - previous_time) / 1e6
            if etype == "Preempt" and notice < need:
                self._find(eid, "R9", f"Preempt announced with at most {notice:g} s of notice; the minimum is {need} s, "
                                      "and Preempt is best effort", SOURCE["preempt"], soft=True)
            elif notice < min(SHORT_NOTICE, need):
                self._find(eid, "R9", f"{etype} announced with at most {notice:g} s of notice; the minimum is {need} s "
                                      f"and even the documented rare short notice is {SHORT_NOTICE} s")
            elif notice < need:
                self._find(eid, "R9", f"{etype} announced with at most {notice:g} s of notice; the minimum is {need} s",
                           SOURCE["R9-short"], soft=True)
            if etype == "Terminate":
                least = (track.not_before - obs.observed_at) / 1e6
                if least > TERMINATE_MAX_NOTICE:
                    self._find(eid, "E9", f"Terminate announced with at least {least:g} s of notice; the scale set's "
                                          f"notBeforeTimeout is at most {TERMINATE_MAX_NOTICE} s")

    def _appears_started(self, eid: str, track: _Track, gap: float, need: int | None, jump: int, before: int,
                         incarnation: int, leaving: list[str]) -> None:
        """R11: an event first seen Started, after the first document."""
        etype = track.event_type
        replaced = next((x for x in leaving if self._live[x].status == "Scheduled"
                         and self._live[x].event_type == etype and self._live[x].resources == track.resources), None)
        if etype == "Reboot" and track.source != "User":
            self._find(eid, "R11", "a Reboot appeared already Started, as only a hardware failure does",
                       SOURCE["R11-hardware"], soft=True, exception="R11-hardware")
        elif replaced is not None and jump <= 1:
            approved = " after this VM approved it" if replaced in self._approved else ""
            self._find(eid, "R11", f"the EventId changed when the event started: the Scheduled {etype} {replaced} "
                                   f"(line {self._live[replaced].first_line}) left{approved} in the same document "
                                   f"(DocumentIncarnation {before} -> {incarnation}) that shows this new EventId "
                                   "already Started", SOURCE["R11-id"])
        elif jump >= 2:
            self._find(eid, "R11", f"a {etype} appeared already Started while DocumentIncarnation jumped from {before} "
                                   f"to {incarnation}: a document was missed between two polls, and its Scheduled "
                                   "phase may be in it; R8 and R9 are not checked for it",
                       SOURCE["R11-missed"], soft=True)
        elif need is not None and gap >= need:
            return  # its whole Scheduled phase may have fallen between two polls
        elif etype == "Preempt":
            self._find(eid, "R11", f"a Preempt appeared already Started, {gap:g} s after the previous document; "
                                   "Preempt is best effort", SOURCE["preempt"], soft=True)
        elif need is not None:
            self._find(eid, "R11", f"a {etype} appeared already Started, {gap:g} s after the previous document; "
                                   f"platform events are Scheduled first (its notice is {need} s)")

    def _changes(self, obs: Observation, eid: str, track: _Track, status: Any, etype: Any,
                 key: tuple[str, ...] | None, not_before: int | None) -> None:
        """R11 for a live event that changed; R8 when it is seen Started for the first time."""
        if etype is not None and track.event_type is not None and etype != track.event_type:
            self._find(eid, "R11", f"EventType changed from {track.event_type} to {etype}")
        if key is not None and track.resources is not None and key != track.resources:
            self._find(eid, "R11", f"Resources changed from {list(track.resources)} to {list(key)}")
        if (track.status, status) == ("Started", "Scheduled"):
            self._find(eid, "R11", "the event went back from Started to Scheduled")
        if (track.status, status) == ("Scheduled", "Started"):
            self._started(obs, eid, track, key)
        if not_before is not None:
            if (track.event_type == "Terminate" and track.first_not_before is not None
                    and not_before > track.first_not_before):
                self._find(eid, "E9", f"the Terminate's NotBefore moved later, from {format_micros(track.first_not_before)} "
                                      f"to {format_micros(not_before)}; its timeout cannot be extended", once=True)
            if track.not_before is None or not_before > track.not_before:
                track.not_before = not_before
            if track.first_not_before is None:
                track.first_not_before = not_before
        track.event_type = etype if etype is not None else track.event_type
        track.resources = key if key is not None else track.resources
        track.status = status if status is not None else track.status

    def _pending_deletes(self, obs: Observation, eid: str) -> None:
        """E9: an approved delete waits for every pending delete, approved or timed out; a
        Terminate that starts early while another is still Scheduled before its NotBefore did not."""
        for other, t in self._live.items():
            if (other != eid and t.event_type == "Terminate" and t.status == "Scheduled"
                    and t.not_before is not None and obs.observed_at < t.not_before):
                self._find(eid, "E9", f"a Terminate started early while the Terminate {other} (line {t.first_line}) "
                                      f"was still Scheduled before its NotBefore {format_micros(t.not_before)}; an "
                                      "approved delete waits until every pending delete is approved or timed out",
                           SOURCE["E9-pending"], soft=True)
                return

    def _started(self, obs: Observation, eid: str, track: _Track, resources: tuple[str, ...] | None) -> None:
        """R8: observed Started before its NotBefore, the event needs an approval.  A capture sees
        only this VM's approvals: any VM of the set may approve, and so may the maintenance API
        from outside the VM, unless the capture header declares this VM the only approver."""
        nb = track.not_before
        if nb is None or obs.observed_at >= nb:
            return
        if track.event_type == "Terminate":
            self._pending_deletes(obs, eid)
        if eid in self._approved:
            return
        early = (nb - obs.observed_at) / 1e6
        message = f"started at least {early:g} s before NotBefore {format_micros(nb)} with no approval recorded"
        vm = self.header.vm
        if self.header.only_approver:
            who = f"VM {vm}" if vm else "this VM"
            self._find(eid, "R8", message + f", and the capture declares {who} the only approver")
        elif resources is not None and len(resources) > 1:
            self._find(eid, "R8", message + "; another VM named in Resources may have approved it",
                       SOURCE["R8-other-vm"], soft=True)
        else:
            named = "only this VM" if vm is None or resources is None or vm in resources else f"only {resources[0]}"
            self._find(eid, "R8", message + f"; the event names {named}, but another VM of the availability set, or "
                                            "an approval from outside the VM, may have released it (the capture "
                                            "header's only_approver says none can)",
                       SOURCE["R8-unseen"], soft=True)


@dataclass
class Report:
    """The result of checking a whole capture: findings (up to a limit) and the summary."""

    findings: list[Finding]
    summary: Summary
    omitted: int  # findings counted in the summary but not listed
    header: CaptureHeader = field(default_factory=lambda: CaptureHeader(0))  # the capture's, or the defaults

    def header_json(self) -> dict[str, Any]:
        h = self.header
        return {"line": h.line or None, "vm": h.vm, "only_approver": h.only_approver,
                "metadata_header": h.metadata_header}

    @property
    def failed(self) -> bool:
        return bool(self.summary.errors)


def check_observations(observations: Iterable[Observation | CaptureHeader], *, strict: bool = False,
                       limit: int | None = 1000, allow: Iterable[str] = ()) -> Report:
    """Check a stream of observations; keep at most `limit` findings (the summary counts them all).
    `allow` names soft exceptions (keys of `SOURCE`, e.g. "R11-hardware") that stay warnings under
    `strict`: the ones the producer of the capture is known to use legitimately."""
    checker = StreamChecker(strict=strict, allow=allow)
    kept: list[Finding] = []
    omitted = 0
    for obs in observations:
        for f in checker.feed(obs):
            if limit is None or len(kept) < limit:
                kept.append(f)
            else:
                omitted += 1
    return Report(kept, checker.summary, omitted, checker.header)


def iter_findings(observations: Iterable[Observation | CaptureHeader], *, strict: bool = False) -> Iterator[Finding]:
    """Every finding, as the observations stream past."""
    checker = StreamChecker(strict=strict)
    for obs in observations:
        yield from checker.feed(obs)
