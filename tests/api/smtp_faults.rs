//! The SMTP server hanging or refusing. The application sends through a
//! proxy on loopback that the test controls: it hangs (says nothing, from
//! the start or once it has the whole message), refuses with 421, 451 or
//! 554, or forwards to a real SMTP server (aiosmtpd). Meanwhile the API
//! answers at once and the e-mail waits in the outbox; once the proxy
//! forwards, each e-mail arrives exactly once and is recorded as sent.
//! (A server that is not there at all is in `email.rs`.)

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::email::{by_recipient, cohort_of_two, outbox};
use crate::helpers::{SmtpServer, TestApp, TestDatabase, answer, backends, smtp_to, spawn_with};

/// The application's SMTP timeout here: short, so that a hung attempt
/// fails within the test, yet well above `QUICK`.
const SMTP_TIMEOUT_SECONDS: f64 = 3.0;

/// How long any ordinary request may take while SMTP hangs.
const QUICK: Duration = Duration::from_secs(1);

/// How long each phase may take: a hung attempt times out, the retry's
/// backoff passes, and the next attempt goes through, with room to spare.
const PHASE: Duration = Duration::from_secs(15);

/// Where a faked conversation stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Before the greeting.
    Greeting,
    /// At `MAIL FROM`.
    Sender,
    /// After the message's final dot.
    Message,
}

/// What the proxy does with each connection it accepts from then on.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Forwards both ways to the real SMTP server.
    Forward,
    /// Plays an SMTP server up to `at`, then gives `answer` there, or says
    /// nothing more while the client waits (`None`).
    Fake { at: Step, answer: Option<&'static str> },
}

const HANGS_BEFORE_GREETING: Mode = Mode::Fake { at: Step::Greeting, answer: None };
const HANGS_AFTER_DATA: Mode = Mode::Fake { at: Step::Message, answer: None };

struct Shared {
    mode: Mutex<Mode>,
    /// Every client socket, so that dropping the proxy ends every conversation.
    sockets: Mutex<Vec<TcpStream>>,
    /// Connections held without an answer right now.
    holding: AtomicUsize,
    stopped: AtomicBool,
}

/// An SMTP proxy on loopback, in threads of its own: it does not depend on
/// the test's runtime being free.
struct SmtpProxy {
    port: u16,
    shared: Arc<Shared>,
}

impl SmtpProxy {
    fn start(upstream: u16, mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the proxy listens");
        let port = listener.local_addr().expect("its address").port();
        let shared = Arc::new(Shared {
            mode: Mutex::new(mode),
            sockets: Mutex::new(Vec::new()),
            holding: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
        });
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if accepting.stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if let Ok(copy) = client.try_clone() {
                    accepting.sockets.lock().unwrap().push(copy);
                }
                let mode = *accepting.mode.lock().unwrap();
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || match mode {
                    Mode::Forward => forward(client, upstream),
                    Mode::Fake { at, answer } => fake(client, at, answer, &shared),
                });
            }
        });
        Self { port, shared }
    }

    /// Connections accepted after this get `mode`; those open keep theirs.
    fn set(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    fn holding(&self) -> usize {
        self.shared.holding.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        for socket in self.shared.sockets.lock().unwrap().iter() {
            let _ = socket.shutdown(Shutdown::Both);
        }
        // Wakes the accepting thread, which then sees `stopped`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn forward(client: TcpStream, upstream: u16) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else { return };
    let (Ok(mut from_client), Ok(mut to_client)) = (client.try_clone(), client.try_clone()) else { return };
    let (Ok(mut from_server), Ok(mut to_server)) = (server.try_clone(), server.try_clone()) else { return };
    let answers = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut from_client, &mut to_server);
    let _ = to_server.shutdown(Shutdown::Write);
    let _ = answers.join();
}

