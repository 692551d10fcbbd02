//! The real `gatehouse serve` binary as an operator runs it: started in a folder holding its
//! rules file, its log drained on a thread, the port read from the log; signalled, killed or
//! waited for like any process. Killed when dropped.

use crate::helpers::{Db, GENEROUS_LIMITS, TEST_RULES};
use crate::postgres_support::TestDatabase;
use diesel::RunQueryDsl;
use gatehouse::storage::DatabaseUrl;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a start (or a restart after a crash, with its recovery) may take on a loaded
/// machine before the test gives up.
const START_DEADLINE: Duration = Duration::from_secs(120);

/// What a server process runs on: a folder holding the test rules file, and a database (a
/// SQLite file in the folder, or a new PostgreSQL database dropped with this).
pub struct ServeSetup {
    pub folder: tempfile::TempDir,
    pub database_url: String,
    _postgres: Option<TestDatabase>,
}

impl ServeSetup {
    pub fn new(db: Db) -> ServeSetup {
        let folder = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            folder.path().join("moderation_rules.toml"),
            format!("{TEST_RULES}\n{GENEROUS_LIMITS}"),
        )
        .expect("write rules");
        let postgres = (db == Db::Postgres).then(TestDatabase::create);
        let database_url = match &postgres {
            Some(database) => database.url.clone(),
            None => format!("sqlite://{}", folder.path().join("gatehouse.db").display()),
        };
        ServeSetup {
            folder,
            database_url,
            _postgres: postgres,
        }
    }

    /// A server on this folder and database.
    pub async fn start(&self) -> ServeProcess {
        ServeProcess::start(self.folder.path(), &self.database_url).await
    }
}

pub struct ServeProcess {
    child: Child,
    pub port: u16,
    errors: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServeProcess {
    /// `gatehouse serve` in `folder` with `--rules moderation_rules.toml` (relative, as a new
    /// user runs it) on `database_url`, on a free port, trusting 127.0.0.1 as a proxy; returns
    /// once `/healthz` answers.
    pub async fn start(folder: &Path, database_url: &str) -> ServeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(["--rules", "moderation_rules.toml"])
            .args(["--database-url", database_url])
            .args(["--trusted-proxy", "127.0.0.1/32", "--workers", "2"])
            .current_dir(folder)
            // Warnings, and the line naming the port.
            .env("RUST_LOG", "warn,gatehouse::app=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gatehouse serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let errors = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let logged = errors.clone();
        // Reads the log to its end so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(port) = line
                    .split("port=")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|p| p.parse::<u16>().ok())
                {
                    let _ = tx.send(port);
                } else if line.contains("WARN") || line.contains("ERROR") {
                    eprintln!("server: {line}");
                    if line.contains("ERROR") {
                        logged.lock().unwrap().push(line);
                    }
                }
            }
        });
        let port = rx
            .recv_timeout(START_DEADLINE)
            .expect("the server logs the port it listens on");
        let server = ServeProcess {
            child,
            port,
            errors,
        };
        server.wait_until_answering().await;
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The ERROR lines the server has logged so far.
    pub fn logged_errors(&self) -> Vec<String> {
        self.errors.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_until_answering(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            match client.get(self.url("/healthz")).send().await {
                Ok(response) if response.status().is_success() => return,
                _ => assert!(
                    Instant::now() < deadline,
                    "the server did not answer /healthz within {START_DEADLINE:?}"
                ),
            }
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: the process ends at once, whatever it was doing.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }

    /// Sends SIGTERM, the signal service managers stop a server with.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// The exit status, if the process ends within `deadline`.
    pub async fn wait_for_exit(&mut self, deadline: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + deadline;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                return Some(status);
            }
            if Instant::now() >= until {
                return None;
            }
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A comment body carrying `marker`, so a stored row can be matched to the request that sent it.
pub fn marked_body(marker: &str) -> String {
    format!("Test comment [{marker}] on the council's budget and the new crossing.")
}

#[derive(diesel::QueryableByName)]
struct StoredComment {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    body: String,
}

/// Every stored comment as (id, marker of its body).
pub fn stored_markers(database_url: &str) -> Vec<(String, String)> {
    let mut conn = DatabaseUrl::parse(database_url)
        .unwrap()
        .establish()
        .expect("connect");
    let stored: Vec<StoredComment> = diesel::sql_query("SELECT id, body FROM comments")
        .load(&mut conn)
        .expect("read stored comments");
    stored
        .into_iter()
        .map(|row| {
            let marker = row
                .body
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(marker, _)| marker.to_string())
                .unwrap_or_else(|| panic!("a stored body without a marker: {}", row.body));
            (row.id, marker)
        })
        .collect()
}
