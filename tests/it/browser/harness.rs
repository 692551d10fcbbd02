//! A real Chromium for tests: starts Debian's `chromedriver` on a free port in its own process
//! group, opens headless sessions over WebDriver (fantoccini, no TLS), and offers the few
//! waits and actions the browser tests need. Without a browser the tests skip with a message,
//! except under CI, where a missing browser is a failure.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a wait gives the page before the test fails: a bound on liveness, not a speed
/// check. Generous, because CI runs two Chromiums beside the other tests on two cores, where a
/// sign-in (an argon2id hash, the console's first queue page) once took longer than 15 s.
const PATIENCE: Duration = Duration::from_secs(40);
const POLL: Duration = Duration::from_millis(100);

fn find_program(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
}

/// One chromedriver; each `session` is a separate browser with a fresh profile.
pub struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
    profiles: tempfile::TempDir,
}

impl Driver {
    /// `None` (with a message) when Chromium or chromedriver is missing, except in CI.
    pub fn start() -> Option<Driver> {
        let chromium = find_program(
            "GATEHOUSE_TEST_CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        );
        let driver = find_program("GATEHOUSE_TEST_CHROMEDRIVER", &["/usr/bin/chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "no chromium/chromedriver: CI must install them (apt-get install chromium chromium-driver)"
            );
            eprintln!("chromium or chromedriver not installed: browser test skipped");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(&driver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("start chromedriver");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
            profiles: tempfile::tempdir().expect("profile dir"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(POLL);
        }
        Some(driver)
    }

    /// A new headless browser window of the given size.
    pub async fn session(&self, width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir_in(self.profiles.path()).expect("profile");
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--hide-scrollbars".into(),
            "--force-device-scale-factor=1".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": self.chromium, "args": args},
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a WebDriver session");
        // The window size flag sets the outer window; make the page itself this size.
        let extra = browser_chrome_height(&client).await;
        let _ = client.set_window_size(width, height + extra).await;
        Browser {
            client,
            _profile: profile,
        }
    }
}

async fn browser_chrome_height(client: &Client) -> u32 {
    let inner = client
        .execute("return window.outerHeight - window.innerHeight", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    u32::try_from(inner).unwrap_or(0)
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver and the browsers it started share its process group.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .status();
        let _ = self.child.wait();
    }
}

/// Serves `html` for every request on `listener` (a news site's page, on an origin of its own),
/// from a thread that lives as long as the test process.
pub fn serve_page(listener: TcpListener, html: String) {
    use std::io::{Read, Write};
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                html.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(html.as_bytes());
        }
    });
}

/// One browser window.
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Waits until `css` matches an element, and returns it.
    pub async fn find(&self, css: &str) -> Element {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                return element;
            }
            assert!(started.elapsed() < PATIENCE, "no element matches {css}");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the text of the first element matching `css` contains `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let started = Instant::now();
        let mut last = String::new();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last.contains(text) {
                    return last;
                }
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{css} never contained {text:?}; last text {last:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until a script returns true.
    pub async fn wait_until(&self, what: &str, script: &str, args: Vec<Value>) {
        let started = Instant::now();
        loop {
            if self.js(script, args.clone()).await == Value::Bool(true) {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.expect("script")
    }

    /// Clicks the element matching `css`. The console re-renders lists while it polls, so an
    /// element found a moment ago may have been replaced: find it again, as a person would
    /// look again, until it takes the click.
    pub async fn click(&self, css: &str) {
        let started = Instant::now();
        loop {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(err) if is_stale(&err) && started.elapsed() < PATIENCE => {
                    tokio::time::sleep(POLL).await;
                }
                Err(err) => panic!("click {css}: {err:?}"),
            }
        }
    }

    /// Clears a field and types into it (finding it again if it was re-rendered meanwhile).
    pub async fn type_into(&self, css: &str, text: &str) {
        let started = Instant::now();
        loop {
            let field = self.find(css).await;
            let typed = match field.clear().await {
                Ok(()) => field.send_keys(text).await,
                Err(err) => Err(err),
            };
            match typed {
                Ok(()) => return,
                Err(err) if is_stale(&err) && started.elapsed() < PATIENCE => {
                    tokio::time::sleep(POLL).await;
                }
                Err(err) => panic!("type into {css}: {err:?}"),
            }
        }
    }

    /// Presses keys on whatever has focus, as a person would.
    pub async fn press(&self, keys: &str) {
        let focused = self.client.active_element().await.expect("focus");
        focused.send_keys(keys).await.expect("keys");
    }

    /// The visible page as a PNG, written to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(path, png).expect("write screenshot");
    }

    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.client.close()).await;
    }
}

/// Whether WebDriver refused because the element left the page (it was re-rendered).
fn is_stale(err: &fantoccini::error::CmdError) -> bool {
    matches!(
        err,
        fantoccini::error::CmdError::Standard(e)
            if e.error == fantoccini::error::ErrorStatus::StaleElementReference
    )
}
