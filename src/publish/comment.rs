//! The sticky pull-request comment: a small GitHub REST client (bearer token, `User-Agent`,
//! API version header, timeout) that finds the comment we posted before — the oldest whose body
//! starts with our marker and whose author is the identity we post as — and updates it, or
//! creates one. Comments are listed 100 a page, following the `Link` header's `next` URL as
//! given.
//!
//! There are no retries: a POST retried after a lost response could post a second comment, and
//! a publishing step is cheap to run again. (Were they added, the backoff helpers of
//! `bitrise/client.rs` would move to a module both clients share.)

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, LINK, USER_AGENT};
use reqwest::{Method, Url};
use serde_json::{json, Value};

use super::PublishError;
use crate::secret::Secret;

/// The GitHub API used when `$GITHUB_API_URL` is not set.
pub const DEFAULT_GITHUB_API_URL: &str = "https://api.github.com";

/// GitHub's limit on a comment body, in UTF-16 units.
pub const COMMENT_MAX_SIZE: usize = 60_000;

const API_VERSION: &str = "2022-11-28";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// GitHub's message when a token may read but not write (a fork's pull request).
const READ_ONLY_MESSAGE: &str = "Resource not accessible by integration";

/// Where the comment goes.
#[derive(Debug, Clone)]
pub struct Target {
    /// `owner/name`.
    pub repository: String,
    pub number: u64,
}

/// What happened to the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Created { id: u64 },
    Updated { id: u64 },
}

/// Who we post as, which decides whose comments are ours.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    /// The login `GET /user` reported.
    Login(String),
    /// `GET /user` failed, as it does for installation tokens (`GITHUB_TOKEN`): we post as a
    /// bot account such as `github-actions[bot]`.
    Bot,
}

/// A GitHub REST client holding the token; it talks to one API base only.
#[derive(Debug)]
pub struct GithubClient {
    http: reqwest::Client,
    base: Url,
}

