//! `gatehouse rules backtest`: replay stored comments through a candidate rules file and the
//! live one, and report what would change and how the candidate agrees with moderators.

use super::open_existing;
use crate::config::{DatabaseArgs, DEFAULT_RULES};
use crate::moderation::backtest::{self, BacktestOptions, BacktestReport};
use crate::policy::Policy;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The candidate rules file.
    #[arg(default_value = DEFAULT_RULES)]
    pub file: PathBuf,
    /// The rules file in force, which the candidate is compared with (as `serve --rules`).
    #[arg(long, env = "GATEHOUSE_RULES", default_value = DEFAULT_RULES)]
    pub live: PathBuf,
    /// Only comments created since this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many comments (oldest first).
    #[arg(long)]
    pub limit: Option<u64>,
    /// The report as JSON on stdout, with every changed comment's id.
    #[arg(long)]
    pub json: bool,
    /// Score the learned rule with the model in this database (usually the same as
    /// --database-url). Comments the model learned from score as it learned them.
    #[arg(long, value_name = "DATABASE_URL")]
    pub learned_from: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub fn run(args: &BacktestArgs) -> Result<ExitCode, String> {
    let live = Policy::load(&args.live)
        .map_err(|e| format!("--live: {e}"))?
        .rules;
    let candidate = Policy::load(&args.file).map_err(|e| e.to_string())?.rules;
    let since = args
        .since
        .as_deref()
        .map(|t| {
            crate::timestamps::parse_rfc3339(t)
                .ok_or_else(|| format!("--since {t:?} is not an RFC 3339 time"))
        })
        .transpose()?;
    let pool = open_existing(&args.database)?;
    let bar = progress_bar();
    let model = args
        .learned_from
        .as_deref()
        .map(super::load_model)
        .transpose()?;
    let options = BacktestOptions {
        since,
        limit: args.limit,
        model,
    };
    let report = backtest::backtest(&pool, &live, &candidate, &options, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        print_report(&mut out, args, &report)
    };
    match written {
        // A reader that stopped early (`| head`) is not a failure of the backtest.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write output: {e}"))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Comments replayed out of the total, on stderr when it is a terminal.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} comments ({eta})",
    ) {
        bar.set_style(style);
    }
    bar
}

fn print_report(
    out: &mut impl Write,
    args: &BacktestArgs,
    report: &BacktestReport,
) -> std::io::Result<()> {
    let short = |version: &str| version.get(..12).unwrap_or(version).to_string();
    writeln!(
        out,
        "live      {} (version {})",
        args.live.display(),
        short(&report.live_version)
    )?;
    writeln!(
        out,
        "candidate {} (version {})",
        args.file.display(),
        short(&report.candidate_version)
    )?;
    writeln!(
        out,
        "replayed {} comments: {} decided alike, {} differently",
        report.evaluated,
        report.unchanged,
        report.evaluated - report.unchanged
    )?;
    for change in &report.changes {
        writeln!(
            out,
            "  {} -> {}: {}",
            change.from.as_str(),
            change.to.as_str(),
            change.count
        )?;
        for example in &change.examples {
            writeln!(
                out,
                "      {} ({} now) [{}] {}",
                example.id,
                example.stored_status.as_str(),
                example.rules.join(", "),
                example.excerpt
            )?;
        }
    }
    if !report.changes.is_empty() {
        writeln!(out, "  (--json lists every changed comment's id)")?;
    }
    writeln!(
        out,
        "moderator decisions: {} (candidate agrees with {}, disagrees with {})",
        report.moderator_decided, report.agrees_with_moderators, report.disagrees_with_moderators
    )?;
    if !report.rules.is_empty() {
        writeln!(
            out,
            "  {:<36} {:>8} {:>9} {:>9}",
            "rule", "matched", "rejected", "approved"
        )?;
        for rule in &report.rules {
            writeln!(
                out,
                "  {:<36} {:>8} {:>9} {:>9}",
                rule.rule_id, rule.matched, rule.moderator_rejected, rule.moderator_approved
            )?;
        }
    }
    Ok(())
}
