//! The site's moderation settings (the `[moderation]` table of the policy file): when reader
//! flags send a comment back to moderators, what a ban does to a submission, how a page URL
//! keys a thread, and when an article's comments close by themselves.

use crate::article_key::UrlKeyRule;
use serde::{Deserialize, Serialize};

/// The longest `auto_close_after_days`: ten years, past which "never" is the honest setting.
pub const MAX_AUTO_CLOSE_DAYS: u32 = 3650;

/// What a ban does to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BanAction {
    Reject,
    Hold,
}

/// The optional `[moderation]` table of the policy file: how the site treats flags and bans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationSettings {
    /// Reader flags that send a published comment back to the moderators.
    pub flag_threshold: u32,
    /// Whether a flagged comment stays visible until a moderator decides.
    pub flagged_stay_visible: bool,
    /// What happens to a submission from a banned author or address.
    pub ban_action: BanAction,
    /// How a page URL becomes an article id (`[moderation.article_urls]`).
    pub article_urls: UrlKeyRule,
    /// Comments on an article close this many days after its first comment, unless a
    /// moderator set the article otherwise; `None` (the default): articles stay open.
    pub auto_close_after_days: Option<u32>,
}

impl Default for ModerationSettings {
    fn default() -> Self {
        ModerationSettings {
            flag_threshold: 3,
            flagged_stay_visible: true,
            ban_action: BanAction::Reject,
            article_urls: UrlKeyRule::default(),
            auto_close_after_days: None,
        }
    }
}

impl ModerationSettings {
    /// Why these settings cannot be used.
    pub fn validate(&self) -> Result<(), String> {
        if self.flag_threshold == 0 {
            return Err("moderation.flag_threshold must be at least 1".into());
        }
        if let Some(days) = self.auto_close_after_days {
            if !(1..=MAX_AUTO_CLOSE_DAYS).contains(&days) {
                return Err(format!(
                    "moderation.auto_close_after_days must be 1-{MAX_AUTO_CLOSE_DAYS} (leave it out to keep articles open)"
                ));
            }
        }
        self.article_urls.validate()
    }

    /// How long after its first comment an article closes by itself, if the site says so.
    pub fn auto_close_after(&self) -> Option<time::Duration> {
        self.auto_close_after_days
            .map(|days| time::Duration::days(i64::from(days)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_close_days_must_be_between_one_and_ten_years() {
        let with = |days| ModerationSettings {
            auto_close_after_days: Some(days),
            ..ModerationSettings::default()
        };
        assert!(with(0).validate().is_err());
        assert!(with(MAX_AUTO_CLOSE_DAYS + 1).validate().is_err());
        assert!(with(1).validate().is_ok());
        assert_eq!(with(3).auto_close_after(), Some(time::Duration::days(3)));
        assert_eq!(ModerationSettings::default().auto_close_after(), None);
    }
}
