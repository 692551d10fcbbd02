//! `gatehouse rules eval`: streams a JSON-lines file of comments through the rules over a
//! bounded pipeline (a reader thread, one evaluating worker per core, the writer on the calling
//! thread), printing one JSON line per comment in input order. Malformed lines are reported on
//! stderr with their line numbers and counted; the rest are still evaluated, and the exit status
//! says some were malformed.

use super::summary::Summary;
use super::Sample;
use crate::config::DEFAULT_RULES;
use crate::policy::Policy;
use crate::rules::{CommentStatus, LearnedModel, RuleSet};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;
use std::time::Instant;

/// Lines per unit of work handed to a worker.
const BATCH: usize = 256;
/// Batches waiting per worker, in each direction: bounds memory on any input size.
const QUEUE_PER_WORKER: usize = 4;
/// Malformed lines the `--json` summary lists (all are counted).
const MALFORMED_LISTED: usize = 100;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The rules file.
    #[arg(default_value = DEFAULT_RULES)]
    pub file: PathBuf,
    /// Comments, one JSON object a line: {"id"?, "author_name"?, "author_email"?, "body",
    /// "expected"?, "label"?, "first_comment"?, "note"?} with expected one of
    /// published|pending|rejected and label any word (spam, ham…); `-` reads stdin.
    #[arg(long, short)]
    pub input: PathBuf,
    /// Evaluating threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Score the learned rule with the model stored in this database (trained by moderators'
    /// decisions or `gatehouse learn`); without it the learned rule never matches.
    #[arg(long, value_name = "DATABASE_URL")]
    pub learned_from: Option<String>,
    /// The summary on stderr as one JSON object (malformed lines listed in it) instead of text;
    /// stdout keeps one JSON line per comment.
    #[arg(long)]
    pub json: bool,
}

struct Batch {
    seq: usize,
    first_line: usize,
    lines: Vec<Vec<u8>>,
}

/// What became of one input line.
enum Outcome {
    Blank,
    Malformed {
        line: usize,
        message: String,
    },
    Evaluated {
        json: String,
        status: CommentStatus,
        expected: Option<CommentStatus>,
        label: Option<String>,
        matched: Vec<usize>,
    },
}

#[derive(Serialize)]
struct OutputLine<'a> {
    line: usize,
    id: &'a Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: &'a Option<String>,
    status: CommentStatus,
    score: f64,
    rules: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    shadow_rules: Vec<&'a str>,
    /// The learned rule's spam probability, when it had an opinion.
    #[serde(skip_serializing_if = "Option::is_none")]
    learned_probability: Option<f64>,
}

fn evaluate_line(
    rules: &RuleSet,
    model: Option<&LearnedModel>,
    index: &HashMap<&str, usize>,
    line: usize,
    text: &[u8],
) -> Outcome {
    if text.iter().all(u8::is_ascii_whitespace) {
        return Outcome::Blank;
    }
    // `from_slice` also reports text that is not UTF-8.
    let sample: Sample = match serde_json::from_slice(text) {
        Ok(s) => s,
        Err(e) => {
            return Outcome::Malformed {
                line,
                message: e.to_string(),
            }
        }
    };
    let verdict = rules.evaluate_with(&sample.comment(), model);
    let status = CommentStatus::from(verdict.decision);
    let ids = |shadow: bool| {
        verdict
            .matches
            .iter()
            .filter(move |m| m.shadow == shadow)
            .map(|m| m.rule_id.as_str())
    };
    let out = OutputLine {
        line,
        id: &sample.id,
        label: &sample.label,
        status,
        score: verdict.score,
        rules: ids(false).collect(),
        shadow_rules: ids(true).collect(),
        learned_probability: verdict
            .matches
            .iter()
            .find_map(|m| m.learned.as_ref().map(|l| l.spam_probability)),
    };
    Outcome::Evaluated {
        json: serde_json::to_string(&out).unwrap_or_default(),
        status,
        expected: sample.expected,
        label: sample.label.clone(),
        matched: verdict
            .matches
            .iter()
            .filter_map(|m| index.get(m.rule_id.as_str()).copied())
            .collect(),
    }
}

fn open_input(path: &PathBuf) -> Result<(Box<dyn Read + Send>, Option<u64>), String> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(std::io::stdin()), None));
    }
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let len = file.metadata().ok().map(|m| m.len());
    Ok((Box::new(file), len))
}

pub(super) fn progress_bar(len: Option<u64>) -> ProgressBar {
    let Some(len) = len.filter(|_| std::io::stderr().is_terminal()) else {
        return ProgressBar::hidden();
    };
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({eta})",
    );
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

/// Reads batches of lines into `jobs` until the input ends; returns a read error if any.
fn read_batches(
    input: Box<dyn Read + Send>,
    jobs: std::sync::mpsc::SyncSender<Batch>,
    bar: ProgressBar,
    stop: &AtomicBool,
) -> Result<(), String> {
    let mut reader = BufReader::with_capacity(1 << 18, input);
    let (mut seq, mut line_no) = (0, 0);
    loop {
        let mut lines = Vec::with_capacity(BATCH);
        let first_line = line_no + 1;
        while lines.len() < BATCH {
            let mut buf = Vec::new();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| format!("cannot read input: {e}"))?;
            if n == 0 {
                break;
            }
            bar.inc(n as u64);
            line_no += 1;
            lines.push(buf);
        }
        let stopped = stop.load(Ordering::Relaxed);
        if stopped
            || lines.is_empty()
            || jobs
                .send(Batch {
                    seq,
                    first_line,
                    lines,
                })
                .is_err()
        {
            return Ok(());
        }
        seq += 1;
    }
}

