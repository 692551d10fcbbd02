//! Quotas: how often one kind of sender may do something (`Quota`), and the `[rate_limits]`
//! table of the policy file that sets them (`Quotas`).

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How often one kind of sender may submit: `burst` at once, refilled at `rate` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub burst: u32,
    pub rate: u32,
    pub per: Per,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Second,
    Minute,
    Hour,
    Day,
}

impl Quota {
    /// Time for one unit of the quota to come back.
    pub fn replenish_interval(&self) -> Duration {
        let period = match self.per {
            Per::Second => Duration::from_secs(1),
            Per::Minute => Duration::from_secs(60),
            Per::Hour => Duration::from_secs(3600),
            Per::Day => Duration::from_secs(86_400),
        };
        period / self.rate.max(1)
    }
}

/// The `[rate_limits]` table of the policy file: every quota, by what it limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    pub per_ip: Quota,
    pub per_author: Quota,
    pub per_article: Quota,
    pub global: Quota,
    /// Reader flags per client address (optional; default 10 at once, 30 an hour).
    #[serde(default = "default_flag_quota")]
    pub flags: Quota,
}

fn default_flag_quota() -> Quota {
    Quota {
        burst: 10,
        rate: 30,
        per: Per::Hour,
    }
}

impl Quotas {
    /// Every quota with its key in `[rate_limits]`, for validation and messages.
    pub fn named(&self) -> [(&'static str, &Quota); 5] {
        [
            ("per_ip", &self.per_ip),
            ("per_author", &self.per_author),
            ("per_article", &self.per_article),
            ("global", &self.global),
            ("flags", &self.flags),
        ]
    }

    /// Why these quotas cannot be used, naming the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        match self
            .named()
            .into_iter()
            .find(|(_, q)| q.burst < 1 || q.rate < 1)
        {
            Some((name, _)) => Err(format!(
                "rate_limits.{name}: burst and rate must be at least 1"
            )),
            None => Ok(()),
        }
    }
}
