//! Both backends carry the same migrations.

#[test]
fn sqlite_and_postgres_migrations_have_identical_names() {
    let (sqlite, postgres) = gatehouse::storage::migration_names();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}
