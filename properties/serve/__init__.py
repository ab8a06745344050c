"""`vmspec serve`: a Scheduled Events endpoint driven by the model, for testing applications.

The platform side is the model (`platform.Platform`, a seeded scheduler or a scripted scenario);
every VM of the topology gets its own endpoint (`app.Endpoint`, on aiohttp) serving the documented
contract per api-version (`documents.Documents`); `record.Recorder` writes the captures and the
trace and checks them on exit; `server.Server` and `server.BackgroundServer` put it together
(notes/serve.md)."""

from vmspec.properties.serve.app import SE_PATH, Clock, Endpoint
from vmspec.properties.serve.documents import Documents
from vmspec.properties.serve.platform import AUTO, MANUAL, MODES, SCENARIO, Pacing, Platform, Stuck, run_until_done
from vmspec.properties.serve.record import Recorder, Verdict
from vmspec.properties.serve.scenario import Scenario, ScriptStep, load, validate
from vmspec.properties.serve.server import BackgroundServer, Options, Server

__all__ = [
    "AUTO",
    "MANUAL",
    "MODES",
    "SCENARIO",
    "SE_PATH",
    "BackgroundServer",
    "Clock",
    "Documents",
    "Endpoint",
    "Options",
    "Pacing",
    "Platform",
    "Recorder",
    "Scenario",
    "ScriptStep",
    "Server",
    "Stuck",
    "Verdict",
    "load",
    "run_until_done",
    "validate",
]
