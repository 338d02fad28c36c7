//! The HTML report in a real browser: Debian's headless Chromium loads the fixture report from a
//! file, its DOM must hold the headline, the charts and the tables, and screenshots at phone and
//! desktop widths, in the light and the dark scheme, must be real images in that scheme. Every
//! run fails on a console message (a CSP violation, an error) or on any request the page makes.
//! Chromium is started without name resolution beyond 127.0.0.1.
//!
//! `CI_VITALS_KEEP_SCREENSHOTS=DIR` keeps the screenshots (`report-390-dark.png`, ...) to look at.
//! CI installs Chromium; locally, `CI_VITALS_SKIP_BROWSER=1` skips these tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ci_vitals::report::{fixtures::sample_report, render, Format};

const CHROMIUM: &str = "/usr/bin/chromium";
const TIMEOUT: Duration = Duration::from_secs(90);

/// The browser to use, `None` when the tests are skipped on purpose. A missing browser fails
/// the test: silently passing would hide that nothing was checked.
fn chromium() -> Option<PathBuf> {
    if std::env::var_os("CI_VITALS_SKIP_BROWSER").is_some_and(|v| v == "1") {
        eprintln!("CI_VITALS_SKIP_BROWSER=1: skipping the headless-browser check");
        return None;
    }
    let path = PathBuf::from(CHROMIUM);
    assert!(
        path.exists(),
        "{CHROMIUM} not found: install it with `apt-get update && apt-get install -y chromium`, \
         or set CI_VITALS_SKIP_BROWSER=1 to skip the browser check"
    );
    Some(path)
}

/// Writes the fixture's HTML report into `dir` and returns its path.
fn write_report(dir: &Path) -> PathBuf {
    let html = render(&sample_report(), Format::Html).expect("fixture renders as HTML");
    let path = dir.join("report.html");
    std::fs::write(&path, html).expect("write report.html");
    path
}

/// Runs headless Chromium with a fresh profile and `extra` arguments; returns its stdout after
/// checking that the page logged nothing to the console and requested nothing.
fn run_chromium(browser: &Path, work: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir_in(work).expect("profile dir");
    let net_log = work.join(format!("net-log-{}.json", fastrand::u64(..)));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            // Nothing may be resolved: the page is a local file with no external resource.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            // Console messages (CSP violations among them) go to stderr as `:CONSOLE` lines.
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(_) => break,
            None if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                panic!("chromium did not finish within {TIMEOUT:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let output = child.wait_with_output().expect("chromium output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chromium failed ({}): {stderr}",
        output.status
    );
    // Requests first: a failed request also logs to the console, and the message should say
    // what was requested.
    let requests = page_requests(&net_log);
    assert!(requests.is_empty(), "the page made requests: {requests:#?}");
    let console: Vec<&str> = console_lines(&stderr);
    assert!(console.is_empty(), "console messages: {console:#?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Chromium's console lines in its log: `[pid:tid:time:INFO:CONSOLE:1] "message", source: …`.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Content Security Policy"))
        .collect()
}

