//! The site's moderation settings (the `[moderation]` table of the policy file): when reader
//! flags send a comment back to moderators, what a ban does to a submission, and how a page URL
//! keys a thread.

use crate::article_key::UrlKeyRule;
use serde::{Deserialize, Serialize};

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
}

impl Default for ModerationSettings {
    fn default() -> Self {
        ModerationSettings {
            flag_threshold: 3,
            flagged_stay_visible: true,
            ban_action: BanAction::Reject,
            article_urls: UrlKeyRule::default(),
        }
    }
}

impl ModerationSettings {
    /// Why these settings cannot be used.
    pub fn validate(&self) -> Result<(), String> {
        if self.flag_threshold == 0 {
            return Err("moderation.flag_threshold must be at least 1".into());
        }
        self.article_urls.validate()
    }
}
