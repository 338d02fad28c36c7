//! A fake GitHub REST API for the publishing tests: issue comments listed page by page with a
//! `Link` header whose `next` URL has GitHub's own unusual form (`/repositories/{id}/...` with an
//! opaque `page` cursor and extra parameters), comment creation and update, `GET /user` (a login,
//! or 403 as for installation tokens), a read-only mode answering writes with 403 "Resource not
//! accessible by integration", and a log of every request.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::http::{lock, Listener, RecordedRequest, Reply};

/// The token the fake accepts as `Authorization: Bearer <token>` unless a test sets another.
pub const GITHUB_TOKEN: &str = "ghs_fakeInstallationToken0d1e2f";

/// The repository id of the `Link` URLs (`/repositories/{id}/issues/{n}/comments`).
const REPOSITORY_ID: u64 = 424_242;

/// Who the token belongs to, as `GET /user` tells.
#[derive(Debug, Clone)]
pub enum TokenUser {
    /// `GET /user` answers 403, as for an installation token; comments are posted as
    /// `github-actions[bot]`.
    Installation,
    /// `GET /user` answers this login; comments are posted as this user.
    Login(String),
}

#[derive(Debug)]
struct State {
    token: String,
    user: TokenUser,
    read_only: bool,
    /// `(issue number, comment)`, in creation order.
    comments: Vec<(u64, Value)>,
    page_size: usize,
    /// A scripted failure of the comments list: status and message.
    list_failure: Option<(u16, String)>,
    next_id: u64,
    clock: u64,
    log: Vec<RecordedRequest>,
}

/// Configures a [`FakeGithub`].
#[derive(Debug)]
pub struct GithubBuilder {
    state: State,
}

impl GithubBuilder {
    pub fn user(mut self, user: TokenUser) -> GithubBuilder {
        self.state.user = user;
        self
    }

    /// Writes answer 403 "Resource not accessible by integration", as for a fork's PR.
    pub fn read_only(mut self) -> GithubBuilder {
        self.state.read_only = true;
        self
    }

    /// The most comments a page holds, whatever `per_page` asks (GitHub's cap is 100).
    pub fn page_size(mut self, size: usize) -> GithubBuilder {
        self.state.page_size = size;
        self
    }

    /// The comments list answers `status` with this `message`.
    pub fn list_failure(mut self, status: u16, message: &str) -> GithubBuilder {
        self.state.list_failure = Some((status, message.to_owned()));
        self
    }

    /// An existing comment on issue `number` by `login` (`kind` `User` or `Bot`).
    pub fn comment(mut self, number: u64, login: &str, kind: &str, body: &str) -> GithubBuilder {
        let comment = self.state.new_comment(login, kind, body);
        self.state.comments.push((number, comment));
        self
    }

    pub fn start(self) -> FakeGithub {
        let state = Arc::new(Mutex::new(self.state));
        let served = Arc::clone(&state);
        let listener = Listener::start(move |request| {
            let mut guard = lock(&served);
            guard.log.push(request.clone());
            let base = format!("http://{}", request.header("host").unwrap_or("127.0.0.1"));
            Some(route(&mut guard, request, &base))
        });
        FakeGithub { listener, state }
    }
}

/// A running fake GitHub API.
#[derive(Debug)]
pub struct FakeGithub {
    listener: Listener,
    state: Arc<Mutex<State>>,
}

impl FakeGithub {
    /// A builder: [`GITHUB_TOKEN`], an installation token, writable, pages of 100.
    pub fn builder() -> GithubBuilder {
        GithubBuilder {
            state: State {
                token: GITHUB_TOKEN.to_owned(),
                user: TokenUser::Installation,
                read_only: false,
                comments: Vec::new(),
                page_size: 100,
                list_failure: None,
                next_id: 1000,
                clock: 0,
                log: Vec::new(),
            },
        }
    }

    /// The API base, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        self.listener.url()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).log.clone()
    }

    /// `(method, path)` of every request, in order.
    pub fn calls(&self) -> Vec<(String, String)> {
        self.requests()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect()
    }

    /// The comments of issue `number`, in creation order.
    pub fn comments(&self, number: u64) -> Vec<Value> {
        lock(&self.state)
            .comments
            .iter()
            .filter(|(n, _)| *n == number)
            .map(|(_, c)| c.clone())
            .collect()
    }
}

impl State {
    fn new_comment(&mut self, login: &str, kind: &str, body: &str) -> Value {
        self.next_id += 1;
        let created = self.tick();
        json!({
            "id": self.next_id,
            "body": body,
            "user": {"login": login, "type": kind},
            "created_at": created,
            "updated_at": created,
        })
    }

