//! Benchmarks run from the command line: `strumpavtal bench plan` (issue 3),
//! `strumpavtal bench email` (in `email`), and `bench seed` and `bench
//! baseline` for the load test of `bench/load.py` (in `load`).
//!
//! It generates the national data set of [`national`], loads it into a fresh
//! database (a temporary SQLite file, or a database it creates on a
//! PostgreSQL server and drops afterwards), and times the planner two ways:
//! the pure solve (`load_problems` + `solve_all`, as `POST /api/v1/plans`
//! runs them) and the whole request end to end against the real server,
//! started in-process on a free port. The requests run first, then the pure
//! solves, then one more solve that times each course alone.
//!
//! Peak memory is the process's VmHWM, reset before each phase. Everything
//! runs in one process, so a phase starts from what earlier ones left
//! resident: glibc keeps freed memory in per-thread arenas, and the RSS
//! before each request grows by tens of MB per run at 30,000 needs (with
//! `MALLOC_ARENA_MAX=1` it barely grows, so it is the allocator, not a
//! leak). The first request's peak is the one closest to a fresh server.
//!
//! Stopping it early: actix catches SIGINT/SIGTERM and waits for the request
//! in flight, so a long plan keeps the process alive; `kill -9` leaves the
//! scratch database behind (`/tmp/strumpavtal_bench_*.sqlite`, or a
//! PostgreSQL database `strumpavtal_bench_*` to drop by hand).

pub mod email;
pub mod load;
pub mod national;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::{Connection, RunQueryDsl};
use rand::RngCore;

use crate::access::{Role, users};
use crate::cohorts::plans::{load_problems, solve_all};
use crate::config::Settings;
use crate::db::schema::courses;
use crate::db::{self, DbPool};
use crate::ids::CourseId;
use crate::planning::{self, CoursePlan, CourseProblem};
use crate::registry::term::Term;
use crate::startup::Application;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// How many needs to generate (organisations and courses are fixed:
    /// 511 organisations with one agreement each, 1,500 courses).
    #[arg(long, default_value_t = 30_000)]
    pub needs: usize,
    /// Seed of the generator: the same seed gives the same data set.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// `postgres://user@host:port/db`: a server on which a fresh database
    /// `strumpavtal_bench_<hex>` is created, used and dropped (the database in
    /// the URL is only used to connect). `sqlite://PATH`: a new SQLite file,
    /// kept afterwards (it must not exist). Without it: an SQLite file in the
    /// temporary folder, removed afterwards.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// How many times to time each measurement.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
}

/// Runs `bench plan`. Blocking: it uses its own server thread and plain
/// sockets, so it may be called from the main async runtime.
pub fn plan(settings: Settings, args: PlanArgs) -> anyhow::Result<()> {
    let scratch = Scratch::create(args.database.as_deref())?;
    let result = plan_on(settings, &args, &scratch);
    drop(scratch);
    result
}