/// The URLs the page requested, from Chromium's net log. The browser's own background requests
/// (update checks, network time) carry the initiator `not an origin`; anything the page asks
/// for carries the page's origin (`null` for a file), and the page itself, a `file://` URL, is
/// not a network request at all. So every started request not of the browser's own counts.
fn page_requests(net_log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(net_log).expect("chromium wrote its net log");
    // Chromium may be stopped before it closes the JSON array; close it for the parser.
    let log: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("net log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("net log names URL_REQUEST_START_JOB");
    log["events"]
        .as_array()
        .expect("net log events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["initiator"].as_str() != Some("not an origin"))
        .filter_map(|e| e["params"]["url"].as_str())
        .filter(|url| !url.starts_with("file://"))
        .map(str::to_owned)
        .collect()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn dom_holds_the_headline_and_the_tables() {
    let Some(browser) = chromium() else { return };
    let work = tempfile::tempdir().expect("temp dir");
    let report = write_report(work.path());
    let dom = run_chromium(
        &browser,
        work.path(),
        &["--dump-dom".to_owned(), file_url(&report)],
    );
    for expected in [
        "<h1>CI vitals</h1>",
        // Headline: 74 runs over 7 days = 10.6/day; 15 failed of 72 decided = 20.8%.
        "10.6",
        "20.8%",
        "▲ +12.3 pp",
        "Acme Android",
        // Acme/ci: 10 of 40 = 25.0%, significant rise of 19.6 pp; p50 4m 12s.
        "25.0%",
        "▲ +19.6 pp",
        "4m 12s",
        "not enough runs (n = 5, before 6)",
        // The hostile title arrives as text, not as markup.
        "Shop &lt;script&gt;alert(1)&lt;/script&gt; | iOS",
        "1 app skipped",
        "Data notes",
        // The four charts, each an SVG with its title; a tooltip naming its n.
        "<title id=\"chart-runs-title\">",
        "<title id=\"chart-duration-title\">",
        "<title id=\"chart-failure-title\">",
        "<title id=\"chart-queue-title\">",
        "2026-11-23: 10 succeeded of 12 runs (n = 12)",
        "Data quality",
    ] {
        assert!(dom.contains(expected), "DOM lacks {expected:?}:\n{dom}");
    }
    assert!(!dom.contains("<script"), "a script element reached the DOM");
}

/// The width and height in a PNG's IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "PNG of {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    (be32(bytes, 16), be32(bytes, 20))
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The colour of a screenshot's top-left pixel (the page background): the first pixel of the
/// first row, whose filter (none, sub, up or Paeth: each predicts 0 there) leaves it as is.
fn top_left_rgb(bytes: &[u8]) -> [u8; 3] {
    use std::io::Read;
    let mut at = 8;
    let mut compressed = Vec::new();
    while at + 8 <= bytes.len() {
        let length = be32(bytes, at) as usize;
        if &bytes[at + 4..at + 8] == b"IDAT" {
            compressed.extend_from_slice(&bytes[at + 8..at + 8 + length]);
        }
        at += 12 + length;
    }
    let mut first = [0_u8; 4];
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .read_exact(&mut first)
        .expect("PNG data");
    assert_ne!(
        first[0], 2,
        "an average filter would change the first pixel"
    );
    [first[1], first[2], first[3]]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scheme {
    Light,
    Dark,
}

impl Scheme {
    /// Blink's setting: 0 asks pages for the dark scheme, 1 for the light one. (Checked by the
    /// background colour below: `--force-dark-mode` also works in this Chromium, the setting is
    /// explicit both ways.)
    fn flag(self) -> &'static str {
        match self {
            Scheme::Light => "--blink-settings=preferredColorScheme=1",
            Scheme::Dark => "--blink-settings=preferredColorScheme=0",
        }
    }

    /// The page background of `_styles.css.j2`: `--bg`.
    fn background(self) -> [u8; 3] {
        match self {
            Scheme::Light => [0xf7, 0xf7, 0xf8],
            Scheme::Dark => [0x12, 0x14, 0x17],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }
}

const SHOT_HEIGHT: u32 = 2400;

fn screenshot(width: u32, scheme: Scheme) -> Option<Vec<u8>> {
    let browser = chromium()?;
    let work = tempfile::tempdir().expect("temp dir");
    let report = write_report(work.path());
    let shot = work.path().join("shot.png");
    run_chromium(
        &browser,
        work.path(),
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={width},{SHOT_HEIGHT}"),
            scheme.flag().to_owned(),
            file_url(&report),
        ],
    );
    let bytes = std::fs::read(&shot).expect("chromium wrote the screenshot");
    if let Some(dir) = std::env::var_os("CI_VITALS_KEEP_SCREENSHOTS") {
        let kept = Path::new(&dir).join(format!("report-{width}-{}.png", scheme.name()));
        std::fs::write(&kept, &bytes).expect("keep screenshot");
    }
    Some(bytes)
}

fn check_screenshot(width: u32, scheme: Scheme) {
    let Some(bytes) = screenshot(width, scheme) else {
        return;
    };
    assert_eq!(png_size(&bytes), (width, SHOT_HEIGHT));
    // A blank page compresses to a few kilobytes; text, charts and tables take far more.
    assert!(bytes.len() > 30_000, "screenshot of {} bytes", bytes.len());
    assert_eq!(
        top_left_rgb(&bytes),
        scheme.background(),
        "{scheme:?} scheme"
    );
}

#[test]
fn phone_light_screenshot() {
    check_screenshot(390, Scheme::Light);
}

#[test]
fn phone_dark_screenshot() {
    check_screenshot(390, Scheme::Dark);
}

#[test]
fn desktop_light_screenshot() {
    check_screenshot(1280, Scheme::Light);
}

#[test]
fn desktop_dark_screenshot() {
    check_screenshot(1280, Scheme::Dark);
}

/// The checks themselves must catch a page that breaks the rules: a CSP-blocked image shows up
/// as a console line, an allowed one as a request.
#[test]
fn the_checks_catch_a_hostile_page() {
    let Some(browser) = chromium() else { return };
    let work = tempfile::tempdir().expect("temp dir");
    let page = work.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
         content=\"img-src data:\"></head><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .expect("write page");
    let caught = std::panic::catch_unwind(|| {
        run_chromium(
            &browser,
            work.path(),
            &["--dump-dom".to_owned(), file_url(&page)],
        )
    });
    let message = caught
        .expect_err("a CSP violation must fail the run")
        .downcast::<String>()
        .map(|m| *m)
        .unwrap_or_default();
    assert!(message.contains("console messages"), "{message}");

    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .expect("write page");
    let caught = std::panic::catch_unwind(|| {
        run_chromium(
            &browser,
            work.path(),
            &["--dump-dom".to_owned(), file_url(&page)],
        )
    });
    let message = caught
        .expect_err("a request must fail the run")
        .downcast::<String>()
        .map(|m| *m)
        .unwrap_or_default();
    assert!(message.contains("127.0.0.1:9/x.png"), "{message}");
}
