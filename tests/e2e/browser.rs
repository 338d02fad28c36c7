//! The HTML report in a real browser: Debian's headless Chromium loads the fixture report from a
//! file, its DOM must hold the headline and the tables, and phone- and desktop-width screenshots
//! must be real images. Chromium is started without network access beyond 127.0.0.1.
//!
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

/// Runs headless Chromium with a fresh profile and `extra` arguments; returns its stdout.
fn run_chromium(browser: &Path, work: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir_in(work).expect("profile dir");
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
        ])
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
    assert!(
        output.status.success(),
        "chromium failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
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
    ] {
        assert!(dom.contains(expected), "DOM lacks {expected:?}:\n{dom}");
    }
    assert!(!dom.contains("<script"), "a script element reached the DOM");
}

/// The width and height in a PNG's IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "PNG of {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (be(16), be(20))
}

fn screenshot(width: u32) -> Option<Vec<u8>> {
    let browser = chromium()?;
    let work = tempfile::tempdir().expect("temp dir");
    let report = write_report(work.path());
    let shot = work.path().join("shot.png");
    run_chromium(
        &browser,
        work.path(),
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={width},2000"),
            file_url(&report),
        ],
    );
    let bytes = std::fs::read(&shot).expect("chromium wrote the screenshot");
    if let Some(dir) = std::env::var_os("CI_VITALS_KEEP_SCREENSHOTS") {
        let kept = Path::new(&dir).join(format!("report-{width}.png"));
        std::fs::write(&kept, &bytes).expect("keep screenshot");
    }
    Some(bytes)
}

#[test]
fn phone_width_screenshot_is_a_real_image() {
    let Some(bytes) = screenshot(390) else { return };
    assert_eq!(png_size(&bytes), (390, 2000));
    // A blank 390×2000 page compresses to a few kilobytes; text and tables take far more.
    assert!(bytes.len() > 30_000, "screenshot of {} bytes", bytes.len());
}

#[test]
fn desktop_width_screenshot_is_a_real_image() {
    let Some(bytes) = screenshot(1280) else {
        return;
    };
    assert_eq!(png_size(&bytes), (1280, 2000));
    assert!(bytes.len() > 30_000, "screenshot of {} bytes", bytes.len());
}