fn plan_on(mut settings: Settings, args: &PlanArgs, scratch: &Scratch) -> anyhow::Result<()> {
    let backend = scratch.backend();
    let url = scratch.url();
    let today = chrono::Local::now().date_naive();
    let first_term = Term::first_not_begun(today);
    let node_limit = settings.planning.limits();
    let mut memory = Memory::default();
    let load_average = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into());
    println!(
        "bench plan: {backend}, {} needs, seed {}, {} repeat(s), {} cores, node limits {node_limit:?}",
        args.needs,
        args.seed,
        args.repeat,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!("  database: {}", db::redact(&url));

    let started = Instant::now();
    let pool =
        db::connect(&url, settings.database.pool_size, Duration::from_millis(settings.database.busy_timeout_ms))?;
    println!("  migrated in {} ms", started.elapsed().as_millis());

    let started = Instant::now();
    let data = national::generate(args.needs, args.seed, today);
    let generate_time = started.elapsed();
    let started = Instant::now();
    national::load(&mut *pool.get()?, &data).map_err(|e| anyhow::anyhow!("loading the data set: {e}"))?;
    let insert_time = started.elapsed();
    let load_time = generate_time + insert_time;
    println!(
        "  generated {} organisations, {} agreements, {} courses, {} needs ({} – {}) in {} ms; inserted in {} ms",
        data.organisations.len(),
        data.agreements.len(),
        data.courses.len(),
        data.needs.len(),
        data.first_term,
        data.last_term(),
        generate_time.as_millis(),
        insert_time.as_millis()
    );
    drop(data);

    let mut conn = pool.get()?;
    let token = users::create(
        &mut conn,
        users::NewUser { email: "bench@strumpavtal.example", role: Role::Coordinator, organisation: None },
    )
    .map_err(|e| anyhow::anyhow!("creating the coordinator: {e}"))?
    .token;
    let course_codes: std::collections::HashMap<CourseId, String> =
        courses::table.select((courses::id, courses::code)).load(&mut *conn)?.into_iter().collect();

    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = url.clone();
    let server = BenchServer::start(settings, pool.clone())?;
    println!("  server listening on 127.0.0.1:{}", server.port);

    // The requests run first, so that their peak memory is the server's and
    // not what the pure solves below leave resident in this process.
    let mut http_runs = Vec::new();
    let mut http_cores = Vec::new();
    for run in 1..=args.repeat {
        let before = memory.start_phase();
        let cpu = cpu_seconds();
        let started = Instant::now();
        let (status, body) = post_plan(server.port, &token)?;
        let total = started.elapsed();
        let cores = cores_used(cpu, total);
        let peak = memory.end_phase();
        if status != 201 {
            anyhow::bail!("POST /api/v1/plans answered {status}: {}", String::from_utf8_lossy(&body));
        }
        let http = HttpRun::new(total, peak, &body)?;
        println!(
            "  run {run}: POST /api/v1/plans {:>8} ms (server-side solve {} ms, {} cores busy)  peak {} (from {})  \
             {} cohorts, optimal {}, {} KB answer",
            http.total.as_millis(),
            http.solve_ms,
            show_cores(cores),
            mb(http.peak),
            mb(before),
            http.cohorts,
            http.optimal,
            http.bytes / 1024
        );
        http_runs.push(http);
        http_cores.extend(cores);
    }

    // The pure solve: what `plans::run` does before it stores anything.
    let mut pure_runs = Vec::new();
    let mut solve_cores = Vec::new();
    let mut last_problems = Vec::new();
    let mut last_course_ids = Vec::new();
    for run in 1..=args.repeat {
        let before = memory.start_phase();
        let started = Instant::now();
        let (problems, course_ids) = load_problems(&mut conn, today).map_err(|e| anyhow::anyhow!("{e}"))?;
        let read = started.elapsed();
        let cpu = cpu_seconds();
        let started = Instant::now();
        let plans = solve_all(&problems, first_term, node_limit);
        let solve = started.elapsed();
        let cores = cores_used(cpu, solve);
        let peak = memory.end_phase();
        let pure = PureRun::new(&problems, &plans, read, solve, peak);
        println!(
            "  run {run}: pure read {:>6} ms, solve {:>8} ms ({} cores busy)  peak {} (from {})  \
             {} courses, {} cohorts, {} not exact",
            pure.read.as_millis(),
            pure.solve.as_millis(),
            show_cores(cores),
            mb(pure.peak),
            mb(before),
            pure.courses,
            pure.cohorts,
            pure.not_exact
        );
        pure_runs.push(pure);
        solve_cores.extend(cores);
        last_problems = problems;
        last_course_ids = course_ids;
    }
    drop(server);
    drop(conn);
    drop(pool);

    // One more solve, timing each course alone, to find the slow ones.
    let profile = profile(&last_problems, first_term, node_limit);
    let needs_per_course: Vec<usize> = {
        let mut counts: Vec<usize> = last_problems.iter().map(|p| p.needs.len()).collect();
        counts.sort_unstable();
        counts
    };

    let pure_last = pure_runs.last().expect("at least one run");
    let http_last = http_runs.last().expect("at least one run");
    let read_ms = stats(pure_runs.iter().map(|r| r.read));
    let solve_ms = stats(pure_runs.iter().map(|r| r.solve));
    let total_ms = stats(http_runs.iter().map(|r| r.total));
    let pure_peak = pure_runs.iter().filter_map(|r| r.peak).max();
    let http_peak = http_runs.iter().filter_map(|r| r.peak).max();
    let not_exact = pure_runs.iter().map(|r| r.not_exact).max().unwrap_or(0);

    println!();
    println!("== bench plan: {backend}, {} needs, seed {}, {} run(s)", args.needs, args.seed, args.repeat);
    println!(
        "load                 {:.2} s (generate {} ms, insert {} ms)",
        load_time.as_secs_f64(),
        generate_time.as_millis(),
        insert_time.as_millis()
    );
    println!("read (load_problems) median {} ms, max {} ms", read_ms.0, read_ms.1);
    println!("solve (solve_all)    median {} ms, max {} ms", solve_ms.0, solve_ms.1);
    println!(
        "POST /api/v1/plans   median {} ms, max {} ms (status 201; server-side solve {} ms in the last run)",
        total_ms.0, total_ms.1, http_last.solve_ms
    );
    println!(
        "peak RSS             first request {}, any request {}, pure solve {}, whole process {} \
         (baseline before the plans {})",
        mb(http_runs.first().and_then(|r| r.peak)),
        mb(http_peak),
        mb(pure_peak),
        mb(memory.overall_peak()),
        mb(memory.baseline)
    );
    println!(
        "CPU                  {} cores busy on average in the requests, {} in the solves, of {}; \
         load average at the start {} (fewer busy cores than the solver's threads: other work on the machine)",
        show_cores(mean(&http_cores)),
        show_cores(mean(&solve_cores)),
        std::thread::available_parallelism().map_or(1, usize::from),
        load_average
    );
    println!(
        "courses              {} with open needs; needs per course: median {}, max {}",
        pure_last.courses,
        needs_per_course.get(needs_per_course.len() / 2).copied().unwrap_or(0),
        needs_per_course.last().copied().unwrap_or(0)
    );
    println!("cohorts              {} (pure), {} (http)", pure_last.cohorts, http_last.cohorts);
    println!(
        "not solved exactly   {not_exact} course(s) (pure), of which {} without proven seats and cost; \
         summary.optimal = {} (http)",
        pure_last.cost_not_exact, http_last.optimal
    );
    println!(
        "firm seats           {} requested, {} placed (pure); {} requested, {} placed (http); extra seats used {}",
        pure_last.firm_requested,
        pure_last.firm_placed,
        http_last.firm_requested,
        http_last.firm_placed,
        pure_last.extra_used
    );
    println!(
        "per course           one more solve, each course timed alone: sum {} ms, {} course(s) over 100 ms",
        profile.iter().map(|c| c.time).sum::<Duration>().as_millis(),
        profile.iter().filter(|c| c.time > Duration::from_millis(100)).count()
    );
    println!("slowest courses      code       needs  firm seats  solve ms  exact");
    for course in profile.iter().take(5) {
        let code = course_codes.get(&last_course_ids[course.index]).map_or("?", String::as_str);
        println!(
            "                     {code:<10} {:>5}  {:>10}  {:>8}  {}",
            course.needs,
            course.firm_seats,
            course.time.as_millis(),
            if course.optimal { "yes" } else { "no" }
        );
    }
    println!();
    println!("| backend | needs | load s | read ms | solve ms | end-to-end ms | peak MB | courses | not exact |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {backend} | {} | {:.2} | {} | {} | {} | {} | {} | {not_exact} |",
        args.needs,
        load_time.as_secs_f64(),
        read_ms.0,
        solve_ms.0,
        total_ms.0,
        http_peak.or(memory.overall_peak()).map_or("n/a".to_owned(), |kb| format!("{:.0}", kb as f64 / 1024.0)),
        pure_last.courses
    );
    Ok(())
}

