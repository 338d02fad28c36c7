//! A fake Bitrise API v0.1: a small HTTP/1.1 server on 127.0.0.1:0 (a thread per connection,
//! keep-alive) that behaves like the live API where the reporter depends on it: list envelopes,
//! cursor paging of apps (`next` = a slug) and pipelines (`before`, inclusive, and its
//! deprecated alias `next`; `paging.next` = the last item's `triggered_at`), the raw token in
//! `Authorization`, 401/403/404 bodies in the API's own shapes. Scripted faults per path make
//! retries and errors testable; every request is logged for the tests to inspect.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// A scripted response, served instead of the normal one.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status with a JSON `{"message": ...}` body.
    Status(u16),
    /// This status with a `Retry-After` header of this value.
    RetryAfter(u16, String),
    /// This status with an HTML page, as a proxy in front of the API sends.
    Html(u16),
    /// 200 with a body that is not JSON.
    NotJson,
    /// This status with this JSON body (e.g. a page whose cursor misbehaves).
    Json(u16, Value),
    /// Say nothing for this long, then close the connection.
    Hang(Duration),
    /// Wait this long, then answer normally (to hold requests in flight).
    Delay(Duration),
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// The path without the query, percent-decoded.
    pub path: String,
    /// Query pairs in the order sent, percent-decoded.
    pub query: Vec<(String, String)>,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct Store {
    token: String,
    apps: Vec<Value>,
    runs: BTreeMap<String, Vec<Value>>,
    details: BTreeMap<(String, String), Value>,
    forbidden: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct State {
    store: Store,
    faults: HashMap<String, VecDeque<Fault>>,
    log: Vec<RecordedRequest>,
    in_flight: usize,
    max_in_flight: usize,
    /// Added before every answer, like a distant API (benchmarks).
    latency: Duration,
}

/// Configures a [`FakeBitrise`].
#[derive(Debug)]
pub struct Builder {
    state: State,
}

impl Builder {
    /// The token the fake accepts (exactly; anything else is a 401).
    pub fn token(mut self, token: &str) -> Builder {
        self.state.store.token = token.to_owned();
        self
    }

    /// An app of the apps list, in listing order.
    pub fn app(mut self, app: Value) -> Builder {
        self.state.store.apps.push(app);
        self
    }

    /// The pipelines-list items of an app (any order; the fake sorts them newest first). An
    /// app with runs but not in the apps list answers too, like an app of another workspace.
    pub fn runs(mut self, app_slug: &str, items: Vec<Value>) -> Builder {
        self.state
            .store
            .runs
            .entry(app_slug.to_owned())
            .or_default()
            .extend(items);
        self
    }

    /// A pipeline detail, served at `/v0.1/apps/{app}/pipelines/{id}` without a `data` wrapper.
    pub fn detail(mut self, app_slug: &str, id: &str, detail: Value) -> Builder {
        self.state
            .store
            .details
            .insert((app_slug.to_owned(), id.to_owned()), detail);
        self
    }

    /// The app is listed but its pipelines answer 403.
    pub fn forbidden(mut self, app_slug: &str) -> Builder {
        self.state.store.forbidden.insert(
            app_slug.to_owned(),
            "You don't have permission to access this app".to_owned(),
        );
        self
    }

    /// The next `times` requests to `path` (without query) get `fault` instead.
    pub fn fault(mut self, path: &str, fault: Fault, times: usize) -> Builder {
        let queue = self.state.faults.entry(path.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
        self
    }

    /// Every answer waits this long first, as from an API across the network.
    pub fn latency(mut self, latency: Duration) -> Builder {
        self.state.latency = latency;
        self
    }

    pub fn start(self) -> FakeBitrise {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(self.state));
        let stop = Arc::new(AtomicBool::new(false));
        let (accept_state, accept_stop) = (Arc::clone(&state), Arc::clone(&stop));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&accept_state);
                thread::spawn(move || serve_connection(stream, &state));
            }
        });
        FakeBitrise { addr, state, stop }
    }
}

/// A running fake API; the accepting thread stops when this is dropped.
#[derive(Debug)]
pub struct FakeBitrise {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl FakeBitrise {
    /// A builder accepting [`super::TOKEN`].
    pub fn builder() -> Builder {
        let mut state = State::default();
        state.store.token = super::TOKEN.to_owned();
        Builder { state }
    }

    /// The API base, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).log.clone()
    }

    /// The most requests the fake was answering at the same time.
    pub fn max_in_flight(&self) -> usize {
        lock(&self.state).max_in_flight
    }

