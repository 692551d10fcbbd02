//! Bans: moderators bar an author (by email or name) or an address or network, optionally until
//! a time; submissions that match are rejected or held without saying why.

use super::identity::author_key;
use super::ModerationError;
use crate::storage::audit::{self, AuditRow};
use crate::storage::bans::{self, BanRow};
use crate::storage::comments::HistoryFacts;
use crate::storage::{self, DbConnection, Pool, StorageError};
use crate::timestamps;
use ipnet::IpNet;
use serde_json::json;
use std::net::IpAddr;
use time::PrimitiveDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanKind {
    Author,
    Ip,
}

impl BanKind {
    pub fn parse(text: &str) -> Result<Self, ModerationError> {
        match text {
            "author" => Ok(BanKind::Author),
            "ip" => Ok(BanKind::Ip),
            _ => Err(ModerationError::invalid(
                "kind",
                "kind must be author or ip",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BanKind::Author => "author",
            BanKind::Ip => "ip",
        }
    }
}

/// A ban as moderators see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ban {
    pub id: String,
    pub kind: BanKind,
    /// Normalized: an author key (`email:…`/`name:…`) or a network.
    pub value: String,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: Option<PrimitiveDateTime>,
    pub lifted_at: Option<PrimitiveDateTime>,
    pub lifted_by: Option<String>,
}

impl From<BanRow> for Ban {
    fn from(row: BanRow) -> Self {
        Ban {
            id: row.id,
            // Rows are only written by `create`, which stores one of the two.
            kind: if row.kind == BanKind::Ip.as_str() {
                BanKind::Ip
            } else {
                BanKind::Author
            },
            value: row.value,
            reason: row.reason,
            created_by: row.created_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            lifted_at: row.lifted_at,
            lifted_by: row.lifted_by,
        }
    }
}

/// The stored value for a ban: an author key (an email if the text has '@', else a name), or
/// a network (a bare address bans just that address).
pub fn ban_value(kind: BanKind, raw: &str) -> Result<String, ModerationError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 254 {
        return Err(ModerationError::invalid(
            "value",
            "value must be 1-254 characters",
        ));
    }
    match kind {
        BanKind::Author if raw.contains('@') => Ok(author_key("", Some(raw))),
        BanKind::Author => Ok(author_key(raw, None)),
        BanKind::Ip => {
            let net = raw
                .parse::<IpNet>()
                .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ModerationError::invalid(
                        "value",
                        "value must be an IP address or a network like 203.0.113.0/24",
                    )
                })?;
            Ok(net.trunc().to_string())
        }
    }
}

pub fn create(
    pool: &Pool,
    kind: BanKind,
    raw_value: &str,
    reason: Option<&str>,
    expires_at: Option<PrimitiveDateTime>,
    moderator: &str,
    now: PrimitiveDateTime,
) -> Result<Ban, ModerationError> {
    if expires_at.is_some_and(|t| t <= now) {
        return Err(ModerationError::invalid(
            "expires_at",
            "expires_at must be in the future",
        ));
    }
    let row = BanRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind: kind.as_str().to_string(),
        value: ban_value(kind, raw_value)?,
        reason: reason.map(str::to_string),
        created_by: moderator.to_string(),
        created_at: now,
        expires_at,
        lifted_at: None,
        lifted_by: None,
    };
    let mut conn = pool.get().map_err(StorageError::from)?;
    storage::write_transaction(&mut conn, |conn| {
        bans::insert(conn, &row)?;
        audit::append(
            conn,
            &[
                AuditRow::new(moderator, "ban_created", "ban", Some(&row.id), now)
                    .change(
                        None,
                        Some(json!({
                            "kind": row.kind,
                            "value": row.value,
                            "expires_at": row.expires_at.map(timestamps::rfc3339),
                        })),
                    )
                    .reason(reason),
            ],
        )
    })?;
    Ok(row.into())
}

pub fn list_active(pool: &Pool, now: PrimitiveDateTime) -> Result<Vec<Ban>, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    Ok(bans::active(&mut conn, None, now)?
        .into_iter()
        .map(Ban::from)
        .collect())
}

/// Lifts a ban; lifting one already lifted is a harmless repeat.
pub fn lift(
    pool: &Pool,
    id: &str,
    moderator: &str,
    now: PrimitiveDateTime,
) -> Result<Ban, ModerationError> {
    let not_found = || ModerationError::NotFound {
        what: "ban",
        field: None,
    };
    let mut conn = pool.get().map_err(StorageError::from)?;
    storage::write_transaction(&mut conn, |conn| {
        let ban = bans::find(conn, id)?.ok_or_else(not_found)?;
        if bans::lift(conn, id, moderator, now)? {
            audit::append(
                conn,
                &[AuditRow::new(moderator, "ban_lifted", "ban", Some(id), now)
                    .change(
                        Some(json!({"lifted": false})),
                        Some(json!({"lifted": true})),
                    )
                    .details(json!({"kind": ban.kind, "value": ban.value}))],
            )?;
        }
        bans::find(conn, id)?.map(Ban::from).ok_or_else(not_found)
    })
}

/// Whether a submission from this author and address is barred, and by which kind of ban,
/// given what the history look-up found (`comments::author_history`): address bans are read
/// only when some are in force.
pub fn matching_ban(
    conn: &mut DbConnection,
    facts: &HistoryFacts,
    ip: IpAddr,
    now: PrimitiveDateTime,
) -> Result<Option<BanKind>, StorageError> {
    if facts.author_banned {
        return Ok(Some(BanKind::Author));
    }
    if !facts.address_bans_in_force {
        return Ok(None);
    }
    let ip = ip.to_canonical();
    let banned = bans::address_bans(conn, now)?
        .iter()
        .filter_map(|value| value.parse::<IpNet>().ok())
        .any(|net| net.contains(&ip));
    Ok(banned.then_some(BanKind::Ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_bans_use_the_same_key_as_submissions() {
        assert_eq!(
            ban_value(BanKind::Author, "Spammer+x@Example.com").unwrap(),
            "email:spammer@example.com"
        );
        assert_eq!(
            ban_value(BanKind::Author, "  Troll  King ").unwrap(),
            "name:troll king"
        );
    }

    #[test]
    fn ip_bans_accept_addresses_and_networks() {
        assert_eq!(
            ban_value(BanKind::Ip, "203.0.113.9").unwrap(),
            "203.0.113.9/32"
        );
        assert_eq!(
            ban_value(BanKind::Ip, "203.0.113.77/24").unwrap(),
            "203.0.113.0/24"
        );
        assert_eq!(
            ban_value(BanKind::Ip, "2001:db8::1/64").unwrap(),
            "2001:db8::/64"
        );
        assert!(ban_value(BanKind::Ip, "not an address").is_err());
    }
}