/// Median and max, in whole milliseconds.
fn stats(times: impl Iterator<Item = Duration>) -> (u128, u128) {
    let mut ms: Vec<u128> = times.map(|t| t.as_millis()).collect();
    ms.sort_unstable();
    (ms.get(ms.len() / 2).copied().unwrap_or(0), ms.last().copied().unwrap_or(0))
}

/// CPU time this process has used (all threads, user and system), from
/// /proc/self/stat in clock ticks of 1/100 s.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name in parentheses: state is the first,
    // utime the 12th and stime the 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Cores busy on average since `cpu_before`, over `wall` time.
fn cores_used(cpu_before: Option<f64>, wall: Duration) -> Option<f64> {
    let used = cpu_seconds()? - cpu_before?;
    (wall.as_secs_f64() > 0.05).then(|| used / wall.as_secs_f64())
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn show_cores(cores: Option<f64>) -> String {
    cores.map_or("n/a".to_owned(), |c| format!("{c:.1}"))
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or("n/a".to_owned(), |kb| format!("{:.0} MB", kb as f64 / 1024.0))
}

struct PureRun {
    read: Duration,
    solve: Duration,
    peak: Option<u64>,
    courses: usize,
    cohorts: usize,
    not_exact: usize,
    /// Courses whose firm seats and cost are not proven either.
    cost_not_exact: usize,
    firm_requested: i64,
    firm_placed: i64,
    extra_used: i64,
}

impl PureRun {
    fn new(
        problems: &[CourseProblem],
        plans: &[CoursePlan],
        read: Duration,
        solve: Duration,
        peak: Option<u64>,
    ) -> Self {
        let placements = || plans.iter().flat_map(|p| &p.cohorts).flat_map(|c| &c.placements);
        Self {
            read,
            solve,
            peak,
            courses: problems.len(),
            cohorts: plans.iter().map(|p| p.cohorts.len()).sum(),
            not_exact: plans.iter().filter(|p| !p.optimal).count(),
            cost_not_exact: plans.iter().filter(|p| !p.seats_and_cost_optimal).count(),
            firm_requested: problems.iter().flat_map(|p| &p.needs).map(|n| i64::from(n.seats)).sum(),
            firm_placed: placements().map(|p| i64::from(p.seats)).sum(),
            extra_used: placements().map(|p| i64::from(p.extra_seats)).sum(),
        }
    }
}

struct HttpRun {
    total: Duration,
    peak: Option<u64>,
    bytes: usize,
    optimal: bool,
    cohorts: i64,
    firm_requested: i64,
    firm_placed: i64,
    solve_ms: i64,
}

/// The parts of the plan the benchmark checks. Deserialising only these
/// lets serde skip the cohorts without building them, so the client side
/// adds little to the measured peak memory.
#[derive(serde::Deserialize)]
struct PlanAnswer {
    summary: SummaryAnswer,
}

#[derive(serde::Deserialize)]
struct SummaryAnswer {
    optimal: bool,
    cohorts: i64,
    firm_seats_requested: i64,
    firm_seats_placed: i64,
    solve_ms: i64,
}

impl HttpRun {
    fn new(total: Duration, peak: Option<u64>, body: &[u8]) -> anyhow::Result<Self> {
        let summary = serde_json::from_slice::<PlanAnswer>(body)
            .map_err(|e| anyhow::anyhow!("the answer is not a plan: {e}"))?
            .summary;
        Ok(Self {
            total,
            peak,
            bytes: body.len(),
            optimal: summary.optimal,
            cohorts: summary.cohorts,
            firm_requested: summary.firm_seats_requested,
            firm_placed: summary.firm_seats_placed,
            solve_ms: summary.solve_ms,
        })
    }
}

/// One course of the per-course profile.
struct CourseTiming {
    /// Index into the problems.
    index: usize,
    needs: usize,
    firm_seats: i64,
    time: Duration,
    optimal: bool,
}

/// Solves every course again, on as many threads as `solve_all` uses, timing
/// `plan_course` for each; the slowest first.
fn profile(problems: &[CourseProblem], first_term: Term, node_limit: crate::planning::Limits) -> Vec<CourseTiming> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(problems.len().max(1));
    let next = AtomicUsize::new(0);
    let timings = Mutex::new(Vec::with_capacity(problems.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(problem) = problems.get(index) else { break };
                    let started = Instant::now();
                    let plan = planning::plan_course(problem, first_term, node_limit);
                    let time = started.elapsed();
                    timings.lock().expect("no panics while holding the lock").push(CourseTiming {
                        index,
                        needs: problem.needs.len(),
                        firm_seats: problem.needs.iter().map(|n| i64::from(n.seats)).sum(),
                        time,
                        optimal: plan.optimal,
                    });
                }
            });
        }
    });
    let mut timings = timings.into_inner().expect("no panics while holding the lock");
    timings.sort_by_key(|t| std::cmp::Reverse(t.time));
    timings
}

