#!/usr/bin/env python3
"""Load test of Strumpavtal's release build with wrk (docs/performance.md).

For each backend (SQLite, PostgreSQL) and data set (demo, national) it fills
a fresh database (`strumpavtal bench seed`), starts `strumpavtal serve` and
`strumpavtal bench baseline` on it, makes cohorts the way a coordinator does
(a plan, then confirm and invoice), and runs wrk against:

  baseline    one row read through the same pool, as JSON (bench baseline)
  cohort      GET /api/v1/cohorts/{id}, each of the confirmed cohorts in turn
  invoicing   GET /api/v1/organisations/{id}/invoicing, each of the 20
              organisations with the most invoicing lines in turn
  demand      GET /api/v1/demand?course_code=…, the courses of the 20
              largest cohorts in turn
  demand-pages  GET /api/v1/demand?limit=50&after=…, the first 20 pages of
              50 courses in turn, as a client that follows the Link header
  demand-pages-gzip  the same with Accept-Encoding: gzip
  demand-all  GET /api/v1/demand, every course (8.7 MB at national scale)
  demand-all-gzip  the same with Accept-Encoding: gzip
  dashboard   GET / as the coordinator (the overview page)
  dashboard-gzip  the same with Accept-Encoding: gzip, as browsers send it
  writes      POST /api/v1/needs and POST /api/v1/cohorts/{id}/join, in turn

and prints requests per second, p50/p99 latency, each endpoint's throughput
as a ratio to the baseline, answers that were not 2xx, and the server's
resident memory. `--answer-cache-mb 0` runs the server with its cache of
everyday answers off, so that every cohort, invoicing and demand read is
computed. `--soak MINUTES` instead runs a mix of all of them for that
long and prints throughput, p99 and memory minute by minute; `--reads-only`
leaves the writes out of the mix, so that the data does not grow.

Needs: wrk (Debian: apt-get install wrk), Python 3, and for PostgreSQL a
server that `--postgres` reaches and psql (it creates and drops a database
strumpavtal_load_<random>; existing data is never touched).
"""

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    """A port nothing listens on now, so that a server left running by
    something else is never measured instead of ours."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# How long wrk waits for an answer before it counts the request as timed out.
WRK_TIMEOUT_S = 10

SERVER_PORT = free_port()
BASELINE_PORT = free_port()

# One Lua script for every run. Python fills in REQUESTS; each wrk thread
# cycles through them from its own starting point, counts the statuses it
# gets, and `done` prints one machine-readable line.
LUA = r"""
local requests = REQUESTS
local threads = {}
local counter = 0