impl GithubClient {
    /// A client for the API at `api_url` (e.g. `https://api.github.com` or a GitHub Enterprise
    /// `https://ghe.example/api/v3`).
    pub fn new(api_url: &str, token: &Secret, timeout: Duration) -> Result<GithubClient, String> {
        let trimmed = api_url.trim().trim_end_matches('/');
        let base = Url::parse(&format!("{trimmed}/"))
            .map_err(|e| format!("$GITHUB_API_URL {trimmed:?} is not a URL: {e}"))?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| "the GitHub token holds characters a header cannot carry".to_owned())?;
        // Keeps the value out of reqwest's debug output.
        authorization.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("ci-vitals/", env!("CARGO_PKG_VERSION"))),
        );
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT)
            // A redirect could carry the token to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot set up the GitHub client: {e}"))?;
        Ok(GithubClient { http, base })
    }

    /// Creates or updates our comment on `target` with `body`, whose first line is `marker`.
    pub async fn upsert_comment(
        &self,
        target: &Target,
        marker: &str,
        body: &str,
    ) -> Result<Posted, PublishError> {
        let identity = self.identity().await;
        let comments = self.list_comments(target).await?;
        let ours = oldest_ours(&comments, marker, &identity);
        let payload = json!({ "body": body });
        match ours {
            Some(id) => {
                let path = format!("repos/{}/issues/comments/{id}", target.repository);
                self.send(Method::PATCH, self.url(&path)?, Some(&payload))
                    .await?;
                Ok(Posted::Updated { id })
            }
            None => {
                let path = format!(
                    "repos/{}/issues/{}/comments",
                    target.repository, target.number
                );
                let (created, _) = self
                    .send(Method::POST, self.url(&path)?, Some(&payload))
                    .await?;
                Ok(Posted::Created {
                    id: created.get("id").and_then(Value::as_u64).unwrap_or(0),
                })
            }
        }
    }

    /// The identity we post as: the login of `GET /user`, or a bot when that fails (an
    /// installation token gets a 403 there).
    async fn identity(&self) -> Identity {
        let Ok(url) = self.url("user") else {
            return Identity::Bot;
        };
        match self.send(Method::GET, url, None).await {
            Ok((user, _)) => match user.get("login").and_then(Value::as_str) {
                Some(login) => Identity::Login(login.to_owned()),
                None => Identity::Bot,
            },
            Err(_) => Identity::Bot,
        }
    }

    /// Every comment of the PR, page after page.
    async fn list_comments(&self, target: &Target) -> Result<Vec<Value>, PublishError> {
        let path = format!(
            "repos/{}/issues/{}/comments",
            target.repository, target.number
        );
        let mut url = self.url(&path)?;
        url.query_pairs_mut().append_pair("per_page", "100");
        let mut comments = Vec::new();
        loop {
            let (page, headers) = self.send(Method::GET, url.clone(), None).await?;
            let Value::Array(items) = page else {
                return Err(PublishError::Api {
                    endpoint: url.path().to_owned(),
                    message: "the comments list is not a JSON array".to_owned(),
                    read_only: false,
                });
            };
            comments.extend(items);
            let next = headers
                .get(LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(next_link);
            match next {
                Some(next) => url = self.follow(&url, &next)?,
                None => return Ok(comments),
            }
        }
    }

    /// The `next` link as given, resolved against the page it came from when relative; it must
    /// stay on the API's origin, since the token goes with it.
    fn follow(&self, current: &Url, next: &str) -> Result<Url, PublishError> {
        let fail = |message: String| PublishError::Api {
            endpoint: current.path().to_owned(),
            message,
            read_only: false,
        };
        let url = current
            .join(next)
            .map_err(|e| fail(format!("the Link header's next URL is not a URL: {e}")))?;
        if url.origin() != self.base.origin() {
            return Err(fail(
                "the Link header's next URL leaves the GitHub API's host".to_owned(),
            ));
        }
        Ok(url)
    }

    fn url(&self, path: &str) -> Result<Url, PublishError> {
        self.base.join(path).map_err(|e| PublishError::Api {
            endpoint: format!("/{path}"),
            message: format!("cannot form the URL: {e}"),
            read_only: false,
        })
    }

    /// One request; a success's JSON body and headers, or an error naming the endpoint's path
    /// and GitHub's `message`.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<(Value, HeaderMap), PublishError> {
        let endpoint = format!("{method} {}", url.path());
        let fail = |message: String, read_only: bool| PublishError::Api {
            endpoint: endpoint.clone(),
            message,
            read_only,
        };
        let mut request = self.http.request(method.clone(), url.clone());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| fail(transport_message(e), false))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| fail(transport_message(e), false))?;
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !status.is_success() {
            let message = json
                .as_ref()
                .and_then(|j| j.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| "no message in the response".to_owned());
            let read_only = status == reqwest::StatusCode::FORBIDDEN
                && message.contains(READ_ONLY_MESSAGE)
                && method != Method::GET;
            return Err(fail(
                format!("{message} (HTTP {})", status.as_u16()),
                read_only,
            ));
        }
        match json {
            Some(json) => Ok((json, headers)),
            None => Err(fail("the response is not JSON".to_owned(), false)),
        }
    }
}

/// A transport failure's innermost cause, without the URL (the endpoint is named already).
fn transport_message(error: reqwest::Error) -> String {
    let error = error.without_url();
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let mut root = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        root = cause.to_string();
        source = cause.source();
    }
    format!("request failed: {root}")
}

/// The id of the oldest comment that is ours: its body starts with `marker` and its author is
/// `identity`. A comment that only quotes the marker, or fakes it from another account, is not.
fn oldest_ours(comments: &[Value], marker: &str, identity: &Identity) -> Option<u64> {
    comments
        .iter()
        .filter(|c| {
            c.get("body")
                .and_then(Value::as_str)
                .is_some_and(|b| b.starts_with(marker))
        })
        .filter(|c| {
            let user = c.get("user");
            let field = |name: &str| user.and_then(|u| u.get(name)).and_then(Value::as_str);
            match identity {
                Identity::Login(login) => field("login") == Some(login.as_str()),
                Identity::Bot => field("type") == Some("Bot"),
            }
        })
        .filter_map(|c| {
            let id = c.get("id").and_then(Value::as_u64)?;
            let created = c.get("created_at").and_then(Value::as_str).unwrap_or("");
            Some((created.to_owned(), id))
        })
        .min()
        .map(|(_, id)| id)
}