/// An SMTP server that accepts everything until `at`, then answers `answer`
/// (and `QUIT` with 221), or holds the connection in silence until the
/// client gives up.
fn fake(client: TcpStream, at: Step, answer: Option<&'static str>, shared: &Shared) {
    let Ok(mut writer) = client.try_clone() else { return };
    let mut reader = BufReader::new(client);
    let mut say = |reply: &str| writer.write_all(format!("{reply}\r\n").as_bytes()).is_ok();
    let mut line = Vec::new();
    let mut stopped = at == Step::Greeting;
    if !stopped && !say("220 proxy.test ESMTP") {
        return;
    }
    loop {
        if stopped {
            let Some(reply) = answer else {
                shared.holding.fetch_add(1, Ordering::SeqCst);
                // Whatever the client still sends is read and ignored.
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
                shared.holding.fetch_sub(1, Ordering::SeqCst);
                return;
            };
            if !say(reply) {
                return;
            }
        }
        line.clear();
        if !matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            return;
        }
        let verb = String::from_utf8_lossy(&line[..line.len().min(4)]).to_ascii_uppercase();
        if verb == "QUIT" {
            say("221 2.0.0 Bye");
            return;
        }
        if stopped {
            continue;
        }
        let replied = match verb.as_str() {
            "EHLO" | "HELO" => say("250 proxy.test"),
            "MAIL" if at == Step::Sender => {
                stopped = true;
                continue;
            }
            "MAIL" | "RCPT" | "RSET" | "NOOP" => say("250 2.0.0 OK"),
            "DATA" => {
                say("354 End data with <CR><LF>.<CR><LF>");
                while !matches!(line.as_slice(), b".\r\n" | b".\n") {
                    line.clear();
                    if !matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                        return;
                    }
                }
                // `at` is `Message`: an earlier step would have stopped before DATA.
                stopped = true;
                continue;
            }
            _ => say("500 5.5.1 Unknown command"),
        };
        if !replied {
            return;
        }
    }
}

/// The application sending through `proxy`, with a short SMTP timeout.
async fn app_behind(database: &TestDatabase, proxy: &SmtpProxy) -> TestApp {
    spawn_with(database, |s| {
        smtp_to(s, proxy.port);
        s.email.smtp_timeout_seconds = SMTP_TIMEOUT_SECONDS;
    })
    .await
}

