//! A Redis for tests: GATEHOUSE_TEST_REDIS_URL (default redis://127.0.0.1:6379), with a key
//! prefix unique to the test whose keys are deleted when it ends.

use std::time::Duration;

pub struct TestRedis {
    pub url: String,
    pub prefix: String,
}

impl TestRedis {
    /// `None` (with a message) when no Redis answers, except in CI, where that is a failure.
    pub fn connect() -> Option<TestRedis> {
        let url = std::env::var("GATEHOUSE_TEST_REDIS_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
        let answers = redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok();
        if !answers {
            assert!(
                std::env::var_os("CI").is_none(),
                "no Redis at {url}: CI must start one"
            );
            eprintln!("no Redis at {url}: test skipped");
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
