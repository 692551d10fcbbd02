//! Rate limits shared through Redis: the same GCRA semantics as the local limiter (narrowest
//! quota first, refused attempts still spend the quotas before, Retry-After rounded up), one
//! quota across limiters, keys that expire; and the fallback to local limits when Redis is
//! unreachable, reported by /healthz.

use crate::helpers::{Db, TestApp, TEST_RULES};
use crate::redis_support::TestRedis;
use gatehouse::ratelimit::{
    CommentLimiters, LimitScope, LimitedAction, Per, Quota, Quotas, RateLimited, RedisLimiter,
};
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};

fn spec(burst: u32, rate: u32, per: Per) -> Quota {
    Quota { burst, rate, per }
}

/// Small quotas that do not refill within a test.
fn settings() -> Quotas {
    Quotas {
        per_ip: spec(5, 1, Per::Hour),
        per_author: spec(2, 1, Per::Hour),
        per_article: spec(8, 1, Per::Hour),
        global: spec(12, 1, Per::Hour),
        flags: spec(2, 1, Per::Hour),
    }
}

fn ip(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 51, 100, n))
}

fn limiter(redis: &TestRedis) -> RedisLimiter {
    RedisLimiter::new(&redis.url, &redis.prefix).expect("redis limiter")
}

async fn shared(
    limiter: &RedisLimiter,
    settings: &Quotas,
    (ip, author, article): (IpAddr, &str, &str),
) -> Result<(), RateLimited> {
    limiter
        .check_comment(settings, ip, author, article)
        .await
        .expect("redis answers")
}

#[actix_web::test]
async fn redis_limiter_allows_the_burst_then_refuses_with_retry_after() {
    let Some(redis) = TestRedis::connect() else {
        return;
    };
    let s = Quotas {
        per_ip: spec(3, 6, Per::Minute),
        per_author: spec(100, 100, Per::Minute),
        per_article: spec(100, 100, Per::Minute),
        global: spec(1000, 1000, Per::Minute),
        flags: spec(10, 30, Per::Hour),
    };
    let limiter = limiter(&redis);
    for _ in 0..3 {
        shared(&limiter, &s, (ip(1), "name:a", "art"))
            .await
            .unwrap();
    }
    let refused = shared(&limiter, &s, (ip(1), "name:a", "art"))
        .await
        .unwrap_err();
    assert_eq!(refused.scope, LimitScope::ClientIp);
    assert!(refused.retry_after.as_secs_f64() <= 10.0);
    assert_eq!(refused.retry_after_secs(), 10, "{:?}", refused.retry_after);
    // Another address has its own quota.
    shared(&limiter, &s, (ip(2), "name:a", "art"))
        .await
        .unwrap();
}

#[actix_web::test]
async fn redis_limiter_gives_the_same_answers_as_the_local_limiter() {
    let Some(redis) = TestRedis::connect() else {
        return;
    };
    let s = settings();
    let local = CommentLimiters::new(&s);
    let limiter = limiter(&redis);
    // Authors over several addresses, one address over several authors, articles filling up
    // and finally the global quota: every scope refuses at some point.
    let mut requests = Vec::new();
    for n in 0..4u8 {
        requests.push((ip(1), "email:a@x.org".to_string(), "art-1".to_string()));
        requests.push((ip(10 + n), "email:b@x.org".to_string(), "art-1".to_string()));
    }
    for n in 0..6u8 {
        requests.push((ip(1), format!("name:c{n}"), "art-2".to_string()));
    }
    for n in 0..14u8 {
        requests.push((ip(20 + n), format!("name:d{n}"), format!("art-{}", n % 2)));
    }
    let mut scopes = std::collections::HashSet::new();
    for (ip, author, article) in &requests {
        let expected = local.check(*ip, author, article);
        let got = shared(&limiter, &s, (*ip, author, article)).await;
        match (&expected, &got) {
            (Ok(()), Ok(())) => {}
            (Err(e), Err(g)) => {
                assert_eq!(e.scope, g.scope, "{ip} {author} {article}");
                assert!(
                    e.retry_after_secs().abs_diff(g.retry_after_secs()) <= 1,
                    "retry after: local {:?}, redis {:?}",
                    e.retry_after,
                    g.retry_after
                );
                scopes.insert(g.scope.as_str());
            }
            _ => panic!("{ip} {author} {article}: local {expected:?}, redis {got:?}"),
        }
    }
    for scope in ["client_ip", "author", "article", "global"] {
        assert!(scopes.contains(scope), "{scope} never refused: {scopes:?}");
    }
}

