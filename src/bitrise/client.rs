//! The HTTP side of the Bitrise API: one reqwest client with the token header, an adaptive
//! bound on the requests in flight across all apps and the optional `--max-rps` pacer
//! ([`super::limit`]), a request counter, retries with exponential backoff and full jitter, and
//! the classification of failures into [`ApiError`]s whose messages name the endpoint, carry the
//! API's own message and say how to fix it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::limit::{InFlightLimit, Outcome, Pacer};
use super::{ApiError, Client, ClientOptions};
use crate::model::ErrorCode;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, RETRY_AFTER, USER_AGENT};
use reqwest::StatusCode;
use serde_json::Value;

/// How long a TCP/TLS connection may take to establish, independently of the request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Backoff: the first retry waits up to this long...
const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// ...each further retry doubles it, up to this cap.
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// A server's `Retry-After` is honoured up to this long, so a bad header cannot stall a run.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

pub(crate) const HINT_CREDENTIALS: &str =
    "check the token: create a workspace API token with the Viewer role";
pub(crate) const HINT_PERMISSIONS: &str =
    "give the token's workspace role Viewer and product access to this app";

/// What is being read, for the failures that depend on it (a 404 means different things).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Resource<'a> {
    Apps,
    Pipelines {
        app: &'a str,
    },
    /// A pipeline detail: a 404 means the run is gone, not that the app is hidden.
    PipelineDetail,
}

/// The shared parts of a [`Client`]; behind an `Arc` so per-app tasks can hold the client.
pub(super) struct Inner {
    pub http: reqwest::Client,
    pub api_url: String,
    pub token: crate::secret::Secret,
    pub permits: InFlightLimit,
    /// `--max-rps`, when given.
    pub pacer: Option<Pacer>,
    pub requests: AtomicU64,
    pub retries: u32,
}

