//! Throughput of `RuleSet::evaluate` on ~1 KiB realistic comments, against the repository's
//! `moderation_rules.toml` when present, else a synthetic set (10,000-word list file, 200 regex
//! patterns, one rule of every other kind); with and without a learned model of 200,000 tokens.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gatehouse::policy::Policy;
use gatehouse::rules::{training_tokens, AuthorHistory, CommentInput, LearnedModel, TokenCounts};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

fn fake_word(rng: &mut Lcg) -> String {
    const SYL: &[&str] = &[
        "ka", "zu", "mor", "tel", "vin", "sha", "dro", "ple", "qui", "xen", "bor", "lum", "fra",
        "gex",
    ];
    let n = 2 + rng.next() % 3;
    (0..n).map(|_| rng.pick(SYL)).collect()
}

fn synthetic_rules(dir: &Path) -> PathBuf {
    let mut rng = Lcg(7);
    let mut words = String::new();
    for i in 0..10_000 {
        if i % 10 == 0 {
            words.push_str(&format!(
                "{} {}\n",
                fake_word(&mut rng),
                fake_word(&mut rng)
            ));
        } else {
            words.push_str(&format!("{}{}\n", fake_word(&mut rng), i));
        }
    }
    std::fs::write(dir.join("words.txt"), words).unwrap();
    let mut patterns = Vec::new();
    for i in 0..200 {
        let w = fake_word(&mut rng);
        patterns.push(match i % 4 {
            0 => format!(r"'\b{w}\b'"),
            1 => format!(r"'{w}\s+(?:now|today|free)'"),
            2 => format!(r"'(?:buy|cheap)\s+{w}{i}'"),
            _ => format!(r"'\d{{3}}-{w}-\d{{4}}'"),
        });
    }
    let src = format!(
        r#"[thresholds]
hold = 5.0
reject = 10.0

[rate_limits]
per_ip      = {{ burst = 5,   rate = 10,   per = "minute" }}
per_author  = {{ burst = 3,   rate = 6,    per = "minute" }}
per_article = {{ burst = 60,  rate = 600,  per = "minute" }}
global      = {{ burst = 300, rate = 6000, per = "minute" }}

[[rule]]
id = "list"
description = "Big list"
kind = "words"
action = "reject"
files = ["words.txt"]
exceptions = ["smartwatch"]

[[rule]]
id = "regexes"
description = "Many patterns"
kind = "regex"
action = "score"
weight = 3.0
patterns = [{patterns}]

[[rule]]
id = "links.count"
description = "Links"
kind = "link_count"
action = "hold"
max = 3

[[rule]]
id = "links.deny"
description = "Spam domains"
kind = "link_domains"
action = "reject"
deny = ["spam.com", "pills.xyz", "casino.online"]

[[rule]]
id = "caps"
description = "Shouting"
kind = "caps_ratio"
action = "score"
weight = 2.0
min_ratio = 0.7

[[rule]]
id = "repeat"
description = "Mashing"
kind = "repeated_chars"
action = "score"
weight = 1.0
max_run = 6

[[rule]]
id = "length"
description = "Length"
kind = "length"
action = "hold"
min = 2
max = 5000

[[rule]]
id = "dup"
description = "Repost"
kind = "duplicate"
action = "hold"
window_seconds = 600
scope = "either"

[[rule]]
id = "newcomer"
description = "First comment"
kind = "first_comment"
action = "score"
weight = 1.0
"#,
        patterns = patterns.join(", ")
    );
    let path = dir.join("moderation_rules.toml");
    std::fs::write(&path, src).unwrap();
    path
}

fn comments() -> Vec<String> {
    const WORDS: &[&str] = &[
        "the",
        "council",
        "budget",
        "was",
        "approved",
        "yesterday",
        "and",
        "I",
        "think",
        "residents",
        "deserve",
        "better",
        "schools",
        "roads",
        "because",
        "taxes",
        "keep",
        "rising",
        "while",
        "services",
        "decline",
        "honestly",
        "this",
        "article",
        "misses",
        "point",
        "about",
        "housing",
        "prices",
        "in",
        "our",
        "town",
        "mayor",
        "said",
        "that",
        "2024",
        "plan",
        "will",
        "fix",
        "it",
        "but",
        "nobody",
        "believes",
        "him",
        "anymore",
        "café",
        "naïve",
        "“quoted”",
        "—",
        "well,",
        "really?",
        "great!",
        "www.example.org",
        "https://news.example.com/story?id=42",
        "smartwatch",
    ];
    let mut rng = Lcg(42);
    (0..256)
        .map(|i| {
            let mut s = String::with_capacity(1100);
            while s.len() < 1000 {
                s.push_str(rng.pick(WORDS));
                s.push(if rng.next() % 12 == 0 { '\n' } else { ' ' });
            }
            if i % 16 == 0 {
                s.push_str(" buy cheap pills at spam.com NOW!!!!!!!!");
            }
            s
        })
        .collect()
}

fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn rules_path(tmp: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("moderation_rules.toml");
    if repo.exists() && std::env::var_os("GATEHOUSE_BENCH_SYNTHETIC").is_none() {
        repo
    } else {
        synthetic_rules(tmp)
    }
}

fn bench(c: &mut Criterion) {
    let tmp = std::env::temp_dir().join(format!("gatehouse-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let path = rules_path(&tmp);
    let rules = Policy::load(&path).unwrap_or_else(|e| panic!("{e}")).rules;
    // Compiled: the files are no longer needed (and every way out of the bench leaves clean).
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("rules: {} ({} rules)", path.display(), rules.rule_count());
    let bodies = comments();
    let inputs: Vec<CommentInput<'_>> = bodies
        .iter()
        .map(|b| CommentInput {
            body: b,
            author_name: "Jane Reader",
            author_email: Some("jane@example.org"),
            history: AuthorHistory {
                prior_published: 2,
                ..Default::default()
            },
        })
        .collect();

    // The learned rule's model: the bench comments themselves (alternately ham and spam, so
    // every word is in it), padded with rare tokens to the model's cap of 200,000 tokens.
    let mut model = LearnedModel::default();
    for (i, b) in bodies.iter().enumerate() {
        model.learn(&training_tokens(b, "Jane Reader"), i % 2 == 0);
    }
    // GATEHOUSE_BENCH_MODEL_TOKENS=0 leaves the padding out: a model that fits the caches,
    // to tell the look-ups' memory stalls from their arithmetic.
    let cap = std::env::var("GATEHOUSE_BENCH_MODEL_TOKENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000usize);
    for i in 0..(cap.saturating_sub(model.token_count())) {
        model.set(
            &format!("filler{i}"),
            TokenCounts {
                ham: 1,
                spam: (i % 3) as u32,
            },
        );
    }
    // As the server does before it publishes a snapshot: the first timed section would
    // otherwise build the scoring table.
    model.prepare();
    eprintln!("learned model: {} tokens", model.token_count());

    // A fixed amount of work for instruction counters (`valgrind --tool=callgrind`), which
    // count the same on a busy machine as on a quiet one; with the learned model unless
    // GATEHOUSE_BENCH_PASSES_WITHOUT_MODEL is set.
    if let Some(passes) = std::env::var("GATEHOUSE_BENCH_PASSES")
        .ok()
        .and_then(|p| p.parse::<usize>().ok())
    {
        let with = std::env::var_os("GATEHOUSE_BENCH_PASSES_WITHOUT_MODEL").is_none();
        let m = with.then_some(&model);
        for _ in 0..passes {
            for c in &inputs {
                black_box(rules.evaluate_with(black_box(c), m));
            }
        }
        eprintln!("evaluated {} comments", passes * inputs.len());
        return;
    }

    // A plain figure alongside criterion's: wall clock, and this thread's CPU time (from
    // /proc, Linux only) which stays honest when other work shares the cores. Without the
    // model, then with it, then without again (the machine is shared: alternate).
    for (label, m) in [
        ("evaluate", None),
        ("evaluate+learned", Some(&model)),
        ("evaluate", None),
        ("evaluate+learned", Some(&model)),
    ] {
        let cpu0 = thread_cpu_ns();
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed().as_secs_f64() < 3.0 {
            for c in &inputs {
                black_box(rules.evaluate_with(black_box(c), m));
                n += 1;
            }
        }
        let wall = start.elapsed().as_secs_f64();
        eprintln!(
            "{label}: {:.0} comments/s single-thread (wall clock)",
            n as f64 / wall
        );
        if let (Some(a), Some(b)) = (cpu0, thread_cpu_ns()) {
            let cpu = (b - a) as f64 / 1e9;
            eprintln!(
                "{label}: {:.0} comments/s per CPU-second ({:.0}% of a core)",
                n as f64 / cpu,
                100.0 * cpu / wall
            );
        }
    }

    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function("1KiB comments", |b| {
        b.iter(|| {
            for c in &inputs {
                black_box(rules.evaluate(black_box(c)));
            }
        })
    });
    group.bench_function("1KiB comments, learned model", |b| {
        b.iter(|| {
            for c in &inputs {
                black_box(rules.evaluate_with(black_box(c), Some(&model)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
