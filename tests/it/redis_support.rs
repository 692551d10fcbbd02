//! A Redis for tests: GATEHOUSE_TEST_REDIS_URL (default redis://127.0.0.1:6379), with a key
//! prefix unique to the test whose keys are deleted when it ends.

use crate::services;
use std::time::Duration;

const VARIABLE: &str = "GATEHOUSE_TEST_REDIS_URL";
const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

pub struct TestRedis {
    pub url: String,
    pub prefix: String,
}

impl TestRedis {
    /// `None` (the test is skipped, with a message) when no Redis answers, outside CI and with
    /// the variable unset; otherwise a Redis that does not answer fails the test.
    pub fn connect() -> Option<TestRedis> {
        let (url, named) = match services::configured(VARIABLE) {
            Some(url) => (url.clone(), format!("{VARIABLE}={url}")),
            None => (
                DEFAULT_URL.to_string(),
                format!("{DEFAULT_URL} ({VARIABLE} is not set)"),
            ),
        };
        let answer = redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
        if let Err(err) = answer {
            services::unavailable(VARIABLE, &format!("no Redis at {named}: {err}"));
            return None;
        }
        let prefix = format!("gatehouse-test:{}:", uuid::Uuid::now_v7().simple());
        Some(TestRedis { url, prefix })
    }

    fn connection(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url.as_str()).and_then(|c| c.get_connection())
    }

    /// Every key under this test's prefix with its remaining time to live in milliseconds.
    pub fn keys(&self) -> Vec<(String, i64)> {
        let mut conn = self.connection().expect("connect to Redis");
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query(&mut conn)
            .expect("KEYS");
        keys.into_iter()
            .map(|key| {
                let ttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).expect("PTTL");
                (key, ttl)
            })
            .collect()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let Ok(mut conn) = self.connection() else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query(&mut conn)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query(&mut conn);
        }
    }
}
