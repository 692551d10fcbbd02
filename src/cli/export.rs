//! `gatehouse export --format jsonl [--article ID]`: the articles' settings, then every comment
//! of the site (or of one article) with its verdict, decisions, flags, earlier texts and import
//! source, one JSON object per line (docs/EXPORT_FORMAT.md), in thread order: the file `import
//! --format jsonl` reads back.

use super::open_existing;
use crate::config::DatabaseArgs;
use crate::moderation::export::{settings_records, ExportPages};
use crate::moderation::ArticleId;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  gatehouse export --format jsonl > comments.jsonl
  gatehouse export --format jsonl --article budget-2026 --output budget.jsonl")]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
    /// Only this article's comments.
    #[arg(long)]
    pub article: Option<String>,
    /// Write here instead of stdout (the file is replaced).
    #[arg(long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub fn run(args: &ExportArgs) -> Result<(), String> {
    let article = args
        .article
        .as_deref()
        .map(ArticleId::parse)
        .transpose()
        .map_err(|e| format!("--article: {e}"))?;
    let pool = open_existing(&args.database)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::new(sink);
    let mut written = 0u64;
    let settings = settings_records(&mut conn, article.as_ref()).map_err(|e| e.to_string())?;
    for record in &settings {
        writeln!(out, "{}", record.to_line()).map_err(|e| e.to_string())?;
    }
    let mut pages = ExportPages::new(article);
    while let Some(page) = pages.next_page(&mut conn).map_err(|e| e.to_string())? {
        for record in page {
            writeln!(out, "{}", record.to_line()).map_err(|e| e.to_string())?;
            written += 1;
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    if args.output.is_some() {
        eprintln!(
            "exported {} article settings and {written} comments",
            settings.len()
        );
    }
    Ok(())
}