#[actix_web::test]
async fn redis_quotas_are_shared_by_limiters_and_keys_expire() {
    let Some(redis) = TestRedis::connect() else {
        return;
    };
    let s = settings();
    let (one, two) = (limiter(&redis), limiter(&redis));
    let mut accepted = 0;
    for n in 0..10 {
        let limiter = if n % 2 == 0 { &one } else { &two };
        if shared(
            limiter,
            &s,
            (ip(1), &format!("name:{n}"), &format!("art-{n}")),
        )
        .await
        .is_ok()
        {
            accepted += 1;
        }
    }
    assert_eq!(accepted, s.per_ip.burst, "one quota over both limiters");
    // Flags have their own quota per address.
    for limiter in [&one, &two] {
        let allowed = limiter.check_flag(&s, ip(1)).await.expect("redis");
        assert!(allowed.is_ok());
    }
    let refused = one.check_flag(&s, ip(1)).await.expect("redis").unwrap_err();
    assert_eq!(refused.retry_after_secs(), 3600);
    assert_eq!(refused.action, LimitedAction::Flag);
    let keys = redis.keys();
    assert!(keys.len() >= 4, "{keys:?}");
    for (key, ttl_ms) in keys {
        assert!(key.starts_with(&redis.prefix), "{key}");
        // Expires once the quota would be full again: at most burst × interval from now.
        assert!(
            ttl_ms > 0 && ttl_ms <= 12 * 3_600_000 + 1_000,
            "{key}: {ttl_ms}"
        );
    }
}

fn strict_per_ip_rules() -> String {
    format!(
        "{TEST_RULES}\n[rate_limits]\nper_ip = {{ burst = 3, rate = 2, per = \"minute\" }}\n\
         per_author = {{ burst = 1000, rate = 1000, per = \"second\" }}\n\
         per_article = {{ burst = 1000, rate = 1000, per = \"second\" }}\n\
         global = {{ burst = 1000, rate = 1000, per = \"second\" }}\n"
    )
}

/// Posts until refused; returns how many were accepted and the refusal's Retry-After.
async fn post_until_refused(app: &TestApp) -> (usize, u64) {
    for i in 0..10 {
        let response = app
            .post_comment(
                "a1",
                json!({"author_name": format!("reader {i}"), "body": format!("comment {i}")}),
            )
            .await;
        match response.status().as_u16() {
            201 => {}
            429 => {
                let retry_after = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                return (i, retry_after);
            }
            other => panic!("unexpected status {other}"),
        }
    }
    panic!("never rate limited");
}

async fn health(app: &TestApp) -> Value {
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

#[actix_web::test]
async fn redis_backed_app_limits_and_reports_redis_in_healthz() {
    let Some(redis) = TestRedis::connect() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite)
        .rules(strict_per_ip_rules())
        .redis(&redis.url, &redis.prefix)
        .spawn()
        .await;
    let (accepted, retry_after) = post_until_refused(&app).await;
    assert_eq!(accepted, 3);
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert!(!redis.keys().is_empty(), "the quota lives in Redis");
    let body = health(&app).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["rate_limits"], "redis");
}

#[actix_web::test]
async fn unreachable_redis_falls_back_to_local_limits_and_healthz_says_so() {
    let app = TestApp::builder(Db::Sqlite)
        .rules(strict_per_ip_rules())
        .redis("redis://127.0.0.1:1", "gatehouse-test:")
        .spawn()
        .await;
    // Requests keep working, limited by this instance alone.
    let (accepted, retry_after) = post_until_refused(&app).await;
    assert_eq!(accepted, 3);
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    let body = health(&app).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["rate_limits"], "local (redis unavailable)");
}

#[actix_web::test]
async fn app_without_redis_reports_local_rate_limits() {
    let app = TestApp::spawn(Db::Sqlite).await;
    assert_eq!(health(&app).await["rate_limits"], "local");
}