    /// The requests received for `path` (without query).
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

impl Drop for FakeBitrise {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread must not hide the log from the others.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A response to write.
struct Reply {
    status: u16,
    content_type: &'static str,
    extra_headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            extra_headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }
}

fn serve_connection(stream: TcpStream, state: &Mutex<State>) {
    // A pooled connection left idle by the client ends here rather than holding a thread.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    // The head and the body go out in two writes: without this, Nagle's algorithm holds the
    // body until the client's delayed ACK (~40 ms), a latency the real API does not add.
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let Some((request, close)) = read_request(&mut reader) else {
            return;
        };
        let (fault, latency) = {
            let mut guard = lock(state);
            guard.log.push(request.clone());
            guard.in_flight += 1;
            guard.max_in_flight = guard.max_in_flight.max(guard.in_flight);
            let fault = guard
                .faults
                .get_mut(&request.path)
                .and_then(VecDeque::pop_front);
            (fault, guard.latency)
        };
        if !latency.is_zero() {
            thread::sleep(latency);
        }
        let reply = match fault {
            Some(Fault::Hang(duration)) => {
                thread::sleep(duration);
                None
            }
            Some(Fault::Delay(duration)) => {
                thread::sleep(duration);
                Some(route(&lock(state).store, &request))
            }
            Some(fault) => Some(fault_reply(fault)),
            None => Some(route(&lock(state).store, &request)),
        };
        let written = reply.map(|reply| write_reply(&mut writer, &reply, close));
        lock(state).in_flight -= 1;
        match written {
            Some(Ok(())) if !close => {}
            _ => return,
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(RecordedRequest, bool)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let close = headers
        .iter()
        .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close"));
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (target.clone(), String::new()),
    };
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let request = RecordedRequest {
        method,
        path: percent_decode(&path),
        query,
        headers,
    };
    Some((request, close))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn write_reply(writer: &mut TcpStream, reply: &Reply, close: bool) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len()
    );
    for (name, value) in &reply.extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(&reply.body)?;
    writer.flush()
}

fn fault_reply(fault: Fault) -> Reply {
    match fault {
        Fault::Status(status) => Reply::json(status, json!({"message": reason(status)})),
        Fault::RetryAfter(status, value) => Reply {
            extra_headers: vec![("Retry-After".to_owned(), value)],
            ..Reply::json(status, json!({"message": reason(status)}))
        },
        Fault::Html(status) => Reply {
            status,
            content_type: "text/html",
            extra_headers: Vec::new(),
            body: format!(
                "<html><head><title>{status}</title></head><body><h1>{}</h1>\
                 <p>upstream trouble</p></body></html>",
                reason(status)
            )
            .into_bytes(),
        },
        Fault::NotJson => Reply {
            status: 200,
            content_type: "application/json",
            extra_headers: Vec::new(),
            body: b"{\"data\": [truncated".to_vec(),
        },
        Fault::Json(status, body) => Reply::json(status, body),
        Fault::Hang(_) | Fault::Delay(_) => {
            unreachable!("hangs and delays are served by the connection loop")
        }
    }
}

fn route(store: &Store, request: &RecordedRequest) -> Reply {
    if request.header("authorization") != Some(store.token.as_str()) {
        return Reply::json(401, json!({"message": "Unauthorized"}));
    }
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v0.1", "apps"] => list_apps(store, request),
        ["v0.1", "apps", app, "pipelines"] => {
            with_app(store, app, || list_pipelines(store, app, request))
        }
        ["v0.1", "apps", app, "pipelines", id] => with_app(store, app, || {
            match store.details.get(&((*app).to_owned(), (*id).to_owned())) {
                Some(detail) => Reply::json(200, detail.clone()),
                None => Reply::json(404, json!({"message": "Not Found"})),
            }
        }),
        _ => Reply::json(404, json!({"error_msg": "Not Found"})),
    }
}

fn with_app(store: &Store, app: &str, read: impl FnOnce() -> Reply) -> Reply {
    if let Some(message) = store.forbidden.get(app) {
        return Reply::json(403, json!({"message": message}));
    }
    let listed = store.apps.iter().any(|a| a["slug"] == app);
    if !listed && !store.runs.contains_key(app) {
        return Reply::json(404, json!({"error_msg": "Not Found"}));
    }
    read()
}

fn bad_request(message: &str) -> Reply {
    Reply::json(400, json!({"message": message}))
}

fn envelope(data: Vec<Value>, next: Option<String>) -> Value {
    json!({
        "data": data,
        "paging": {"total_item_count": 0, "page_item_limit": 0, "next": next}
    })
}

fn limit(request: &RecordedRequest, default: usize) -> Result<usize, Reply> {
    match request.query_value("limit") {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .map(|n| n.clamp(1, 50))
            .map_err(|_| bad_request("invalid limit")),
    }
}

fn list_apps(store: &Store, request: &RecordedRequest) -> Reply {
    let limit = match limit(request, 50) {
        Ok(limit) => limit,
        Err(reply) => return reply,
    };
    let start = match request.query_value("next") {
        None | Some("") => 0,
        Some(cursor) => match store.apps.iter().position(|a| a["slug"] == cursor) {
            Some(index) => index,
            None => return bad_request("invalid next"),
        },
    };
    let page: Vec<Value> = store.apps.iter().skip(start).take(limit).cloned().collect();
    let next = store
        .apps
        .get(start + limit)
        .and_then(|a| a["slug"].as_str())
        .map(str::to_owned);
    Reply::json(200, envelope(page, next))
}