impl Client {
    pub(super) fn build(options: ClientOptions) -> Result<Client, ApiError> {
        let config_error = |message: String| ApiError {
            code: ErrorCode::ApiError,
            message,
        };
        let api_url = options.api_url.trim().trim_end_matches('/').to_owned();
        if reqwest::Url::parse(&api_url).is_err() {
            return Err(config_error(format!(
                "--api-url {api_url:?} (BITRISE_API_URL) is not a valid URL"
            )));
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("ci-vitals/", env!("CARGO_PKG_VERSION"))),
        );
        // The token goes on each request (see `attempt`), not into default headers, so that no
        // Debug output of the reqwest client can ever show it.
        if HeaderValue::from_str(options.token.expose()).is_err() {
            return Err(config_error(
                "--token (BITRISE_TOKEN) contains characters that cannot be sent in an HTTP \
                 header: copy the token again, without line breaks or spaces"
                    .to_owned(),
            ));
        }
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(options.timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(options.timeout));
        // An API on this machine (a local forwarder, the tests' fake) is never reached through
        // the system proxy; every other host honours the proxy environment variables.
        if is_loopback(&api_url) {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| config_error(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                api_url,
                token: options.token,
                permits: InFlightLimit::new(options.concurrency),
                pacer: options.max_rps.map(Pacer::new),
                requests: AtomicU64::new(0),
                retries: options.retries,
            }),
            app_deadline: super::DEFAULT_APP_DEADLINE,
        })
    }

    /// `GET {api_url}{path}?{query}` with retries; the body decoded as JSON.
    pub(crate) async fn get_json(
        &self,
        path: &str,
        query: &[(&str, &str)],
        resource: Resource<'_>,
    ) -> Result<Value, ApiError> {
        let mut attempt = 0u32;
        loop {
            match self.attempt(path, query).await {
                Ok(value) => return Ok(value),
                Err(failure) => {
                    let retry = failure.is_transient() && attempt < self.inner.retries;
                    if !retry {
                        return Err(failure.into_api_error(path, resource, attempt + 1));
                    }
                    // A `Retry-After` is honoured on a 503 as well as on a 429: the server
                    // knows best when it will be back.
                    let wait = failure
                        .retry_after
                        .unwrap_or_else(|| backoff(attempt))
                        .min(RETRY_AFTER_CAP);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// One HTTP exchange, holding a slot of the shared in-flight limit while it is in flight;
    /// its status tells the limit whether to shrink (429) or, in time, grow.
    async fn attempt(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, Failure> {
        let inner = &self.inner;
        // The semaphore lives as long as the client and is never closed.
        let mut slot = inner.permits.acquire().await.map_err(|_| Failure {
            kind: FailureKind::Transport("the client is shutting down".to_owned()),
            retry_after: None,
        })?;
        // Paced after taking the slot, so that a request starts as soon as its time comes.
        if let Some(pacer) = &inner.pacer {
            pacer.wait().await;
        }
        inner.requests.fetch_add(1, Ordering::Relaxed);
        let mut token = HeaderValue::from_str(inner.token.expose()).map_err(|_| Failure {
            kind: FailureKind::Transport("the token is not a valid header value".to_owned()),
            retry_after: None,
        })?;
        token.set_sensitive(true);
        let url = format!("{}{}", inner.api_url, path);
        let response = inner
            .http
            .get(url)
            .query(query)
            .header(AUTHORIZATION, token)
            .send()
            .await
            .map_err(|e| Failure::transport(e, &inner.api_url))?;
        let status = response.status();
        slot.finish(if status.is_success() {
            Outcome::Success
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            Outcome::Throttled
        } else {
            Outcome::Other
        });
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let is_html = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("html"));
        let body = response
            .bytes()
            .await
            .map_err(|e| Failure::transport(e, &inner.api_url))?;
        if !status.is_success() {
            return Err(Failure {
                kind: FailureKind::Status {
                    status,
                    api_message: api_message(&body, is_html),
                },
                retry_after,
            });
        }
        decode_body(&body).map_err(|e| Failure {
            kind: FailureKind::NotJson(if is_html {
                "an HTML page".to_owned()
            } else {
                e.to_string()
            }),
            retry_after: None,
        })
    }
}

/// Why one attempt failed.
#[derive(Debug)]
struct Failure {
    kind: FailureKind,
    /// The server's `Retry-After`, when it sent one that parses.
    retry_after: Option<Duration>,
}

#[derive(Debug)]
enum FailureKind {
    /// Connect error, timeout, broken body: the request may succeed when tried again.
    Transport(String),
    Status {
        status: StatusCode,
        api_message: Option<String>,
    },
    NotJson(String),
}

impl Failure {
    fn transport(error: reqwest::Error, api_url: &str) -> Failure {
        // `without_url` keeps the message to what went wrong; the endpoint is named by the
        // caller. reqwest errors never contain request headers, so the token cannot leak here.
        let error = error.without_url();
        // A timeout says all there is to say; other errors carry their causes (e.g. the
        // "connection refused" under a connect error).
        if error.is_timeout() {
            return Failure {
                kind: FailureKind::Transport("timed out".to_owned()),
                retry_after: None,
            };
        }
        // The innermost cause is the one a user can act on ("Connection refused", a DNS or
        // TLS failure); the layers above it only repeat that a request failed.
        let mut root = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            root = cause.to_string();
            source = cause.source();
        }
        let text = if error.is_connect() {
            format!("cannot connect to {api_url}: {root}")
        } else {
            format!("request failed: {root}")
        };
        Failure {
            kind: FailureKind::Transport(text),
            retry_after: None,
        }
    }

    fn is_transient(&self) -> bool {
        match &self.kind {
            FailureKind::Transport(_) => true,
            FailureKind::Status { status, .. } => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            FailureKind::NotJson(_) => false,
        }
    }

    fn into_api_error(self, path: &str, resource: Resource<'_>, attempts: u32) -> ApiError {
        let endpoint = format!("GET {path}");
        let tries = if attempts > 1 {
            format!(" (after {attempts} attempts)")
        } else {
            String::new()
        };
        match self.kind {
            FailureKind::Transport(text) => ApiError {
                code: ErrorCode::NetworkError,
                message: format!("{endpoint}: {text}{tries}"),
            },
            FailureKind::NotJson(text) => ApiError {
                code: ErrorCode::DecodeError,
                message: format!("{endpoint}: the response is not JSON: {text}"),
            },
            FailureKind::Status {
                status,
                api_message,
            } => {
                let mut message = match status.canonical_reason() {
                    Some(reason) => format!("{endpoint}: HTTP {} {reason}", status.as_u16()),
                    None => format!("{endpoint}: HTTP {}", status.as_u16()),
                };
                if let Some(api) = api_message {
                    message.push_str(": ");
                    message.push_str(&api);
                }
                let (code, hint) = match (status.as_u16(), resource) {
                    (401, _) => (ErrorCode::InvalidCredentials, Some(HINT_CREDENTIALS)),
                    (403, _) => (ErrorCode::InvalidPermissions, Some(HINT_PERMISSIONS)),
                    (404, Resource::Pipelines { app }) => {
                        message.push_str(&format!(
                            " (app {app} is unknown or not visible to this token)"
                        ));
                        (ErrorCode::InvalidPermissions, Some(HINT_PERMISSIONS))
                    }
                    _ => (ErrorCode::ApiError, None),
                };
                message.push_str(&tries);
                if let Some(hint) = hint {
                    message.push_str(": ");
                    message.push_str(hint);
                }
                ApiError { code, message }
            }
        }
    }
}

fn is_loopback(api_url: &str) -> bool {
    let Some(host) = reqwest::Url::parse(api_url).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
    }) else {
        return false;
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The delay before retry number `attempt + 1`: full jitter over an exponentially growing
/// ceiling, so that many clients hit by the same outage do not retry in lockstep.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(2u32.saturating_pow(attempt))
        .min(BACKOFF_CAP);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(fastrand::u64(0..=millis))
}

/// `Retry-After` as seconds (`"120"`) or an HTTP date (`"Wed, 21 Oct 2026 07:28:00 GMT"`).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(RETRY_AFTER_CAP));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    // A date in the past means "now".
    Some(wait.to_std().unwrap_or(Duration::ZERO).min(RETRY_AFTER_CAP))
}