    /// A timestamp one minute after the previous one.
    fn tick(&mut self) -> String {
        self.clock += 1;
        format!(
            "2026-11-{:02}T{:02}:{:02}:00Z",
            1 + self.clock / 1440,
            self.clock / 60 % 24,
            self.clock % 60
        )
    }

    fn poster(&self) -> (String, &'static str) {
        match &self.user {
            TokenUser::Installation => ("github-actions[bot]".to_owned(), "Bot"),
            TokenUser::Login(login) => (login.clone(), "User"),
        }
    }
}

fn message(status: u16, text: &str) -> Reply {
    Reply::json(
        status,
        json!({"message": text, "documentation_url": "https://docs.github.invalid/rest"}),
    )
}

fn route(state: &mut State, request: &RecordedRequest, base: &str) -> Reply {
    if request.header("authorization") != Some(format!("Bearer {}", state.token).as_str()) {
        return message(401, "Bad credentials");
    }
    if request.header("user-agent").is_none_or(str::is_empty) {
        return message(403, "Request forbidden by administrative rules");
    }
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let method = request.method.as_str();
    match (method, segments.as_slice()) {
        ("GET", ["user"]) => match &state.user {
            TokenUser::Installation => message(403, "Resource not accessible by integration"),
            TokenUser::Login(login) => {
                Reply::json(200, json!({"login": login, "id": 7, "type": "User"}))
            }
        },
        ("GET", ["repos", _, _, "issues", number, "comments"]) => match number.parse() {
            Ok(number) if request.query_value("page").is_none() => {
                list_comments(state, request, number, 0, base)
            }
            // The first page only: later pages live at the `Link` URLs.
            _ => message(400, "unexpected page parameter: follow the Link header"),
        },
        ("GET", ["repositories", id, "issues", number, "comments"]) => {
            let start = request
                .query_value("page")
                .and_then(|cursor| cursor.strip_prefix("cursor:"))
                .and_then(|offset| offset.parse().ok());
            match (id.parse::<u64>(), number.parse(), start) {
                (Ok(REPOSITORY_ID), Ok(number), Some(start))
                    if request.query_value("sort") == Some("created") =>
                {
                    list_comments(state, request, number, start, base)
                }
                _ => message(404, "Not Found"),
            }
        }
        ("POST", ["repos", _, _, "issues", number, "comments"]) => {
            let (Ok(number), Some(body)) = (number.parse::<u64>(), body_text(request)) else {
                return message(422, "Validation Failed");
            };
            if state.read_only {
                return message(403, "Resource not accessible by integration");
            }
            let (login, kind) = state.poster();
            let comment = state.new_comment(&login, kind, &body);
            state.comments.push((number, comment.clone()));
            Reply::json(201, comment)
        }
        ("PATCH", ["repos", _, _, "issues", "comments", id]) => {
            let Some(body) = body_text(request) else {
                return message(422, "Validation Failed");
            };
            if state.read_only {
                return message(403, "Resource not accessible by integration");
            }
            let id = id.parse::<u64>().ok();
            let updated = state.tick();
            let found = state
                .comments
                .iter_mut()
                .map(|(_, c)| c)
                .find(|c| id.is_some() && c["id"].as_u64() == id);
            match found {
                Some(comment) => {
                    comment["body"] = json!(body);
                    comment["updated_at"] = json!(updated);
                    Reply::json(200, comment.clone())
                }
                None => message(404, "Not Found"),
            }
        }
        _ => message(404, "Not Found"),
    }
}

fn body_text(request: &RecordedRequest) -> Option<String> {
    request.json()["body"].as_str().map(str::to_owned)
}

/// A page of issue `number`'s comments from `start`, with a `Link` header to the next page in
/// GitHub's `/repositories/{id}/...` form with an opaque cursor.
fn list_comments(
    state: &State,
    request: &RecordedRequest,
    number: u64,
    start: usize,
    base: &str,
) -> Reply {
    if let Some((status, text)) = &state.list_failure {
        return message(*status, text);
    }
    let per_page = request
        .query_value("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30usize)
        .min(state.page_size);
    let all: Vec<&Value> = state
        .comments
        .iter()
        .filter(|(n, _)| *n == number)
        .map(|(_, c)| c)
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(per_page)
        .map(|c| (*c).clone())
        .collect();
    let reply = Reply::json(200, Value::Array(page));
    let end = start + per_page;
    if end >= all.len() {
        return reply;
    }
    let link = |offset: usize| {
        format!(
            "{base}/repositories/{REPOSITORY_ID}/issues/{number}/comments?\
             per_page={per_page}&page=cursor%3A{offset}&sort=created"
        )
    };
    reply.with_header(
        "Link",
        &format!(
            "<{}>; rel=\"next\", <{}>; rel=\"first\"",
            link(end),
            link(0)
        ),
    )
}