fn timestamp(item: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(item["triggered_at"].as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn list_pipelines(store: &Store, app: &str, request: &RecordedRequest) -> Reply {
    let limit = match limit(request, 10) {
        Ok(limit) => limit,
        Err(reply) => return reply,
    };
    let bound = |name: &str| -> Result<Option<DateTime<Utc>>, Reply> {
        match request.query_value(name) {
            None | Some("") => Ok(None),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|_| bad_request(&format!("invalid {name}"))),
        }
    };
    // `next` is the deprecated alias of `before`.
    let before = match (bound("before"), bound("next")) {
        (Ok(Some(t)), _) | (Ok(None), Ok(Some(t))) => Some(t),
        (Ok(None), Ok(None)) => None,
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let after = match bound("after") {
        Ok(after) => after,
        Err(reply) => return reply,
    };
    let mut items: Vec<(DateTime<Utc>, &Value)> = store
        .runs
        .get(app)
        .map(|runs| {
            runs.iter()
                .filter_map(|item| timestamp(item).map(|t| (t, item)))
                .collect()
        })
        .unwrap_or_default();
    items.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    // Both bounds include the boundary instant, so a page's last item opens the next page.
    let matching: Vec<&Value> = items
        .into_iter()
        .filter(|(t, _)| before.is_none_or(|b| *t <= b) && after.is_none_or(|a| *t >= a))
        .map(|(_, item)| item)
        .collect();
    let page: Vec<Value> = matching.iter().take(limit).map(|v| (*v).clone()).collect();
    let next = if matching.len() > limit {
        page.last()
            .and_then(|item| item["triggered_at"].as_str())
            .map(str::to_owned)
    } else {
        None
    };
    Reply::json(200, envelope(page, next))
}

/// The fake checked on its own, with raw HTTP rather than the client under test.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::{app, pipeline_run, TOKEN};

    /// `GET target` with `Connection: close`; the status and the JSON body.
    fn get(fake: &FakeBitrise, target: &str, token: &str) -> (u16, Value) {
        let mut stream = TcpStream::connect(fake.addr).expect("connect");
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: fake\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        (status, serde_json::from_str(body).expect("json body"))
    }

    fn fake_with_runs(count: usize) -> FakeBitrise {
        // Run i at 10:00 on the 20th minus i minutes.
        let newest: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().expect("time");
        let runs = (0..count)
            .map(|i| {
                let t = newest - chrono::TimeDelta::minutes(i as i64);
                pipeline_run(&format!("r{i}"), "ci", 1, &t.to_rfc3339())
            })
            .collect();
        FakeBitrise::builder()
            .app(app("aaaa", "A"))
            .runs("aaaa", runs)
            .detail("aaaa", "r1", json!({"id": "r1", "status": "succeeded"}))
            .start()
    }

    #[test]
    fn pipelines_default_to_ten_newest_first_and_next_is_an_alias_of_before() {
        let fake = fake_with_runs(12);
        let (status, page) = get(&fake, "/v0.1/apps/aaaa/pipelines", TOKEN);
        assert_eq!(status, 200);
        let data = page["data"].as_array().expect("data");
        assert_eq!(data.len(), 10);
        assert_eq!(data[0]["slug"], "r0");
        // r9 is at 09:51; `next` is its `triggered_at` as stored.
        assert_eq!(page["paging"]["next"], "2026-11-20T09:51:00.000000Z");
        assert_eq!(page["paging"]["total_item_count"], 0);
        // Inclusive: r9 again, then r10 and r11; nothing after them.
        let (_, older) = get(
            &fake,
            "/v0.1/apps/aaaa/pipelines?next=2026-11-20T09%3A51%3A00.000000Z",
            TOKEN,
        );
        let slugs: Vec<&str> = older["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|i| i["slug"].as_str().expect("slug"))
            .collect();
        assert_eq!(slugs, ["r9", "r10", "r11"]);
        assert_eq!(older["paging"]["next"], Value::Null);
    }

    #[test]
    fn detail_has_no_wrapper_and_errors_have_the_api_shapes() {
        let fake = fake_with_runs(2);
        assert_eq!(
            get(&fake, "/v0.1/apps/aaaa/pipelines/r1", TOKEN),
            (200, json!({"id": "r1", "status": "succeeded"}))
        );
        assert_eq!(get(&fake, "/v0.1/apps/aaaa/pipelines/zz", TOKEN).0, 404);
        assert_eq!(
            get(&fake, "/v0.1/apps/bbbb/pipelines", TOKEN),
            (404, json!({"error_msg": "Not Found"}))
        );
        assert_eq!(
            get(&fake, "/v0.1/apps", &format!("Bearer {TOKEN}")),
            (401, json!({"message": "Unauthorized"}))
        );
        assert_eq!(fake.requests().len(), 4);
    }
}