/// A response body as JSON. A body the strict parser refuses only because of a lone UTF-16
/// surrogate escape (`"\ud800"`, which no Rust string can hold) is read again with each lone
/// surrogate replaced by U+FFFD, so that one odd branch name cannot make a whole page unreadable.
fn decode_body(body: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice(body).or_else(|first| match replace_lone_surrogates(body) {
        Some(repaired) => serde_json::from_slice(&repaired).map_err(|_| first),
        None => Err(first),
    })
}

/// `body` with every `\uXXXX` escape of an unpaired surrogate replaced by `\uFFFD`; `None`
/// when there is none. Escapes occur only inside JSON strings, so a scan of escapes is enough:
/// each backslash starts a two-character escape (or a six-character `\u` escape).
pub(crate) fn replace_lone_surrogates(body: &[u8]) -> Option<Vec<u8>> {
    let unit_at = |at: usize| -> Option<u16> {
        let escape = body.get(at..at + 6)?;
        if escape[0] != b'\\' || escape[1] != b'u' {
            return None;
        }
        let hex = std::str::from_utf8(&escape[2..]).ok()?;
        u16::from_str_radix(hex, 16).ok()
    };
    let is_high = |u: u16| (0xD800..=0xDBFF).contains(&u);
    let is_low = |u: u16| (0xDC00..=0xDFFF).contains(&u);
    let mut out = Vec::with_capacity(body.len());
    let mut replaced = false;
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        match unit_at(i) {
            Some(high) if is_high(high) && unit_at(i + 6).is_some_and(is_low) => {
                out.extend_from_slice(&body[i..i + 12]);
                i += 12;
            }
            Some(unit) if is_high(unit) || is_low(unit) => {
                out.extend_from_slice(b"\\uFFFD");
                replaced = true;
                i += 6;
            }
            _ => {
                // Any other escape, including `\\`, is copied whole so that its second
                // character is never mistaken for the start of an escape.
                let end = (i + 2).min(body.len());
                out.extend_from_slice(&body[i..end]);
                i = end;
            }
        }
    }
    replaced.then_some(out)
}

