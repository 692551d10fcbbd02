//! `gatehouse learn`: trains the learned rule's model from a file of labelled comments, resets
//! it, retrains it from the decisions stored in the database, or shows what it has learned. A
//! running server follows the change within a second.

use super::open_existing;
use crate::config::DatabaseArgs;
use crate::moderation::learning::{label_comments, text_key, MAX_TOKENS};
use crate::rules::training_tokens;
use crate::storage::learned::{self, Label, LabelOutcome, LabelledDoc};
use crate::storage::{self, DbConnection, StorageError};
use crate::timestamps;
use clap::Args;
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::ExitCode;

/// Documents per transaction when training from a file.
const BATCH: usize = 500;

#[derive(Debug, Args)]
#[command(after_help = r#"Examples:
  gatehouse learn --input decided.jsonl      # {"body", "author_name"?, "label": "spam"|"ham"} a line
  gatehouse learn --show                     # what the model has learned
  gatehouse learn --reset                    # forget everything learned
  gatehouse learn --retrain                  # forget, then relearn from moderators' decisions

Labels: spam, hate, offensive, abuse and rejected teach "spam"; ham, clean and published teach
"ham"; a line without "label" may give "expected": "rejected" or "published". The same text
learned twice counts once (with its latest label)."#)]
pub struct LearnArgs {
    /// Labelled comments, one JSON object a line; `-` reads stdin.
    #[arg(long, short)]
    pub input: Option<PathBuf>,
    /// Forget everything learned (moderators' decisions and files alike).
    #[arg(long, conflicts_with_all = ["input", "retrain"])]
    pub reset: bool,
    /// Forget everything learned, then relearn from every comment moderators decided.
    #[arg(long, conflicts_with = "input")]
    pub retrain: bool,
    /// Print the model's size and its most telling tokens.
    #[arg(long)]
    pub show: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// One line of a training file. Other keys (`id`, `note`, …) are allowed and ignored, so
/// `rules eval` input files can be used as they are.
#[derive(Debug, Deserialize)]
struct TrainingLine {
    body: String,
    #[serde(default)]
    author_name: String,
    label: Option<String>,
    expected: Option<String>,
}

fn label_of(line: &TrainingLine) -> Result<Label, String> {
    let word = match (&line.label, &line.expected) {
        (Some(l), _) => l.as_str(),
        (None, Some(e)) => e.as_str(),
        (None, None) => return Err("no \"label\" (spam or ham)".into()),
    };
    match word.to_ascii_lowercase().as_str() {
        "spam" | "hate" | "offensive" | "abuse" | "rejected" => Ok(Label::Spam),
        "ham" | "clean" | "published" => Ok(Label::Ham),
        other => Err(format!(
            "label {other:?} is neither spam (spam, hate, offensive, abuse, rejected) nor ham (ham, clean, published)"
        )),
    }
}

pub fn run(args: &LearnArgs) -> Result<ExitCode, String> {
    if !(args.reset || args.retrain || args.show || args.input.is_some()) {
        return Err("say what to do: --input FILE, --reset, --retrain or --show".into());
    }
    let pool = open_existing(&args.database)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let mut code = ExitCode::SUCCESS;
    if args.reset {
        storage::write_transaction(&mut conn, learned::reset).map_err(|e| e.to_string())?;
        println!(
            "the learned model is reset: nothing learned; the learned rule waits for new decisions"
        );
    }
    if args.retrain {
        let outcome = retrain(&mut conn).map_err(|e| e.to_string())?;
        println!(
            "retrained from moderators' decisions: {} comments learned",
            outcome.learned
        );
    }
    if let Some(input) = &args.input {
        let (outcome, malformed) = train_file(&mut conn, input)?;
        println!(
            "learned {} comments, relabelled {}, {} already known{}",
            outcome.learned,
            outcome.relabelled,
            outcome.unchanged,
            if malformed > 0 {
                format!("; {malformed} malformed lines skipped (listed above)")
            } else {
                String::new()
            }
        );
        if malformed > 0 {
            code = ExitCode::FAILURE;
        }
    }
    print_state(&mut conn, args.show)?;
    Ok(code)
}

/// Forgets everything, then labels every decided comment, in one transaction: a server keeps
/// judging with the old model until it commits.
fn retrain(conn: &mut DbConnection) -> Result<LabelOutcome, StorageError> {
    storage::write_transaction(conn, |conn| {
        learned::reset(conn)?;
        let now = timestamps::now();
        let mut total = LabelOutcome::default();
        let mut after = String::new();
        loop {
            let page = learned::decided_page(conn, &after, BATCH as i64)?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            let labels: Vec<(String, Label)> = page
                .iter()
                .filter_map(|c| match c.status.as_str() {
                    "published" => Some((c.id.clone(), Label::Ham)),
                    "rejected" => Some((c.id.clone(), Label::Spam)),
                    _ => None,
                })
                .collect();
            let o = label_comments(conn, &labels, now)?;
            total.learned += o.learned;
        }
        Ok(total)
    })
}

fn open_input(path: &PathBuf) -> Result<Box<dyn Read>, String> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    std::fs::File::open(path)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Trains from a JSON-lines file; malformed lines are reported on stderr with their numbers
/// and skipped. Returns what was learned and how many lines were malformed.
fn train_file(conn: &mut DbConnection, path: &PathBuf) -> Result<(LabelOutcome, usize), String> {
    let reader = BufReader::new(open_input(path)?);
    let mut total = LabelOutcome::default();
    let mut malformed = 0;
    let mut batch = Vec::with_capacity(BATCH);
    let mut flush = |conn: &mut DbConnection, batch: &mut Vec<LabelledDoc>| {
        let now = timestamps::now();
        let o = storage::write_transaction(conn, |c| {
            let o = learned::apply_labels(c, batch, now)?;
            learned::prune(c, MAX_TOKENS)?;
            Ok::<_, StorageError>(o)
        })
        .map_err(|e| e.to_string())?;
        total.learned += o.learned;
        total.relabelled += o.relabelled;
        total.unchanged += o.unchanged;
        batch.clear();
        Ok::<_, String>(())
    };
    for (i, line) in reader.split(b'\n').enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = serde_json::from_slice::<TrainingLine>(&line)
            .map_err(|e| e.to_string())
            .and_then(|l| label_of(&l).map(|label| (l, label)));
        match parsed {
            Ok((l, label)) => batch.push(LabelledDoc {
                doc_key: text_key(&l.body, &l.author_name),
                label,
                tokens: training_tokens(&l.body, &l.author_name),
            }),
            Err(message) => {
                malformed += 1;
                eprintln!("line {n}: malformed: {message}");
            }
        }
        if batch.len() >= BATCH {
            flush(conn, &mut batch)?;
        }
    }
    if !batch.is_empty() {
        flush(conn, &mut batch)?;
    }
    Ok((total, malformed))
}

fn print_state(conn: &mut DbConnection, show: bool) -> Result<(), String> {
    let s = learned::state(conn).map_err(|e| e.to_string())?;
    if s.ham_docs == 0 && s.spam_docs == 0 {
        println!(
            "the learned model is empty: moderators' decisions (or `gatehouse learn --input`) teach it; \
             the learned rule counts once it has min_ham approved and min_spam rejected comments (see the rules file)"
        );
        return Ok(());
    }
    println!(
        "model: {} approved (ham) and {} rejected (spam) comments, {} tokens",
        s.ham_docs, s.spam_docs, s.token_count
    );
    if show {
        for label in [Label::Spam, Label::Ham] {
            let rows = learned::top_tokens(conn, label, 20).map_err(|e| e.to_string())?;
            println!("most frequent in {} comments:", label.as_str());
            for (token, ham, spam) in rows {
                println!("  {token:?}: ham {ham}, spam {spam}");
            }
        }
    }
    Ok(())
}
