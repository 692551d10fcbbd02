//! `gatehouse import --format disqus|wordpress|jsonl FILE`: reads an export as it streams
//! (`interchange`), maps threads to article ids (the URL rule of the policy file's
//! `[moderation.article_urls]`, or identifiers), and stores it (`moderation::import`), with a
//! progress bar on a terminal, a dry run, and a report of what was imported and what was not.

use super::open_existing;
use crate::config::{DatabaseArgs, DEFAULT_RULES};
use crate::interchange::{self, ArticleIdFrom, ArticleMapping, Format};
use crate::moderation::import::{ImportOptions, ImportReport, Importer, Judging};
use crate::moderation::LiveModel;
use crate::policy::Policy;
use clap::Args;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  gatehouse import --format disqus --dry-run disqus-export.xml
  gatehouse import --format wordpress --article-id-from identifier site.WordPress.xml
  gatehouse import --format jsonl --judge comments.jsonl")]
pub struct ImportArgs {
    /// What the file is: a Disqus XML export, a WordPress export (WXR), or Gatehouse's own
    /// JSON lines (`gatehouse export`).
    #[arg(long, value_enum)]
    pub format: Format,
    /// The export file.
    pub file: PathBuf,
    /// Where a thread's article id comes from: its page URL (by the URL rule) or its
    /// identifier; each falls back on the other when a thread lacks it.
    #[arg(long, value_enum, default_value = "url")]
    pub article_id_from: ArticleIdFrom,
    /// Read and check the whole file and report what would be imported; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Judge every comment with today's rules and hold (never reject) those they flag.
    #[arg(long)]
    pub judge: bool,
    /// The policy file: its `[moderation.article_urls]` is the URL rule, its rules judge
    /// with --judge. Without the file the default URL rule applies.
    #[arg(long, env = "GATEHOUSE_RULES", default_value = DEFAULT_RULES)]
    pub rules: PathBuf,
    /// Records written per transaction.
    #[arg(long, default_value_t = 500)]
    pub batch_size: usize,
    /// The report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub fn run(args: &ImportArgs) -> Result<(), String> {
    let policy = if args.rules.exists() || args.judge {
        Some(Policy::load(&args.rules).map_err(|e| format!("--rules: {e}"))?)
    } else {
        eprintln!(
            "note: no policy file at {}: the default URL rule applies (no kept query parameters, www. dropped)",
            args.rules.display()
        );
        None
    };
    let mapping = ArticleMapping {
        from: args.article_id_from,
        url_rule: policy
            .as_ref()
            .map(|p| p.moderation.article_urls.clone())
            .unwrap_or_default(),
    };
    let file = std::fs::File::open(&args.file)
        .map_err(|e| format!("cannot open {}: {e}", args.file.display()))?;
    let size = file.metadata().ok().map(|m| m.len());
    let read = Arc::new(AtomicU64::new(0));
    let input = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: file,
            read: Arc::clone(&read),
        },
    );
    let pool = open_existing(&args.database)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let judge = match (&policy, args.judge) {
        (Some(policy), true) => Some(Judging {
            rules: Arc::clone(&policy.rules),
            model: LiveModel::load(&mut conn)
                .map_err(|e| e.to_string())?
                .snapshot(),
        }),
        _ => None,
    };
    let options = ImportOptions {
        format: args.format,
        judge,
        dry_run: args.dry_run,
        batch_size: args.batch_size.max(1),
    };
    let bar = super::eval::progress_bar(size);
    let mut importer = Importer::new(&mut conn, options);
    for item in interchange::read(args.format, input, mapping) {
        importer.take(item).map_err(|e| e.to_string())?;
        bar.set_position(read.load(Ordering::Relaxed));
    }
    bar.finish_and_clear();
    let report = importer.finish("cli").map_err(|e| e.to_string())?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        print!("{}", summary(&report, &args.file));
    }
    Ok(())
}

fn summary(report: &ImportReport, file: &std::path::Path) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let verb = if report.dry_run {
        "would import"
    } else {
        "imported"
    };
    let _ = writeln!(
        out,
        "{}: {} comment records read; {verb} {}",
        file.display(),
        report.read,
        report.imported
    );
    for (label, n) in [
        ("already imported (left alone)", report.already_imported),
        ("duplicate ids in the file (ignored)", report.duplicates),
        ("malformed records (not imported)", report.malformed),
        ("pingbacks and trackbacks (skipped)", report.skipped),
        (
            "replies without their parent (made top-level)",
            report.missing_parent,
        ),
        (
            "replies nested too deep (attached higher)",
            report.flattened,
        ),
        ("held by today's rules (--judge)", report.held_by_rules),
        ("articles' settings imported", report.articles),
        (
            "articles' settings left alone (already set here)",
            report.articles_already_set,
        ),
    ] {
        if n > 0 {
            let _ = writeln!(out, "  {label}: {n}");
        }
    }
    if !report.by_article.is_empty() {
        let _ = writeln!(out, "by article (published / pending / rejected):");
        for (article, c) in &report.by_article {
            let _ = writeln!(
                out,
                "  {article}: {} / {} / {}",
                c.published, c.pending, c.rejected
            );
        }
    }
    if !report.problems.is_empty() {
        let _ = writeln!(out, "problems:");
        for p in &report.problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    out
}