/// `POST /api/v1/plans` over a plain HTTP/1.1 connection; the status and
/// the whole body.
fn post_plan(port: u16, token: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(3600)))?;
    write!(
        stream,
        "POST /api/v1/plans HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Accept: application/json\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )?;
    stream.flush()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(raw)
}

/// The status and body of a whole HTTP/1.1 answer (the body in place, not copied).
fn parse_response(mut raw: Vec<u8>) -> anyhow::Result<(u16, Vec<u8>)> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow::anyhow!("the answer has no end of headers ({} bytes)", raw.len()))?;
    let head = std::str::from_utf8(&raw[..end])?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no status in {:?}", head.lines().next()))?;
    let chunked = head.lines().skip(1).any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding") && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    if chunked {
        return Ok((status, dechunk(&raw[end + 4..])?));
    }
    raw.drain(..end + 4);
    Ok((status, raw))
}

fn dechunk(mut rest: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end =
            rest.windows(2).position(|w| w == b"\r\n").ok_or_else(|| anyhow::anyhow!("a chunk has no size line"))?;
        let size_text = std::str::from_utf8(&rest[..line_end])?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or_default().trim(), 16)?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            anyhow::bail!("a chunk of {size} bytes is cut short");
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// The real server on its own actix system and thread, so it can be stopped
/// (`Application` keeps its server handle to itself; stopping the system
/// stops its workers).
struct BenchServer {
    port: u16,
    system: actix_web::rt::System,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BenchServer {
    fn start(settings: Settings, pool: DbPool) -> anyhow::Result<Self> {
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new().name("bench-server".into()).spawn(move || {
            let system = actix_web::rt::System::new();
            let started = system.block_on(async move {
                let app = Application::build_with_pool(settings, pool)?;
                let port = app.port();
                actix_web::rt::spawn(app.run_until_stopped());
                anyhow::Ok(port)
            });
            let running = started.is_ok();
            let _ = sender.send(started.map(|port| (port, actix_web::rt::System::current())));
            if running {
                let _ = system.run();
            }
        })?;
        let (port, system) = receiver.recv().map_err(|_| anyhow::anyhow!("the server thread ended early"))??;
        Ok(Self { port, system, thread: Some(thread) })
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        self.system.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Peak resident memory per phase: Linux's VmHWM, reset between phases by
/// writing 5 to /proc/self/clear_refs. The phases run in one process, so a
/// phase's peak includes what the process already held (see `baseline`).
#[derive(Default)]
struct Memory {
    /// The highest VmHWM seen before any reset, in kB.
    overall: Option<u64>,
    /// Resident memory before the first measured phase, in kB.
    baseline: Option<u64>,
}

impl Memory {
    fn status_kb(field: &str) -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with(field))?;
        line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()
    }

    fn note_peak(&mut self) -> Option<u64> {
        let peak = Self::status_kb("VmHWM:");
        self.overall = self.overall.max(peak);
        peak
    }

    /// Starts a phase; gives the resident memory at its start, in kB.
    fn start_phase(&mut self) -> Option<u64> {
        self.note_peak();
        let resident = Self::status_kb("VmRSS:");
        if self.baseline.is_none() {
            self.baseline = resident;
        }
        // Without the reset, the phase's peak is the process's peak so far.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        resident
    }

    fn end_phase(&mut self) -> Option<u64> {
        self.note_peak()
    }

    fn overall_peak(&mut self) -> Option<u64> {
        self.note_peak();
        self.overall
    }
}

/// The database the benchmark writes to; removed or dropped when it ends.
pub(crate) enum Scratch {
    /// A file in the temporary folder, removed afterwards.
    TemporarySqlite(PathBuf),
    /// A file the user named; kept.
    Sqlite(PathBuf),
    /// A database created on a PostgreSQL server and dropped afterwards.
    Postgres { admin_url: String, name: String, url: String },
}

impl Scratch {
    pub(crate) fn create(database: Option<&str>) -> anyhow::Result<Self> {
        let mut suffix = [0u8; 8];
        rand::rng().fill_bytes(&mut suffix);
        let suffix = hex::encode(suffix);
        match database.map(db::DatabaseTarget::parse).transpose().map_err(anyhow::Error::msg)? {
            None => Ok(Self::TemporarySqlite(std::env::temp_dir().join(format!("strumpavtal_bench_{suffix}.sqlite")))),
            Some(db::DatabaseTarget::Sqlite(path)) => {
                if path.exists() {
                    anyhow::bail!("{} exists; the benchmark only writes to a new file", path.display());
                }
                Ok(Self::Sqlite(path))
            }
            Some(db::DatabaseTarget::Postgres(admin_url)) => {
                let name = format!("strumpavtal_bench_{suffix}");
                let mut conn = diesel::pg::PgConnection::establish(&admin_url)
                    .map_err(|e| anyhow::anyhow!("cannot connect to {}: {e}", db::redact(&admin_url)))?;
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .map_err(|e| anyhow::anyhow!("cannot create the database {name}: {e}"))?;
                let url = with_database(&admin_url, &name);
                Ok(Self::Postgres { admin_url, name, url })
            }
        }
    }