function setup(thread)
  thread:set("first", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  examples = {}
  next_request = first or 0
end

function request()
  local r = requests[(next_request % #requests) + 1]
  next_request = next_request + 1
  return wrk.format(r.method, r.path, r.headers, r.body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and examples[status] == nil then
    examples[status] = string.sub(body, 1, 300)
  end
end

function done(summary, latency, requests)
  local counts = {}
  local shown = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    for status, body in pairs(thread:get("examples")) do
      if not shown[status] then
        io.write(string.format("EXAMPLE %d %s\n", status, body))
        shown[status] = true
      end
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"statuses": {%s}, "socket_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    table.concat(parts, ", "), e.connect + e.read + e.write + e.timeout, e.timeout))
end
"""


def lua_string(text):
    return json.dumps(text)  # a JSON string is a valid Lua string literal here (ASCII, escaped)


def lua_requests(requests):
    items = []
    for r in requests:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in r["headers"].items())
        body = lua_string(r["body"]) if r.get("body") is not None else "nil"
        items.append(f'{{method = {lua_string(r["method"])}, path = {lua_string(r["path"])}, '
                     f"headers = {{{headers}}}, body = {body}}}")
    return "{\n" + ",\n".join(items) + "\n}"


class Client:
    """The few API calls that set up the cohorts, as the coordinator."""

    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None):
        return self.call_with_headers(method, path, body)[0]

    def call_with_headers(self, method, path, body=None):
        """The answer's JSON and its headers."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=600) as answer:
                return json.load(answer), answer.headers
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{method} {path}: {error.code} {error.read().decode(errors='replace')}")


def wait_for(url, process, what):
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise SystemExit(f"{what} did not answer at {url}")


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_ticks(pid):
    """User and system time the process has used, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_until_idle(pid, limit=300):
    """Waits until the server has finished what wrk left it: a slow endpoint
    leaves requests running after wrk stops, and they would slow the next run."""
    before = cpu_ticks(pid)
    for _ in range(limit * 2):
        time.sleep(0.5)
        now = cpu_ticks(pid)
        if now - before <= 2:  # at most 2 ticks (20 ms) of CPU in half a second
            return
        before = now
    print(f"  (the server was still busy after {limit} s)", file=sys.stderr, flush=True)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Setup:
    """A database with a data set, `serve` and `bench baseline` running on it."""

    def __init__(self, args, backend, data, workdir):
        self.args, self.backend, self.data = args, backend, data
        self.dropped_database = self.server = self.baseline = self.logs = None
        try:
            self.start(workdir)
        except BaseException:
            self.close()
            raise

    def start(self, workdir):
        args, backend, data = self.args, self.backend, self.data
        if backend == "sqlite":
            url = f"sqlite://{workdir}/load-{data}.sqlite"
        else:
            name = f"strumpavtal_load_{secrets.token_hex(6)}"
            subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
            self.dropped_database = name
            url = args.postgres.rsplit("/", 1)[0] + "/" + name
        env = dict(os.environ,
                   STRUMPAVTAL__DATABASE__URL=url,
                   STRUMPAVTAL__SERVER__BIND=f"127.0.0.1:{SERVER_PORT}",
                   STRUMPAVTAL__EMAIL__FILE_DIR=f"{workdir}/outbox-{backend}-{data}")
        if args.answer_cache_mb is not None:
            env["STRUMPAVTAL__SERVER__ANSWER_CACHE_MB"] = str(args.answer_cache_mb)
        seeded = subprocess.run([args.binary, "bench", "seed", "--data", data, "--needs", str(args.needs)],
                                env=env, check=True, capture_output=True, text=True)
        self.seeded = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.logs = open(f"{workdir}/serve-{backend}-{data}.log", "w")
        self.server = subprocess.Popen([args.binary, "serve"], env=env, stdout=self.logs, stderr=self.logs)
        self.baseline = subprocess.Popen(
            [args.binary, "bench", "baseline", "--bind", f"127.0.0.1:{BASELINE_PORT}"],
            env=env, stdout=self.logs, stderr=self.logs)
        wait_for(f"http://127.0.0.1:{SERVER_PORT}/health", self.server, "serve")
        wait_for(f"http://127.0.0.1:{BASELINE_PORT}/baseline", self.baseline, "bench baseline")
        self.api = Client(f"http://127.0.0.1:{SERVER_PORT}/api/v1", self.seeded["coordinator_token"])
        self.make_cohorts()

    def make_cohorts(self):
        """A plan, then the first cohorts confirmed and invoiced, as a coordinator would."""
        started = time.monotonic()
        plan = self.api.call("POST", "/plans")
        proposed = sorted(plan["cohorts"], key=lambda c: -len(c["allocations"]))
        self.confirmed = [c["id"] for c in proposed[: self.args.confirm]]
        self.busy_courses = list(dict.fromkeys(c["course_code"] for c in proposed[:20]))
        for cohort in self.confirmed:
            self.api.call("POST", f"/cohorts/{cohort}/confirm", {})
            self.api.call("POST", f"/cohorts/{cohort}/invoice", {})
        self.agreements = self.api.call("GET", "/agreements")
        pooling = {a["id"] for a in self.agreements if a["pooling"]}
        lines, self.joinable = {}, []
        for cohort in map(lambda id: self.api.call("GET", f"/cohorts/{id}"), self.confirmed):
            for allocation in cohort["allocations"]:
                lines[allocation["organisation_id"]] = lines.get(allocation["organisation_id"], 0) + 1
            # Others may join only where every party pools.
            if all(a["agreement_id"] in pooling for a in cohort["allocations"]):
                self.joinable.append((cohort["id"], cohort["term"]))
        self.organisations = sorted(lines, key=lines.get, reverse=True)[:20]
        self.courses = [c["code"] for c in self.api.call("GET", "/courses")][:10]
        self.first_term = plan["first_term"]
        self.demand_pages = self.pages_of_demand()
        print(f"  set up in {time.monotonic() - started:.1f} s: {len(plan['cohorts'])} cohorts proposed, "
              f"{len(self.confirmed)} confirmed and invoiced; organisation {self.organisations[0]} has seats in "
              f"{lines[self.organisations[0]]} of them", file=sys.stderr, flush=True)

    def pages_of_demand(self, size=50, pages=20):
        """The paths of the first pages of every course's demand, by following their Link headers."""
        paths, path = [], f"/demand?limit={size}"
        while path and len(paths) < pages:
            paths.append(path)
            link = self.api.call_with_headers("GET", path)[1].get("Link")
            path = link and link.split(">")[0].removeprefix("<").removeprefix("/api/v1")
        return paths

    def api_get(self, path, headers=None):
        return {"method": "GET", "path": f"/api/v1{path}",
                "headers": {"Authorization": f"Bearer {self.seeded['coordinator_token']}", **(headers or {})}}

    def page_get(self, path, headers=None):
        return {"method": "GET", "path": path,
                "headers": {"Cookie": f"sp_session={self.seeded['session_cookie']}", **(headers or {})}}

    def covering(self, term, pooling=False):
        """Up to 20 agreements that run over the whole term (and pool, if asked)."""
        first_day, last_day = term_days(term)
        return [a["id"] for a in self.agreements
                if a["starts_on"] <= first_day and last_day <= a["ends_on"] and (a["pooling"] or not pooling)][:20]

    def scenarios(self):
        token = {"Authorization": f"Bearer {self.seeded['coordinator_token']}", "Content-Type": "application/json"}
        needs = [{"method": "POST", "path": "/api/v1/needs", "headers": token,
                  "body": json.dumps({"agreement_id": a, "course_code": c, "seats": 1,
                                      "earliest_term": self.first_term, "latest_term": self.first_term,
                                      "note": "load test"})}
                 for a in self.covering(self.first_term) for c in self.courses]
        joins = [{"method": "POST", "path": f"/api/v1/cohorts/{cohort}/join", "headers": token,
                  "body": json.dumps({"agreement_id": a, "seats": 1, "override_budget_reason": "load test"})}
                 for cohort, term in self.joinable for a in self.covering(term, pooling=True)[:5]]
        if not needs or not joins:
            raise SystemExit("no agreement covers the terms of the writes; the data set does not fit the date")
        writes = [r for pair in zip(needs * len(joins), joins * len(needs)) for r in pair][:2000]
        return {
            "baseline": (BASELINE_PORT, [{"method": "GET", "path": "/baseline", "headers": {}}]),
            "cohort": (SERVER_PORT, [self.api_get(f"/cohorts/{id}") for id in self.confirmed]),
            "invoicing": (SERVER_PORT, [self.api_get(f"/organisations/{id}/invoicing") for id in self.organisations]),
            "demand": (SERVER_PORT, [self.api_get(f"/demand?course_code={c}") for c in self.busy_courses]),
            "demand-pages": (SERVER_PORT, [self.api_get(p) for p in self.demand_pages]),
            "demand-pages-gzip": (SERVER_PORT, [self.api_get(p, {"Accept-Encoding": "gzip"})
                                                for p in self.demand_pages]),
            "demand-all": (SERVER_PORT, [self.api_get("/demand")]),
            # The same, as a client that takes gzip (browsers, curl --compressed, most HTTP libraries).
            "demand-all-gzip": (SERVER_PORT, [self.api_get("/demand", {"Accept-Encoding": "gzip"})]),
            "dashboard": (SERVER_PORT, [self.page_get("/")]),
            # As a browser asks for it: every browser takes gzip.
            "dashboard-gzip": (SERVER_PORT, [self.page_get("/", {"Accept-Encoding": "gzip, deflate, br"})]),
            "writes": (SERVER_PORT, writes),
        }

    def close(self):
        for process in (p for p in (self.server, self.baseline) if p):
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.logs:
            self.logs.close()
        if self.dropped_database:
            subprocess.run(["psql", self.args.postgres, "-qc",
                            f"DROP DATABASE IF EXISTS {self.dropped_database} WITH (FORCE)"], check=False)


def term_days(term):
    """A term's first and last day, as ISO dates: VT is spring, HT autumn."""
    year = term[2:]
    return (f"{year}-01-01", f"{year}-06-30") if term.startswith("VT") else (f"{year}-07-01", f"{year}-12-31")


def run_wrk(args, port, requests, seconds, workdir):
    script = Path(workdir) / "run.lua"
    script.write_text(LUA.replace("REQUESTS", lua_requests(requests)))
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", f"{WRK_TIMEOUT_S}s",
               "-s", str(script), f"http://127.0.0.1:{port}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    for example in (l for l in output.splitlines() if l.startswith("EXAMPLE ")):
        print(f"  (an answer of the run: {example[len('EXAMPLE '):]})", file=sys.stderr, flush=True)
    line = next(l for l in output.splitlines() if l.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def p99_ms(result):
    """wrk leaves requests that timed out out of its latencies: then the
    true p99 is at least the timeout, whatever the histogram says."""
    if result["timeouts"]:
        return f"≥ {WRK_TIMEOUT_S * 1000:.0f}"
    return f"{result['p99_us'] / 1000:.1f}"


def not_2xx(result):
    bad = {s: n for s, n in result["statuses"].items() if not s.startswith("2")}
    bad = ", ".join(f"{n}×{s}" for s, n in sorted(bad.items()))
    errors = f"{result['socket_errors']} socket errors" if result["socket_errors"] else ""
    return "; ".join(x for x in (bad, errors) if x) or "0"


def measure(args, setup, workdir):
    scenarios = setup.scenarios()
    baseline_rps = None
    for name in args.endpoints:
        port, requests = scenarios[name]
        pid = setup.baseline.pid if port == BASELINE_PORT else setup.server.pid
        run_wrk(args, port, requests, args.warmup, workdir)
        wait_until_idle(pid)
        result = run_wrk(args, port, requests, args.seconds, workdir)
        memory = resident_mb(setup.server.pid)
        wait_until_idle(pid)
        if name == "baseline":
            baseline_rps = result["rps"]
        ratio = f"{result['rps'] / baseline_rps:.2f}" if baseline_rps else "–"
        print(f"| {setup.backend} | {setup.data} | {name} | {result['rps']:,.0f} | "
                    f"{result['p50_us'] / 1000:.1f} | {p99_ms(result)} | {ratio} | "
                    f"{not_2xx(result)} | {memory:.0f} |", flush=True)


def soak(args, setup, workdir):
    scenarios = setup.scenarios()
    # Reads and writes in turn: a cohort, invoicing lines, one course's demand
    # and a write; the overview once in forty requests (it reads everything).
    # With --reads-only the writes are left out, so the data stays as loaded.
    reads = [scenarios[n][1][0] for n in ("cohort", "invoicing", "demand")]
    writes = scenarios["writes"][1][:400]
    mix = []
    for i, write in enumerate(writes):
        mix += reads
        if i % 10 == 9:
            mix.append(scenarios["dashboard"][1][0])
        if not args.reads_only:
            mix.append(write)
    print("| minute | requests/s | p50 ms | p99 ms | not 2xx | serve MB | load average |", flush=True)
    print("|---:|---:|---:|---:|---|---:|---|", flush=True)
    print(f"| 0 | | | | | {resident_mb(setup.server.pid):.0f} | {load_average()} |", flush=True)
    for minute in range(1, args.soak + 1):
        result = run_wrk(args, SERVER_PORT, mix, 60, workdir)
        print(f"| {minute} | {result['rps']:,.0f} | {result['p50_us'] / 1000:.1f} | {p99_ms(result)} | "
              f"{not_2xx(result)} | {resident_mb(setup.server.pid):.0f} | {load_average()} |", flush=True)


def sizes(args, setup, workdir):
    """The bytes of each endpoint's first answer as sent, and its Content-Encoding."""
    print("| endpoint | bytes sent | Content-Encoding |")
    print("|---|---:|---|")
    for name, (port, requests) in setup.scenarios().items():
        if name in args.endpoints and name != "writes":
            first = requests[0]
            request = urllib.request.Request(f"http://127.0.0.1:{port}{first['path']}", headers=first["headers"])
            with urllib.request.urlopen(request, timeout=600) as answer:
                body = answer.read()
                print(f"| {name} | {len(body):,} | {answer.headers.get('Content-Encoding') or '–'} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], action="append",
                        help="default: both")
    parser.add_argument("--data", choices=["demo", "national"], action="append", help="default: both")
    parser.add_argument("--endpoints", nargs="+",
                        default=["baseline", "cohort", "invoicing", "demand", "demand-pages", "demand-pages-gzip",
                                 "demand-all", "demand-all-gzip",
                                 "dashboard", "dashboard-gzip", "writes"])
    parser.add_argument("--needs", type=int, default=30000, help="needs in the national data set")
    parser.add_argument("--confirm", type=int, default=100, help="cohorts to confirm and invoice")
    parser.add_argument("--seconds", type=int, default=20, help="length of each measured run")
    parser.add_argument("--warmup", type=int, default=3, help="length of the unmeasured run before each")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--sizes", action="store_true",
                        help="instead of loading, print the size of each endpoint's answer as sent "
                             "(with the first --backend and --data)")
    parser.add_argument("--soak", type=int, metavar="MINUTES",
                        help="instead: a mix of everything for this many minutes (first backend and data set)")
    parser.add_argument("--reads-only", action="store_true",
                        help="with --soak: no writes, so that the data does not grow during the run")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server to create the scratch database on")
    parser.add_argument("--binary", help="a built strumpavtal (default: cargo build --release)")
    parser.add_argument("--answer-cache-mb", type=int, metavar="MB",
                        help="the server's server.answer_cache_mb (default: its own, 64); 0 turns the cache off")
    args = parser.parse_args()
    args.backend = args.backend or ["sqlite", "postgres"]
    args.data = args.data or ["demo", "national"]

    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    if not args.binary:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
        args.binary = str(target / "release" / "strumpavtal")

    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}; {os.cpu_count()} cores; load average {load_average()}; "
          f"wrk -t{args.threads} -c{args.connections}, {args.seconds} s a run after {args.warmup} s warm-up; "
          f"{time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    with tempfile.TemporaryDirectory(prefix="strumpavtal-load-") as workdir:
        if args.soak or args.sizes:
            setup = Setup(args, args.backend[0], args.data[0], workdir)
            try:
                (soak if args.soak else sizes)(args, setup, workdir)
            finally:
                setup.close()
            return
        print("| backend | data | endpoint | requests/s | p50 ms | p99 ms | ratio to baseline | not 2xx | serve MB |")
        print("|---|---|---|---:|---:|---:|---:|---|---:|", flush=True)
        for backend in args.backend:
            for data in args.data:
                setup = Setup(args, backend, data, workdir)
                try:
                    measure(args, setup, workdir)
                finally:
                    setup.close()


if __name__ == "__main__":
    sys.exit(main())
