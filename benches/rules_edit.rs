//! What an admin's edit that adds a 100,000-word list costs before it can be swapped in: the
//! shipped `moderation_rules.toml` plus one `words` rule whose list is inline (~1.6 MB of
//! source), compiled as the admin API compiles it, then linted as `rules check` does.

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse::policy::Policy;
use gatehouse::rules::lint;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

/// Distinct made-up words, a tenth of them two-word phrases, none of them English.
fn words(count: usize) -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "zu", "mor", "tel", "vin", "sha", "dro", "ple", "qui", "xen", "bor", "lum", "fra",
        "gex", "nup", "wob",
    ];
    let mut state = 7u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..count)
        .map(|i| {
            let mut word: String = (0..3)
                .map(|_| SYLLABLES[next() % SYLLABLES.len()])
                .collect();
            word.push_str(&i.to_string());
            if i % 10 == 0 {
                word.push(' ');
                word.push_str(SYLLABLES[next() % SYLLABLES.len()]);
                word.push_str("ber");
            }
            word
        })
        .collect()
}

fn edited_source(shipped: &str, count: usize) -> String {
    let list: Vec<String> = words(count).iter().map(|w| format!("\"{w}\"")).collect();
    format!(
        "{shipped}\n[[rule]]\nid = \"big.list\"\ndescription = \"A site's own list\"\n\
         kind = \"words\"\naction = \"hold\"\nwords = [{}]\n",
        list.join(", ")
    )
}

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("moderation_rules.toml");
    let shipped = std::fs::read_to_string(&path).expect("the shipped rules file");
    let source = edited_source(&shipped, 100_000);
    eprintln!("edited source: {:.1} MB", source.len() as f64 / 1e6);

    let start = Instant::now();
    let policy = Policy::from_source(&path, &source).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("compile: {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
    let start = Instant::now();
    let findings = lint(&policy.rules);
    eprintln!(
        "lint: {:.0} ms ({} findings)",
        start.elapsed().as_secs_f64() * 1e3,
        findings.len()
    );

    let mut group = c.benchmark_group("rules edit, 100k-word list");
    group.sample_size(10);
    group.bench_function("compile", |b| {
        b.iter(|| black_box(Policy::from_source(&path, black_box(&source)).is_ok()))
    });
    group.bench_function("lint", |b| b.iter(|| black_box(lint(&policy.rules).len())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