    pub(crate) fn url(&self) -> String {
        match self {
            Self::TemporarySqlite(path) | Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres { url, .. } => url.clone(),
        }
    }

    pub(crate) fn backend(&self) -> &'static str {
        match self {
            Self::TemporarySqlite(_) | Self::Sqlite(_) => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        match self {
            Self::TemporarySqlite(path) => {
                for ending in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(ending);
                    let _ = std::fs::remove_file(file);
                }
            }
            Self::Sqlite(path) => println!("the SQLite database is kept at {}", path.display()),
            Self::Postgres { admin_url, name, .. } => {
                let dropped =
                    diesel::pg::PgConnection::establish(admin_url).map_err(|e| e.to_string()).and_then(|mut conn| {
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .map_err(|e| e.to_string())
                    });
                if let Err(e) = dropped {
                    eprintln!("strumpavtal: could not drop the benchmark database {name}: {e}");
                }
            }
        }
    }
}

/// The same server URL with another database, keeping any `?parameters`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority..].find('/').map_or(base.len(), |i| authority + i);
    format!("{}/{name}{query}", &base[..path])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_database_replaces_the_one_in_the_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "b"),
            "postgres://postgres@127.0.0.1:5432/b"
        );
        assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "b"), "postgres://u:p@h/b?sslmode=disable");
        assert_eq!(with_database("postgresql://h:5432", "b"), "postgresql://h:5432/b");
    }

    #[test]
    fn answers_are_parsed_plain_and_chunked() {
        let plain = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}".to_vec();
        assert_eq!(parse_response(plain).unwrap(), (201, b"{}".to_vec()));
        let chunked =
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n".to_vec();
        assert_eq!(parse_response(chunked).unwrap(), (201, b"{\"a\":1}".to_vec()));
        assert!(parse_response(b"HTTP/1.1 201".to_vec()).is_err());
    }

    #[test]
    fn cpu_time_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(cpu_seconds().is_some_and(|s| s >= 0.0));
        }
    }

    #[test]
    fn medians_and_maxima() {
        let ms = |v: &[u64]| stats(v.iter().map(|&m| Duration::from_millis(m)));
        assert_eq!(ms(&[30, 10, 20]), (20, 30));
        assert_eq!(ms(&[5]), (5, 5));
    }
}
