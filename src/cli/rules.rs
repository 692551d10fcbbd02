//! `gatehouse rules check | test | eval | backtest`: validate a rules file, explain one decision,
//! evaluate a file of comments (see `eval`) and replay stored comments (see `backtest`). Exit
//! status 0 on success, 1 on failure.

use super::{error_json, eval, Sample};
use crate::config::DEFAULT_RULES;
use crate::policy::Policy;
use crate::rules::{lint, normalize, CommentStatus, Finding, Mode, Severity, Verdict, View};
use clap::{Args, Subcommand};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate a rules file and run its examples; report warnings (rules that can never
    /// match, duplicate words, over-broad entries). Exit 1 when invalid.
    #[command(after_help = "Examples:
  gatehouse rules check
  gatehouse rules check candidate.toml --deny-warnings --json")]
    Check(CheckArgs),
    /// Read one comment as JSON on stdin ({"body", "author_name"?, "author_email"?}) and
    /// explain the decision: normalized text, matched rules and hits, score, thresholds.
    /// With "expected" in the input, exit 1 when the decision differs.
    #[command(after_help = r#"Example:
  echo '{"author_name":"Ann","body":"Check out my channel!"}' | gatehouse rules test"#)]
    Test(TestArgs),
    /// Evaluate comments from a JSON-lines file: one JSON line per comment on stdout, and a
    /// summary on stderr: outcomes per "label", and for lines with "expected" a confusion
    /// matrix and per-rule precision. Exit 1 when lines were malformed (the others are still
    /// evaluated).
    #[command(after_help = "Examples:
  gatehouse rules eval --input tests/fixtures/labelled_comments.jsonl > results.jsonl
  gatehouse rules eval candidate.toml --input corpus.jsonl --json > results.jsonl 2> summary.json")]
    Eval(eval::EvalArgs),
    /// Replay the comments stored in a database through a candidate rules file and the live
    /// one: which decisions would change (with the comments' ids) and how the candidate agrees
    /// with what moderators decided. Opens an existing database; changes nothing.
    #[command(after_help = "Examples:
  gatehouse rules backtest candidate.toml
  gatehouse rules backtest candidate.toml --live /etc/gatehouse/moderation_rules.toml \\
    --since 2026-11-20T00:00:00Z --json --database-url sqlite:///var/lib/gatehouse/gatehouse.db")]
    Backtest(super::backtest::BacktestArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The rules file.
    #[arg(default_value = DEFAULT_RULES)]
    pub file: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Fail (exit 1) when there are warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The rules file.
    #[arg(default_value = DEFAULT_RULES)]
    pub file: PathBuf,
    /// Score the learned rule with the model stored in this database.
    #[arg(long, value_name = "DATABASE_URL")]
    pub learned_from: Option<String>,
    /// Machine-readable output: the verdict, status and normalized text.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `rules` subcommand.
pub fn run(command: RulesCommand) -> ExitCode {
    let result = match command {
        RulesCommand::Check(args) => check(&args),
        RulesCommand::Test(args) => test(&args),
        RulesCommand::Eval(args) => eval::run(&args),
        RulesCommand::Backtest(args) => super::backtest::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("gatehouse: {message}");
            ExitCode::FAILURE
        }
    }
}

fn io_err(e: std::io::Error) -> String {
    format!("cannot write output: {e}")
}

fn check(args: &CheckArgs) -> Result<ExitCode, String> {
    let mut out = std::io::stdout().lock();
    let rules = match Policy::load(&args.file).map(|p| p.rules) {
        Ok(rules) => rules,
        Err(e) => {
            if args.json {
                let report = serde_json::json!({
                    "file": args.file, "valid": false, "errors": [error_json(&e)],
                    "warnings": [], "notes": [],
                });
                writeln!(out, "{report}").map_err(io_err)?;
            } else {
                writeln!(out, "error: {e}").map_err(io_err)?;
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let findings = lint(&rules);
    let (warnings, notes): (Vec<&Finding>, Vec<&Finding>) = findings
        .iter()
        .partition(|f| f.severity == Severity::Warning);
    let infos = rules.rules();
    if args.json {
        let report = serde_json::json!({
            "file": args.file, "valid": true, "version": rules.version(),
            "rules": infos, "examples": rules.examples().len(),
            "errors": [], "warnings": warnings, "notes": notes,
        });
        writeln!(out, "{report}").map_err(io_err)?;
    } else {
        let shadow = infos.iter().filter(|r| r.mode == Mode::Shadow).count();
        writeln!(
            out,
            "{}: valid: {} rules ({} enabled, {shadow} in shadow mode), {} examples pass, version {}",
            args.file.display(),
            infos.len(),
            rules.enabled_rule_count(),
            rules.examples().len(),
            &rules.version()[..12],
        )
        .map_err(io_err)?;
        for f in &findings {
            let severity = match f.severity {
                Severity::Warning => "warning",
                Severity::Note => "note",
            };
            let (file, line, id) = (args.file.display(), f.line, &f.rule_id);
            writeln!(
                out,
                "{severity}[{}]: {file}:{line}: rule `{id}`: {}",
                f.code, f.message
            )
            .map_err(io_err)?;
            if let Some(example) = &f.example {
                writeln!(out, "    e.g. {example:?}").map_err(io_err)?;
            }
        }
        writeln!(out, "{} warnings, {} notes", warnings.len(), notes.len()).map_err(io_err)?;
    }
    let failed = args.deny_warnings && !warnings.is_empty();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn test(args: &TestArgs) -> Result<ExitCode, String> {
    let rules = Policy::load(&args.file).map_err(|e| e.to_string())?.rules;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    let sample: Sample = serde_json::from_str(&input)
        .map_err(|e| format!("stdin is not a comment as JSON ({{\"body\", \"author_name\"?, \"author_email\"?}}): {e}"))?;
    let model = args
        .learned_from
        .as_deref()
        .map(super::load_model)
        .transpose()?;
    let verdict = rules.evaluate_with(&sample.comment(), model.as_deref());
    let status = CommentStatus::from(verdict.decision);
    let mut normalized = vec![("body", normalize(&sample.body).text().to_string())];
    if !sample.author_name.is_empty() {
        normalized.push((
            "author_name",
            normalize(&sample.author_name).text().to_string(),
        ));
    }
    if let Some(email) = &sample.author_email {
        normalized.push(("author_email", normalize(email).text().to_string()));
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let normalized: serde_json::Map<String, serde_json::Value> = normalized
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        let report = serde_json::json!({
            "status": status, "expected": sample.expected,
            "normalized": normalized, "verdict": verdict,
        });
        writeln!(out, "{report}").map_err(io_err)?;
    } else {
        write_trace(&mut out, &args.file, &normalized, &verdict).map_err(io_err)?;
    }
    match sample.expected {
        Some(expected) if expected != status => {
            eprintln!("expected {}, got {}", expected.as_str(), status.as_str());
            Ok(ExitCode::FAILURE)
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn write_trace(
    out: &mut impl Write,
    file: &std::path::Path,
    normalized: &[(&str, String)],
    v: &Verdict,
) -> std::io::Result<()> {
    let version = v.rules_version.get(..12).unwrap_or(&v.rules_version);
    writeln!(out, "rules:       {} (version {version})", file.display())?;
    writeln!(out, "normalized:")?;
    for (field, text) in normalized {
        writeln!(out, "  {field}: {text:?}")?;
    }
    writeln!(out, "matched rules: {}", v.matches.len())?;
    for m in &v.matches {
        let shadow = if m.shadow {
            ", SHADOW: not counted"
        } else {
            ""
        };
        writeln!(
            out,
            "  {} {} [{}, {}, weight {}{shadow}]: {}",
            if m.shadow { "~" } else { "+" },
            m.rule_id,
            m.kind,
            m.action.as_str(),
            m.weight,
            m.description
        )?;
        if let Some(l) = &m.learned {
            writeln!(
                out,
                "      spam probability {} (learned from {} approved, {} rejected); strongest tokens:",
                l.spam_probability, l.ham_docs, l.spam_docs
            )?;
            for t in &l.tokens {
                writeln!(out, "        {:?} {}", t.token, t.spam_probability)?;
            }
        }
        for h in &m.hits {
            let view = match h.view {
                View::Raw => "raw",
                View::Normalized => "normalized",
            };
            writeln!(
                out,
                "      {} {view} {}..{}: {:?}",
                h.field.as_str(),
                h.start,
                h.end,
                h.matched
            )?;
        }
    }
    writeln!(out, "score:       {}", v.score)?;
    writeln!(
        out,
        "thresholds:  hold at {}, reject at {}",
        v.hold_threshold, v.reject_threshold
    )?;
    writeln!(
        out,
        "decision:    {}",
        CommentStatus::from(v.decision).as_str()
    )
}