fn work(
    rules: &RuleSet,
    model: Option<&LearnedModel>,
    index: &HashMap<&str, usize>,
    jobs: &Mutex<Receiver<Batch>>,
    results: std::sync::mpsc::SyncSender<(usize, Vec<Outcome>)>,
) {
    loop {
        let batch = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(batch) = batch else { return };
        let outcomes = batch
            .lines
            .iter()
            .enumerate()
            .map(|(i, text)| evaluate_line(rules, model, index, batch.first_line + i, text))
            .collect();
        if results.send((batch.seq, outcomes)).is_err() {
            return;
        }
    }
}

/// Malformed lines as they are met: reported at once on stderr, or kept for the JSON summary.
enum MalformedLines {
    Print,
    Keep(Vec<serde_json::Value>),
}

impl MalformedLines {
    fn report(&mut self, line: usize, message: String) {
        match self {
            MalformedLines::Print => eprintln!("line {line}: malformed: {message}"),
            MalformedLines::Keep(kept) if kept.len() < MALFORMED_LISTED => {
                kept.push(serde_json::json!({"line": line, "message": message}));
            }
            MalformedLines::Keep(_) => {}
        }
    }
}

/// Writes one batch's outcomes and adds them to the summary.
fn emit(
    out: &mut impl Write,
    summary: &mut Summary,
    malformed: &mut MalformedLines,
    outcomes: Vec<Outcome>,
) -> std::io::Result<()> {
    for o in outcomes {
        match o {
            Outcome::Blank => {}
            Outcome::Malformed { line, message } => {
                summary.malformed += 1;
                malformed.report(line, message);
            }
            Outcome::Evaluated {
                json,
                status,
                expected,
                label,
                matched,
            } => {
                summary.add(status, expected, label.as_deref(), &matched);
                writeln!(out, "{json}")?;
            }
        }
    }
    Ok(())
}

pub fn run(args: &EvalArgs) -> Result<ExitCode, String> {
    let rules = Policy::load(&args.file).map_err(|e| e.to_string())?.rules;
    let model = args
        .learned_from
        .as_deref()
        .map(super::load_model)
        .transpose()?;
    let infos = rules.rules();
    let index: HashMap<&str, usize> = infos
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let (input, len) = open_input(&args.input)?;
    let workers = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let bar = progress_bar(len);
    let started = Instant::now();
    let mut summary = Summary::new(infos.len());
    let mut malformed = if args.json {
        MalformedLines::Keep(Vec::new())
    } else {
        MalformedLines::Print
    };
    let (job_tx, job_rx) = sync_channel::<Batch>(workers * QUEUE_PER_WORKER);
    let (res_tx, res_rx) = sync_channel::<(usize, Vec<Outcome>)>(workers * QUEUE_PER_WORKER);
    let job_rx = Mutex::new(job_rx);
    let stop = AtomicBool::new(false);
    let (read_result, write_result) = std::thread::scope(|s| {
        let reader_bar = bar.clone();
        let stop = &stop;
        let reader = s.spawn(move || read_batches(input, job_tx, reader_bar, stop));
        for _ in 0..workers {
            let tx = res_tx.clone();
            let (rules, index, jobs, model) = (&rules, &index, &job_rx, model.as_deref());
            s.spawn(move || work(rules, model, index, jobs, tx));
        }
        drop(res_tx);
        // Batches come back in any order: hold early ones until their turn.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut pending: BTreeMap<usize, Vec<Outcome>> = BTreeMap::new();
        let mut next = 0;
        let mut written = Ok(());
        for (seq, outcomes) in res_rx {
            pending.insert(seq, outcomes);
            while let Some(outcomes) = pending.remove(&next) {
                next += 1;
                if written.is_ok() {
                    written = emit(&mut out, &mut summary, &mut malformed, outcomes);
                }
            }
            if written.is_err() {
                // stdout closed: stop the reader, and drain what it already queued so it
                // is not left blocked on a full queue (the workers end on their next send).
                stop.store(true, Ordering::Relaxed);
                break;
            }
        }
        if stop.load(Ordering::Relaxed) {
            while job_rx.lock().map(|rx| rx.recv().is_ok()).unwrap_or(false) {}
        }
        let written = written.and_then(|()| out.flush());
        let read = reader
            .join()
            .unwrap_or_else(|_| Err("reader thread panicked".into()));
        (read, written)
    });
    bar.finish_and_clear();
    if let Err(e) = write_result {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(format!("cannot write output: {e}"));
        }
    }
    read_result?;
    let secs = started.elapsed().as_secs_f64();
    let per_second = summary.evaluated as f64 / secs.max(1e-9);
    if let MalformedLines::Keep(lines) = malformed {
        let mut report = summary.json(&infos);
        report["malformed_lines"] = lines.into();
        report["seconds"] = secs.into();
        report["comments_per_second"] = per_second.round().into();
        eprintln!("{report}");
    } else {
        eprint!("{}", summary.render(&infos));
        eprintln!(
            "evaluated {} comments in {secs:.2} s ({per_second:.0} comments/s); {} malformed lines",
            summary.evaluated, summary.malformed
        );
    }
    Ok(if summary.malformed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