/// Confirms a cohort of two organisations: two enrolment summaries queued.
async fn confirm_two(app: &TestApp) {
    let (cohort, _) = cohort_of_two(app).await;
    let (status, body) = answer(app.post(&format!("/api/v1/cohorts/{cohort}/confirm"), &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A response that must come within `QUICK`.
async fn quickly(what: &str, request: impl std::future::Future<Output = reqwest::Response>) -> (StatusCode, Value) {
    let started = Instant::now();
    let answered = answer(request.await).await;
    let took = started.elapsed();
    assert!(took < QUICK, "{what} took {took:?} while SMTP hangs");
    answered
}

/// A round of ordinary requests, reads and a write, each answered within
/// `QUICK`; returns the outbox as the last of them shows it.
async fn ordinary_requests(app: &TestApp, round: usize) -> Vec<Value> {
    let (status, health) = quickly("GET /health", app.get("/health")).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    let (status, organisations) = quickly("GET /api/v1/organisations", app.get("/api/v1/organisations")).await;
    assert_eq!(status, StatusCode::OK, "{organisations}");
    let course = json!({
        "code": format!("HANG-{round}"), "title": "Kurs under SMTP-avbrott", "credits": 3, "min_participants": 2,
        "max_participants": 10, "fixed_fee_ore": 12_000_000, "per_participant_fee_ore": 500_000
    });
    let (status, created) = quickly("POST /api/v1/courses", app.post("/api/v1/courses", &course)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, outbox) = quickly("GET /api/v1/outbox", app.get("/api/v1/outbox")).await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    outbox.as_array().expect("a JSON array").clone()
}

/// Turns the proxy to forwarding, then checks that the two enrolment
/// summaries arrive within `PHASE`, once each, and are recorded as sent.
async fn recovers_and_delivers_once(app: &TestApp, proxy: &SmtpProxy, smtp: &SmtpServer) {
    let backend = app.backend;
    proxy.set(Mode::Forward);
    let started = Instant::now();
    while smtp.received().len() < 2 {
        assert!(started.elapsed() < PHASE, "{backend:?}: {} of 2 e-mails arrived", smtp.received().len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    loop {
        let outbox = outbox(app).await;
        if outbox.iter().all(|e| e["status"] == "sent") {
            assert_eq!(outbox.len(), 2, "{backend:?}: {outbox:?}");
            assert!(outbox.iter().all(|e| e["attempts"].as_i64().unwrap() >= 2), "{backend:?}: {outbox:?}");
            break;
        }
        assert!(started.elapsed() < PHASE, "{backend:?}: not marked sent: {outbox:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("{backend:?}: delivered {:?} after the SMTP server recovered", started.elapsed());
    // Time for a second copy to arrive, if anything were sent twice.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = by_recipient(&smtp.received());
    let recipients: Vec<&str> = received.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(recipients, ["kompetens@ange.example", "kompetens@sundsvall.example"], "{backend:?}: each once");
    assert!(received[0].subject.starts_with("Enrolment summary: MAIL1"), "{}", received[0].subject);
    assert!(received[1].subject.starts_with("Kursbekräftelse: MAIL1"), "{}", received[1].subject);
}

/// SMTP hangs as `hang` does; the API keeps answering, the e-mail waits
/// and is retried, then arrives once when the server answers again.
async fn hang_then_recover(hang: Mode) {
    for backend in backends() {
        let smtp = SmtpServer::start();
        let proxy = SmtpProxy::start(smtp.port, hang);
        let database = TestDatabase::create(backend);
        let app = app_behind(&database, &proxy).await;
        confirm_two(&app).await;

        // Until each e-mail has had an attempt time out and is held in the
        // next: ordinary requests throughout, each answered at once.
        let started = Instant::now();
        let mut round = 0;
        loop {
            let outbox = ordinary_requests(&app, round).await;
            round += 1;
            assert_eq!(outbox.len(), 2, "{backend:?}: {outbox:?}");
            let waiting = |e: &Value| e["status"] == "queued" || e["status"] == "sending";
            assert!(outbox.iter().all(waiting), "{backend:?}: nothing is sent while SMTP hangs: {outbox:?}");
            let timed_out = |e: &Value| e["attempts"].as_i64().unwrap() >= 2 && e["last_error"].is_string();
            if outbox.iter().all(timed_out) && proxy.holding() > 0 {
                break;
            }
            assert!(started.elapsed() < PHASE, "{backend:?}: no attempt timed out: {outbox:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(smtp.received().is_empty(), "{backend:?}: nothing passed the hanging proxy");
        eprintln!("{backend:?}: {round} rounds of requests answered while SMTP hung for {:?}", started.elapsed());

        recovers_and_delivers_once(&app, &proxy, &smtp).await;
    }
}

#[tokio::test]
async fn an_smtp_server_that_never_greets_holds_neither_the_api_nor_the_e_mail() {
    hang_then_recover(HANGS_BEFORE_GREETING).await;
}

#[tokio::test]
async fn an_smtp_server_that_hangs_after_the_message_holds_neither_the_api_nor_the_e_mail() {
    hang_then_recover(HANGS_AFTER_DATA).await;
}

#[tokio::test]
async fn smtp_refusals_are_retried_until_the_e_mail_arrives_once() {
    let refusals = [
        (Step::Greeting, "421 4.3.2 Service not available, closing transmission channel"),
        (Step::Sender, "451 4.3.0 Mail server temporarily rejected message"),
        (Step::Message, "554 5.6.0 Transaction failed"),
    ];
    for backend in backends() {
        let smtp = SmtpServer::start();
        let (at, first) = refusals[0];
        let proxy = SmtpProxy::start(smtp.port, Mode::Fake { at, answer: Some(first) });
        let database = TestDatabase::create(backend);
        let app = app_behind(&database, &proxy).await;
        confirm_two(&app).await;

        for (at, refusal) in refusals {
            proxy.set(Mode::Fake { at, answer: Some(refusal) });
            let code = &refusal[..3];
            let started = Instant::now();
            loop {
                let outbox = outbox(&app).await;
                assert!(outbox.iter().all(|e| e["status"] != "sent"), "{backend:?}: sent despite {code}: {outbox:?}");
                let refused = |e: &Value| e["last_error"].as_str().is_some_and(|error| error.contains(code));
                if outbox.len() == 2 && outbox.iter().all(refused) {
                    break;
                }
                assert!(started.elapsed() < PHASE, "{backend:?}: no {code} recorded: {outbox:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert!(smtp.received().is_empty(), "{backend:?}: nothing passed the refusing proxy");

        recovers_and_delivers_once(&app, &proxy, &smtp).await;
    }
}