/// The API's own error message, from whichever field the service uses; an HTML page (a 5xx
/// from a proxy) becomes a short note rather than the page.
fn api_message(body: &[u8], is_html: bool) -> Option<String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let looks_html = is_html || body.trim_ascii_start().starts_with(b"<");
        return Some(if looks_html {
            "the server answered with an HTML page".to_owned()
        } else {
            format!(
                "the server answered with a non-JSON body of {} bytes",
                body.len()
            )
        });
    };
    for field in ["message", "error_msg", "error"] {
        if let Some(text) = value.get(field).and_then(Value::as_str) {
            if !text.is_empty() {
                return Some(text.to_owned());
            }
        }
    }
    let errors: Vec<String> = value
        .get("errors")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| match e {
                    Value::String(s) => Some(s.clone()),
                    other => other
                        .get("message")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    (!errors.is_empty()).then(|| errors.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        assert!(is_loopback("http://127.0.0.1:8080"));
        assert!(is_loopback("http://[::1]:8080"));
        assert!(is_loopback("http://LOCALHOST"));
        assert!(!is_loopback("https://api.bitrise.io"));
        assert!(!is_loopback("http://10.0.0.1"));
    }

    #[test]
    fn backoff_stays_under_the_growing_ceiling() {
        for _ in 0..200 {
            // Ceilings: 500 ms, 1 s, 2 s, ...; 500 ms * 2^10 = 512 s is capped at 30 s.
            assert!(backoff(0) <= Duration::from_millis(500));
            assert!(backoff(1) <= Duration::from_millis(1_000));
            assert!(backoff(2) <= Duration::from_millis(2_000));
            assert!(backoff(10) <= Duration::from_secs(30));
            assert!(backoff(40) <= Duration::from_secs(30));
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_clamped() {
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("3600"), Some(Duration::from_secs(60)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a past date means now"
        );
        let later = (chrono::Utc::now() + chrono::TimeDelta::hours(1))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        assert_eq!(parse_retry_after(&later), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_stay() {
        // A lone high, a lone low, a proper pair (U+1F600) and an escaped backslash before
        // "ud800", which is text, not an escape.
        let body = br#"{"a": "x\ud800y", "b": "\udc00", "c": "\ud83d\ude00", "d": "\\ud800"}"#;
        let value = decode_body(body).expect("repaired");
        assert_eq!(value["a"], "x\u{FFFD}y");
        assert_eq!(value["b"], "\u{FFFD}");
        assert_eq!(value["c"], "\u{1F600}");
        assert_eq!(value["d"], "\\ud800");
        assert_eq!(replace_lone_surrogates(br#"{"c": "\ud83d\ude00"}"#), None);
        // A body broken in another way stays an error.
        assert!(decode_body(br#"{"a": "\ud800""#).is_err());
    }

    #[test]
    fn api_message_reads_every_error_shape() {
        let cases: [(&[u8], Option<&str>); 7] = [
            (br#"{"message": "Forbidden app"}"#, Some("Forbidden app")),
            (br#"{"error_msg": "Not Found"}"#, Some("Not Found")),
            (br#"{"error": "bad"}"#, Some("bad")),
            (br#"{"errors": ["a", {"message": "b"}]}"#, Some("a; b")),
            (
                b"<html><body>502</body></html>",
                Some("the server answered with an HTML page"),
            ),
            (b"", None),
            (br#"{"other": 1}"#, None),
        ];
        for (body, expected) in cases {
            assert_eq!(api_message(body, false).as_deref(), expected);
        }
    }
}
