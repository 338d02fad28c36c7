//! The HTTP/1.1 plumbing the fake APIs share: a listener on 127.0.0.1:0 with a thread per
//! connection (keep-alive), request parsing into [`RecordedRequest`]s, and writing [`Reply`]s.
//! Each fake supplies only its routing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use serde_json::Value;

/// One request a fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// The request target exactly as sent (path and query, still percent-encoded).
    pub target: String,
    /// The path without the query, percent-decoded.
    pub path: String,
    /// Query pairs in the order sent, percent-decoded.
    pub query: Vec<(String, String)>,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
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

    /// The body as JSON, `Null` when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A response to write.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub extra_headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Announce the whole body but send half of it, then close: a body cut short.
    pub cut_short: bool,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            extra_headers: Vec::new(),
            body: body.to_string().into_bytes(),
            cut_short: false,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.extra_headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A listening server; the accepting thread stops when this is dropped.
#[derive(Debug)]
pub struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Listener {
    /// Listens on 127.0.0.1:0 and answers each request of each connection with `answer`
    /// (`None`: close the connection without a reply).
    pub fn start<F>(answer: F) -> Listener
    where
        F: Fn(&RecordedRequest) -> Option<Reply> + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let accept_stop = Arc::clone(&stop);
        let answer = Arc::new(answer);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let answer = Arc::clone(&answer);
                thread::spawn(move || serve_connection(stream, &*answer));
            }
        });
        Listener { addr, stop }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Locks a fake's state; a panicking test thread must not hide the log from the others.
pub fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn serve_connection(stream: TcpStream, answer: &dyn Fn(&RecordedRequest) -> Option<Reply>) {
    // A pooled connection left idle by the client ends here rather than holding a thread.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    // The head and the body go out in two writes: without this, Nagle's algorithm holds the
    // body until the client's delayed ACK (~40 ms), a latency the real API does not add.
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let Some((request, close)) = read_request(&mut reader) else {
            return;
        };
        let written = answer(&request).map(|reply| write_reply(&mut writer, &reply, close));
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
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
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
        path: percent_decode(path),
        target: target.clone(),
        query,
        headers,
        body,
    };
    Some((request, close))
}

pub fn percent_decode(text: &str) -> String {
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

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
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
    if reply.cut_short {
        writer.write_all(&reply.body[..reply.body.len() / 2])?;
        writer.flush()?;
        writer.shutdown(std::net::Shutdown::Both)?;
        // The connection is gone: the caller must not serve another request on it.
        return Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "body cut short on purpose",
        ));
    }
    writer.write_all(&reply.body)?;
    writer.flush()
}