/// The target of the `rel="next"` link of a `Link` header (RFC 8288), exactly as written.
fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let target = &after[..close];
        let params_and_more = &after[close + 1..];
        // The parameters run to the next link's `<` (URLs are bracketed, parameters are not).
        let end = params_and_more.find('<').unwrap_or(params_and_more.len());
        let params = &params_and_more[..end];
        let is_next = params.split(';').skip(1).any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.to_owned());
        }
        rest = &params_and_more[end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(api_url: &str) -> GithubClient {
        GithubClient::new(api_url, &Secret::new("ghs_unit"), Duration::from_secs(1))
            .expect("client")
    }

    #[test]
    fn paths_join_under_an_enterprise_base() {
        let ghe = client("https://ghe.example/api/v3/");
        assert_eq!(
            ghe.url("repos/o/r/issues/1/comments")
                .expect("url")
                .as_str(),
            "https://ghe.example/api/v3/repos/o/r/issues/1/comments"
        );
    }

    #[test]
    fn next_links_stay_on_the_api_origin() {
        let github = client("https://ghe.example/api/v3");
        let current = github.url("repos/o/r/issues/1/comments").expect("url");
        // Another path on the same host, as GitHub's /repositories/{id} links are: followed.
        let next = github
            .follow(
                &current,
                "https://ghe.example/api/v3/repositories/9/issues/1/comments?page=2",
            )
            .expect("same origin");
        assert_eq!(next.path(), "/api/v3/repositories/9/issues/1/comments");
        // A relative link resolves against the page it came from.
        let relative = github.follow(&current, "?page=3").expect("relative");
        assert_eq!(relative.query(), Some("page=3"));
        // Another host or scheme would receive the token: refused.
        for foreign in ["https://evil.example/x", "http://ghe.example/api/v3/x"] {
            let error = github.follow(&current, foreign).expect_err(foreign);
            assert!(error.to_string().contains("leaves the GitHub API's host"));
        }
    }

    #[test]
    fn next_link_is_taken_as_written_whatever_the_order_and_quoting() {
        let header = "<https://api.example/repositories/42/issues/7/comments?page=Y3Vy%3D&per_page=100>; rel=\"prev\", \
                      <https://api.example/repositories/42/issues/7/comments?per_page=100&page=Y3Vy%3D%3D&a=b,c>; rel=\"next last\"";
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.example/repositories/42/issues/7/comments?per_page=100&page=Y3Vy%3D%3D&a=b,c")
        );
        assert_eq!(
            next_link("</c?page=2>;rel=next").as_deref(),
            Some("/c?page=2")
        );
        assert_eq!(next_link("<https://x/c?page=1>; rel=\"first\""), None);
        assert_eq!(next_link(""), None);
    }

    fn comment(id: u64, created: &str, login: &str, kind: &str, body: &str) -> Value {
        json!({"id": id, "created_at": created, "body": body,
               "user": {"login": login, "type": kind}})
    }

    #[test]
    fn ours_is_the_oldest_with_the_marker_from_our_identity() {
        let marker = "<!-- ci-vitals:report -->";
        let mine = format!("{marker}\n# report");
        let comments = vec![
            comment(1, "2026-11-01T10:00:00Z", "mallory", "User", &mine),
            comment(
                2,
                "2026-11-01T11:00:00Z",
                "github-actions[bot]",
                "Bot",
                "> quoted\n",
            ),
            comment(
                9,
                "2026-11-02T10:00:00Z",
                "github-actions[bot]",
                "Bot",
                &mine,
            ),
            comment(
                5,
                "2026-11-03T10:00:00Z",
                "github-actions[bot]",
                "Bot",
                &mine,
            ),
            comment(3, "2026-11-04T10:00:00Z", "octo-bot", "User", &mine),
            comment(
                4,
                "2026-11-04T11:00:00Z",
                "github-actions[bot]",
                "Bot",
                "<!-- ci-vitals:report2 -->\n",
            ),
        ];
        // Bot identity: 9 and 5 qualify; 9 was created first.
        assert_eq!(oldest_ours(&comments, marker, &Identity::Bot), Some(9));
        // A login identity: only 3 (mallory's and the bots' are someone else's).
        let octo = Identity::Login("octo-bot".to_owned());
        assert_eq!(oldest_ours(&comments, marker, &octo), Some(3));
        let nobody = Identity::Login("nobody".to_owned());
        assert_eq!(oldest_ours(&comments, marker, &nobody), None);
    }
}
