//! Site policy for moderation that is not a matching rule: flag threshold, whether flagged
//! comments stay visible, and what a ban does to a submission.

/// What happens to a submission from a banned author or address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanAction {
    Reject,
    Hold,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModerationSettings {
    /// Reader flags that send a published comment back to the queue.
    pub flag_threshold: i32,
    /// Whether a flagged comment stays visible until a moderator decides.
    pub flagged_stay_visible: bool,
    pub ban_action: BanAction,
}

impl Default for ModerationSettings {
    fn default() -> Self {
        ModerationSettings {
            flag_threshold: 3,
            flagged_stay_visible: true,
            ban_action: BanAction::Reject,
        }
    }
}
