//! `column IN (SELECT value FROM json_each(?))` for SQLite: a list of keys bound as one JSON
//! array, so the statement's SQL is the same for any number of keys and diesel keeps it
//! prepared. (diesel's `eq_any` writes one `?` per key on SQLite, which it never caches; on
//! PostgreSQL it binds one array, `= ANY($1)`, which it does.)

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;
use std::marker::PhantomData;

/// `column IN` the keys, bound as one JSON array.
#[derive(Debug, Clone)]
pub struct InJsonList<C> {
    column: C,
    json: String,
}

/// Whether `column` is one of `keys`.
pub fn in_json_list<C>(column: C, keys: &[String]) -> InJsonList<C> {
    // A list of strings always serializes; the empty array matches nothing, like `IN ()`.
    let json = serde_json::to_string(keys).unwrap_or_else(|_| "[]".to_string());
    InJsonList { column, json }
}

impl<C: Expression<SqlType = Text>> Expression for InJsonList<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for InJsonList<C>
where
    C: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<C, QS> SelectableExpression<QS> for InJsonList<C>
where
    C: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

impl<C: ValidGrouping<()>> ValidGrouping<()> for InJsonList<C> {
    type IsAggregate = C::IsAggregate;
}

/// The type-level id of an `InJsonList` over a column: the statement is cached by type.
pub struct InJsonListId<C>(PhantomData<C>);

impl<C: QueryId> QueryId for InJsonList<C> {
    type QueryId = InJsonListId<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for InJsonList<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    diesel::table! {
        keyed (key) {
            key -> Text,
        }
    }

    #[test]
    fn finds_exactly_the_listed_keys_however_they_are_spelled() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::sql_query("CREATE TABLE keyed (key TEXT PRIMARY KEY)")
            .execute(&mut conn)
            .unwrap();
        let stored = [
            "plain",
            "with \"quotes\"",
            "back\\slash",
            "ünïcödé 😀",
            "[1]",
            "",
        ];
        for key in stored {
            diesel::insert_into(keyed::table)
                .values(keyed::key.eq(key))
                .execute(&mut conn)
                .unwrap();
        }
        let find = |conn: &mut SqliteConnection, keys: &[&str]| {
            let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            let mut found: Vec<String> = keyed::table
                .filter(in_json_list(keyed::key, &keys))
                .select(keyed::key)
                .load(conn)
                .unwrap();
            found.sort();
            found
        };
        let mut everything: Vec<String> = stored.iter().map(|k| k.to_string()).collect();
        everything.sort();
        assert_eq!(find(&mut conn, &stored), everything);
        assert_eq!(
            find(&mut conn, &["with \"quotes\"", "missing", "ünïcödé 😀"]),
            vec!["with \"quotes\"".to_string(), "ünïcödé 😀".to_string()]
        );
        assert!(find(&mut conn, &[]).is_empty());
        assert!(find(&mut conn, &["PLAIN", "1"]).is_empty());
    }
}
