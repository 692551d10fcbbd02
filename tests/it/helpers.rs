//! Starts the real app on port 0 over a fresh database (a temporary SQLite file, or a new
//! PostgreSQL database when GATEHOUSE_TEST_POSTGRES_URL is set) and talks to it over HTTP.

use crate::postgres_support::TestDatabase;
use diesel::{QueryDsl as _, RunQueryDsl};
use gatehouse::app::Application;
use gatehouse::config::ServeConfig;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Generates one test per backend from an `async fn name(db: Db)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::Db::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if $crate::postgres_support::postgres_admin_url().is_none() {
                        return;
                    }
                    super::$name($crate::helpers::Db::Postgres).await
                }
            )*
        }
    };
}

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Quotas so high that tests never meet them unless they mean to.
pub const GENEROUS_LIMITS: &str = r#"
[rate_limits]
per_ip      = { burst = 100000, rate = 100000, per = "second" }
per_author  = { burst = 100000, rate = 100000, per = "second" }
per_article = { burst = 100000, rate = 100000, per = "second" }
global      = { burst = 100000, rate = 100000, per = "second" }
"#;

/// A small, explicit rule set so intake tests assert the pipeline, not the shipped lists.
pub const TEST_RULES: &str = r#"
[thresholds]
hold = 5.0
reject = 10.0

[[rule]]
id = "spam.pills"
description = "Pill spam"
kind = "words"
action = "reject"
weight = 10.0
words = ["viagra", "cialis"]

[[rule]]
id = "spam.easy_money"
description = "Easy money"
kind = "words"
action = "score"
weight = 3.0
words = ["work from home", "easy money"]

[[rule]]
id = "links.many"
description = "More than two links"
kind = "link_count"
action = "score"
weight = 3.0
max = 2

[[rule]]
id = "privacy.phone"
description = "Phone number"
kind = "regex"
action = "hold"
weight = 0.0
patterns = ['\+?\d[\d ().-]{7,}\d']

[[rule]]
id = "spam.repeat"
description = "Same text again"
kind = "duplicate"
action = "hold"
weight = 0.0
window_seconds = 600
scope = "either"
"#;

/// A reader's comment for `TestApp::submit`: by "Reader" on article "a1" unless told otherwise.
#[derive(Debug, Clone)]
pub struct Comment {
    article: String,
    fields: serde_json::Value,
    client_address: Option<String>,
}

impl Comment {
    pub fn new(body: &str) -> Self {
        Comment {
            article: "a1".into(),
            fields: serde_json::json!({"author_name": "Reader", "body": body}),
            client_address: None,
        }
    }

    /// On another article.
    pub fn on(mut self, article: &str) -> Self {
        self.article = article.into();
        self
    }

    pub fn by(mut self, author_name: &str) -> Self {
        self.fields["author_name"] = author_name.into();
        self
    }

    pub fn email(mut self, author_email: &str) -> Self {
        self.fields["author_email"] = author_email.into();
        self
    }

    /// A reply to the comment with this id (e.g. `&submitted["id"]`).
    pub fn reply_to(mut self, parent_id: &serde_json::Value) -> Self {
        self.fields["parent_id"] = parent_id.clone();
        self
    }

    /// Sent from `address` through a proxy (X-Forwarded-For): the app must trust 127.0.0.1.
    pub fn sent_from(mut self, address: &str) -> Self {
        self.client_address = Some(address.into());
        self
    }
}

pub struct TestAppBuilder {
    db: Db,
    rules: String,
    config: ServeConfig,
    /// Another app's database, used without owning (or dropping) it.
    shared_database: Option<String>,
}

impl TestAppBuilder {
    /// Rules source; must include `[rate_limits]` (see `GENEROUS_LIMITS`).
    pub fn rules(mut self, source: impl Into<String>) -> Self {
        self.rules = source.into();
        self
    }

    /// The shipped moderation_rules.toml with generous rate limits.
    pub fn shipped_rules(self) -> Self {
        let source = std::fs::read_to_string(repo_path("moderation_rules.toml"))
            .expect("read shipped rules");
        let mut table: toml::Table = source.parse().expect("shipped rules parse");
        let limits: toml::Table = GENEROUS_LIMITS.parse().expect("limits parse");
        table.insert("rate_limits".into(), limits["rate_limits"].clone());
        self.rules(toml::to_string(&table).expect("serialize rules"))
    }

    pub fn configure(mut self, change: impl FnOnce(&mut ServeConfig)) -> Self {
        change(&mut self.config);
        self
    }

    /// Runs on an existing database (e.g. another app's) instead of a fresh one, without
    /// owning or dropping it.
    pub fn database_url(mut self, url: &str) -> Self {
        self.shared_database = Some(url.to_string());
        self
    }

    /// Rate limits shared through Redis under `prefix`.
    pub fn redis(self, url: &str, prefix: &str) -> Self {
        self.configure(|c| {
            c.redis_url = Some(url.to_string());
            c.redis_prefix = prefix.to_string();
        })
    }

    pub async fn spawn(self) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let rules_path = dir.path().join("moderation_rules.toml");
        std::fs::write(&rules_path, &self.rules).expect("write rules");
        let lists = repo_path("rules");
        if lists.is_dir() {
            // Copied, not linked: list files must resolve inside the rules file's folder.
            let copy = dir.path().join("rules");
            std::fs::create_dir(&copy).expect("lists folder");
            for entry in std::fs::read_dir(&lists).expect("read lists") {
                let entry = entry.expect("list entry");
                std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copy list");
            }
        }
        let mut config = self.config;
        config.rules = rules_path;
        let postgres = match self.db {
            _ if self.shared_database.is_some() => {
                config.database.database_url = self.shared_database.unwrap_or_default();
                None
            }
            Db::Sqlite => {
                config.database.database_url =
                    format!("sqlite://{}", dir.path().join("gatehouse.db").display());
                None
            }
            Db::Postgres => {
                let database = TestDatabase::create();
                config.database.database_url = database.url.clone();
                Some(database)
            }
        };
        let app = Application::build(&config).expect("app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            address,
            metrics_address,
            client: reqwest::Client::new(),
            handle,
            database_url: config.database.database_url.clone(),
            rules_path: config.rules.clone(),
            _postgres: postgres,
            _dir: dir,
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// The `--metrics-bind` listener, when the test configured one.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub database_url: String,
    /// The rules file the app reads (in the test's temporary folder).
    pub rules_path: PathBuf,
    handle: actix_web::dev::ServerHandle,
    // Dropped after the server handle: the database outlives the server.
    _postgres: Option<TestDatabase>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub fn builder(db: Db) -> TestAppBuilder {
        let mut config = ServeConfig::with_defaults();
        config.bind = "127.0.0.1:0".into();
        config.workers = Some(2);
        config.database.db_pool_size = 4;
        TestAppBuilder {
            db,
            rules: format!("{TEST_RULES}\n{GENEROUS_LIMITS}"),
            config,
            shared_database: None,
        }
    }

    pub async fn spawn(db: Db) -> TestApp {
        Self::builder(db).spawn().await
    }

    /// The port the app listens on.
    pub fn port(&self) -> u16 {
        self.address
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("the app's address ends in its port")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_comment(&self, article: &str, body: serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/articles/{article}/comments")))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Submits `comment`, which must be accepted (201); the response body.
    pub async fn submit(&self, comment: Comment) -> serde_json::Value {
        self.submit_expecting(201, comment).await
    }

    /// Submits `comment`, which must be answered with `status`; the response body.
    pub async fn submit_expecting(&self, status: u16, comment: Comment) -> serde_json::Value {
        let mut request = self
            .client
            .post(self.url(&format!("/api/v1/articles/{}/comments", comment.article)))
            .json(&comment.fields);
        if let Some(address) = &comment.client_address {
            request = request.header("x-forwarded-for", address);
        }
        let response = request.send().await.expect("request");
        let answered = response.status().as_u16();
        let body = response.text().await.expect("response body");
        assert_eq!(answered, status, "submitting {}: {body}", comment.fields);
        serde_json::from_str(&body).expect("JSON body")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn list(&self, article: &str, query: &str) -> reqwest::Response {
        self.client
            .get(self.url(&format!("/api/v1/articles/{article}/comments{query}")))
            .send()
            .await
            .expect("request")
    }

    /// Every comment row of an article in the database, whatever its status.
    pub fn stored_count(&self) -> i64 {
        use gatehouse::storage::{schema::comments, DatabaseUrl};
        let mut conn = DatabaseUrl::parse(&self.database_url)
            .unwrap()
            .establish()
            .expect("connect");
        comments::table
            .count()
            .get_result(&mut conn)
            .expect("count")
    }

    /// The stored row's status and the ids of the rules its verdict matched, in order.
    pub fn stored_matches(&self, id: &str) -> (String, Vec<String>) {
        let (status, verdict) = self.stored_verdict(id);
        let matched = verdict["matches"]
            .as_array()
            .expect("matches")
            .iter()
            .map(|m| m["rule_id"].as_str().expect("rule_id").to_string())
            .collect();
        (status, matched)
    }

    /// The stored row's status and verdict JSON.
    pub fn stored_verdict(&self, id: &str) -> (String, serde_json::Value) {
        use diesel::{ExpressionMethods, QueryDsl};
        use gatehouse::storage::{schema::comments, DatabaseUrl};
        let mut conn = DatabaseUrl::parse(&self.database_url)
            .unwrap()
            .establish()
            .expect("connect");
        let (status, verdict): (String, String) = comments::table
            .filter(comments::id.eq(id))
            .select((comments::status, comments::verdict))
            .first(&mut conn)
            .expect("stored row");
        (
            status,
            serde_json::from_str(&verdict).expect("verdict json"),
        )
    }
}

/// A password every test account uses (long enough for the policy).
pub const TEST_PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// A connection pool on the app's database, for arranging state the API cannot.
    pub fn pool(&self) -> gatehouse::storage::Pool {
        let url = gatehouse::storage::DatabaseUrl::parse(&self.database_url).expect("database url");
        gatehouse::storage::open(&url, 2, gatehouse::storage::OpenMode::Existing)
            .expect("open test database")
    }

    /// Runs one SQL statement on the app's database.
    pub fn sql(&self, statement: &str) -> usize {
        let mut conn = gatehouse::storage::DatabaseUrl::parse(&self.database_url)
            .unwrap()
            .establish()
            .expect("connect");
        diesel::sql_query(statement)
            .execute(&mut conn)
            .expect("sql")
    }

    /// Creates an account directly in the database.
    pub fn create_user(&self, username: &str, role: gatehouse::auth::Role) {
        let hash = gatehouse::auth::password::hash(TEST_PASSWORD).unwrap();
        gatehouse::auth::accounts::create(
            &self.pool(),
            username,
            hash,
            role,
            "test",
            gatehouse::timestamps::now(),
        )
        .expect("create user");
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("request")
    }

    /// Creates an account with `role` and signs it in; returns the bearer token.
    pub async fn token_for(&self, username: &str, role: gatehouse::auth::Role) -> String {
        self.create_user(username, role);
        let response = self.login(username, TEST_PASSWORD).await;
        assert_eq!(response.status().as_u16(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    /// Signs in an account made with `create_user`; returns the bearer token.
    pub async fn token_for_existing(&self, username: &str) -> String {
        let response = self.login(username, TEST_PASSWORD).await;
        assert_eq!(response.status().as_u16(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    /// An authenticated GET that must answer 200; its JSON body.
    pub async fn get_json(&self, token: &str, path: &str) -> serde_json::Value {
        let response = self
            .authed(reqwest::Method::GET, path, token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.json().await.expect("JSON body")
    }

    /// An authenticated request.
    pub fn authed(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }
}

impl TestApp {
    /// Stops the server (in-flight requests finish) while keeping its database, so another
    /// app can start on it.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
