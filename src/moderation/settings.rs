//! The site's moderation settings (the `[moderation]` table of the policy file): when reader
//! flags send a comment back to moderators, what a ban does to a submission, how a page URL
//! keys a thread, when an article's comments close by themselves, and how long a reader may
//! edit or delete their comment.

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

/// How long after submitting a reader may edit or delete their comment: written `"15m"`,
/// `"90s"` or `"1h"`; `"0s"` turns reader edits off (no edit token is issued).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EditWindow {
    seconds: u32,
}

impl EditWindow {
    /// The longest window accepted: a day. An edit token is a secret in a browser's storage;
    /// it should not outlive the conversation it belongs to.
    pub const MAX_SECONDS: u32 = 86_400;

    pub fn seconds(self) -> u32 {
        self.seconds
    }

    pub fn duration(self) -> time::Duration {
        time::Duration::seconds(i64::from(self.seconds))
    }

    pub fn is_off(self) -> bool {
        self.seconds == 0
    }
}

impl TryFrom<String> for EditWindow {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let bad = || {
            format!(
                "edit_window must be a number and a unit (s, m or h), e.g. \"15m\"; got {text:?}"
            )
        };
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = text.split_at(split);
        let number: u32 = number.parse().map_err(|_| bad())?;
        let unit_seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            _ => return Err(bad()),
        };
        Ok(EditWindow {
            seconds: number.saturating_mul(unit_seconds),
        })
    }
}

impl From<EditWindow> for String {
    fn from(window: EditWindow) -> String {
        match window.seconds {
            s if s % 3_600 == 0 && s > 0 => format!("{}h", s / 3_600),
            s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
            s => format!("{s}s"),
        }
    }
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
    /// How long a reader may edit or delete their comment after submitting it.
    pub edit_window: EditWindow,
}

impl Default for ModerationSettings {
    fn default() -> Self {
        ModerationSettings {
            flag_threshold: 3,
            flagged_stay_visible: true,
            ban_action: BanAction::Reject,
            article_urls: UrlKeyRule::default(),
            auto_close_after_days: None,
            edit_window: EditWindow { seconds: 15 * 60 },
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
        if self.edit_window.seconds > EditWindow::MAX_SECONDS {
            return Err(format!(
                "moderation.edit_window must be at most 24h (got {})",
                String::from(self.edit_window)
            ));
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

    fn window(text: &str) -> Result<EditWindow, String> {
        EditWindow::try_from(text.to_string())
    }

    #[test]
    fn edit_windows_read_seconds_minutes_and_hours() {
        assert_eq!(window("90s").unwrap().seconds(), 90);
        assert_eq!(window("15m").unwrap().seconds(), 900);
        assert_eq!(window("2h").unwrap().seconds(), 7_200);
        assert!(window("0s").unwrap().is_off());
        assert_eq!(String::from(window("120s").unwrap()), "2m");
    }

    #[test]
    fn edit_windows_without_a_known_unit_are_refused() {
        for text in ["", "15", "m", "15 m", "1d", "-1m", "1.5h"] {
            assert!(window(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn an_edit_window_over_a_day_does_not_validate() {
        let settings = ModerationSettings {
            edit_window: window("25h").unwrap(),
            ..ModerationSettings::default()
        };
        assert!(settings.validate().unwrap_err().contains("24h"));
    }
}
