//! `gatehouse migrate-data --from URL --to URL`: copy a whole database to another, e.g. an
//! existing SQLite file into a new PostgreSQL database when a site scales out.

use crate::storage::transfer::{copy_database, count_rows};
use crate::storage::{DatabaseUrl, OpenMode};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  gatehouse migrate-data --from sqlite://gatehouse.db --to postgres://gatehouse@db.internal/gatehouse
  gatehouse migrate-data --from postgres://gatehouse@db.internal/gatehouse --to sqlite://copy.db")]
pub struct MigrateDataArgs {
    /// The database to copy from (left unchanged but for pending migrations), e.g.
    /// sqlite://gatehouse.db. It must exist. Stop the servers using it first.
    #[arg(long)]
    pub from: String,
    /// The database to fill, e.g. postgres://gatehouse@db/gatehouse. It is migrated first and
    /// must hold no rows; a SQLite file is created if missing. An interrupted copy leaves it
    /// empty, so simply run again.
    #[arg(long)]
    pub to: String,
    /// Rows read and written per batch.
    #[arg(long, default_value_t = 500)]
    pub batch_size: i64,
}

pub fn run(args: MigrateDataArgs) -> Result<(), String> {
    let open = |url: &str, role: &str, mode: OpenMode| {
        let url = DatabaseUrl::parse(url).map_err(|e| format!("--{role}: {e}"))?;
        if mode == OpenMode::Existing {
            url.require_existing()
                .map_err(|e| format!("--{role}: {e}"))?;
        }
        url.establish()
            .map_err(|e| format!("--{role} {url:?}: cannot connect: {e}"))
    };
    // The source must exist: copying from a mistyped path would "succeed" with 0 rows. The
    // target must be empty anyway, so a new SQLite file is as good as any.
    let mut source = open(&args.from, "from", OpenMode::Existing)?;
    let mut target = open(&args.to, "to", OpenMode::CreateIfMissing)?;
    let total: i64 = count_rows(&mut source)
        .map(|counts| counts.iter().map(|(_, n)| n).sum())
        .unwrap_or(0);
    // Drawn on stderr only when it is a terminal.
    let bar = ProgressBar::new(u64::try_from(total).unwrap_or(0));
    if let Ok(style) = ProgressStyle::with_template("{msg:>18} {wide_bar} {pos}/{len} rows") {
        bar.set_style(style);
    }
    let mut finished_tables = 0u64;
    let mut current = ("", 0i64);
    let report = copy_database(
        &mut source,
        &mut target,
        args.batch_size,
        &mut |table, done| {
            if table != current.0 {
                finished_tables += u64::try_from(current.1).unwrap_or(0);
                bar.set_message(table);
            }
            current = (table, done);
            bar.set_position(finished_tables + u64::try_from(done).unwrap_or(0));
        },
    )
    .map_err(|e| e.to_string());
    bar.finish_and_clear();
    let report = report?;
    for count in &report {
        println!("{:<18} {:>10} rows", count.table, count.target);
    }
    println!(
        "copied {} rows; every table's row count matches the source",
        report.iter().map(|c| c.target).sum::<i64>()
    );
    Ok(())
}
