//! The append-only audit log: one row per accountable action. Rows are only ever inserted; the
//! database refuses updates and deletes (triggers in the migration).

use super::schema::audit_log;
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: PrimitiveDateTime,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub reason: Option<String>,
    pub details: Option<String>,
}

pub fn append(conn: &mut DbConnection, rows: &[AuditRow]) -> Result<(), StorageError> {
    // One statement per row: the multi-backend connection has no batch insert. Callers run
    // this inside their transaction, so it costs no extra commits.
    for row in rows {
        diesel::insert_into(audit_log::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Filters for reading the log; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<PrimitiveDateTime>,
    pub until: Option<PrimitiveDateTime>,
    /// Newest first: rows with ids below this one.
    pub before_id: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRow>, StorageError> {
    let mut query = audit_log::table.into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(target) = &filter.target_id {
        query = query.filter(audit_log::target_id.eq(target.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::at.lt(until));
    }
    if let Some(before) = &filter.before_id {
        query = query.filter(audit_log::id.lt(before.clone()));
    }
    Ok(query
        .order(audit_log::id.desc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?)
}

impl AuditRow {
    /// A new entry, stamped now with a fresh time-ordered id.
    pub fn new(
        actor: &str,
        action: &str,
        target_type: &str,
        target_id: Option<&str>,
        at: PrimitiveDateTime,
    ) -> Self {
        AuditRow {
            id: uuid::Uuid::now_v7().to_string(),
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            target_type: target_type.to_string(),
            target_id: target_id.map(str::to_string),
            before_state: None,
            after_state: None,
            reason: None,
            details: None,
        }
    }

    pub fn change(
        mut self,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Self {
        self.before_state = before.map(|v| v.to_string());
        self.after_state = after.map(|v| v.to_string());
        self
    }

    pub fn reason(mut self, reason: Option<&str>) -> Self {
        self.reason = reason.map(str::to_string);
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details.to_string());
        self
    }
}
