"""Run wrk (HTTP load, C) against a server with a generated Lua script, and read the server's
CPU time around the run. Each request body is a template whose ``{n}`` becomes a counter
(plus an offset), so every write is new; ``items`` > 0 builds a JSON list of that many items.
Any non-200 response or a body with ``"errors"`` or ``ValidationError`` counts as an error.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.http_load import cpu_seconds

LUA = """
local path, token, template, item, items = %s, %s, %s, %s, %d
local offset, counter, threads = 0, 0, {}
errors = 0
function setup(thread) table.insert(threads, thread) end
function init(args) offset = tonumber(args[1] or "0") end
local function next_n() counter = counter + 1; return tostring(offset + counter) end
function request()
  local body
  if items > 0 then
    local parts = {}
    for i = 1, items do parts[i] = (item:gsub("{n}", next_n())) end
    body = (template:gsub("{items}", table.concat(parts, ",")))
  else
    body = (template:gsub("{n}", next_n()))
  end
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  return wrk.format("POST", path, headers, body)
end
function response(status, headers, body)
  if status ~= 200 or body:find('"errors"') or body:find("ValidationError") then
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("HS_RESULT %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), e))
end
"""


def _lua_string(text: str) -> str:
    return f"[==[{text}]==]"


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    template: str  # a JSON body; ``{n}`` is the counter, ``{items}`` the generated list
    token: str = ""
    item: str = ""
    items: int = 0
    connections: int = 0  # 0: the run's default

    @property
    def rows_per_request(self) -> int:
        return max(self.items, 1)


@dataclass
class Totals:
    """One case summed over its rounds."""

    requests: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    errors: int = 0
    p50s: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.server_cpu / self.requests * 1000 if self.requests else 0.0

    @property
    def p99_ms(self) -> float:
        return sorted(self.p99s)[len(self.p99s) // 2] if self.p99s else 0.0

    @property
    def p50_ms(self) -> float:
        return sorted(self.p50s)[len(self.p50s) // 2] if self.p50s else 0.0


def settle(pid: int, idle: float = 0.02, every: float = 0.25) -> None:
    """Wait until the server has (nearly) stopped spending CPU, so one case's backlog never
    runs into the next case's measurement."""
    last = cpu_seconds(pid)
    while True:
        time.sleep(every)
        now = cpu_seconds(pid)
        if now - last < idle:
            return
        last = now


def require_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is required (Debian/Ubuntu: apt-get install wrk)")
    return found


def run(
    case: Case, base: str, pid: int, totals: Totals, *, seconds: int, connections: int, offset: int
) -> int:
    """One wrk run of ``case``; adds to ``totals``; returns how many requests it sent."""
    script = LUA % (
        _lua_string(case.path),
        _lua_string(case.token),
        _lua_string(case.template),
        _lua_string(case.item),
        case.items,
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "case.lua"
        path.write_text(script)
        connections = case.connections or connections
        command = [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
        command += ["-s", str(path), base, "--", str(offset)]
        before = cpu_seconds(pid)
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        settle(pid)  # requests wrk gave up on still cost the server: count them here
        cpu = cpu_seconds(pid) - before
    line = next(x for x in output.splitlines() if x.startswith("HS_RESULT"))
    requests, micros, p50, p99, errors = (int(v) for v in line.split()[1:])
    totals.requests += requests
    totals.seconds += micros / 1e6
    totals.server_cpu += cpu
    totals.errors += errors
    totals.p50s.append(p50 / 1000)
    totals.p99s.append(p99 / 1000)
    return requests
