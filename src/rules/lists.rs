//! Word entries and list files: folds each entry for the views its rule reads, adds it to
//! the phrase indexes, and reads list files (one entry per line, `#` comments).

use super::compile::{Compiled, Ctx, Entry, Rule};
use super::error::RulesError;
use super::format::SpannedList;
use super::normalize::normalize;
use super::words::{tokens, Owner, Role};
use sha2::Digest;
use toml::Spanned;

/// Adds one phrase to the views the rule reads; `Err(message)` if it has no words.
fn add_phrase(
    out: &mut Compiled,
    rule: &Rule,
    index: usize,
    role: Role,
    phrase: &str,
    origin: impl FnOnce() -> String,
) -> Result<(), String> {
    let owner = Owner {
        rule: index as u32,
        role,
    };
    let norm = rule
        .normalized
        .then(|| normalize(phrase).text().to_string());
    let raw = rule.raw.then(|| phrase.to_lowercase());
    if let Some(text) = norm.as_ref().or(raw.as_ref()) {
        let words: Vec<&str> = tokens(text).into_iter().map(|(s, e)| &text[s..e]).collect();
        out.entries.push(Entry {
            rule: index,
            role,
            key: words.join(" "),
            origin: origin(),
        });
    }
    for (text, view_is_raw) in [(norm, false), (raw, true)] {
        let Some(text) = text else { continue };
        if tokens(&text).is_empty() {
            return Err(format!("entry `{phrase}` contains no letters or digits"));
        }
        if rule.enabled {
            let idx = if view_is_raw {
                &mut out.phrases_raw
            } else {
                &mut out.phrases_norm
            };
            idx.add(&text, owner);
        }
    }
    Ok(())
}

pub(crate) fn add_phrases(
    ctx: &Ctx<'_>,
    out: &mut Compiled,
    rule: &Rule,
    index: usize,
    role: Role,
    list: &SpannedList,
    what: &str,
) -> Result<usize, RulesError> {
    for p in list.get_ref() {
        let origin = || {
            format!(
                "line {}",
                super::error::line_col(ctx.source, p.span().start).0
            )
        };
        add_phrase(out, rule, index, role, p.get_ref(), origin)
            .map_err(|m| ctx.err(p.span().start, Some(&rule.id), format!("{what} {m}")))?;
    }
    Ok(list.get_ref().len())
}

pub(crate) fn add_list_file(
    ctx: &mut Ctx<'_>,
    out: &mut Compiled,
    rule: &Rule,
    index: usize,
    name: &Spanned<String>,
) -> Result<usize, RulesError> {
    let rel = name.get_ref();
    let path = ctx.base_dir.join(rel);
    let text = match ctx.files.get(rel) {
        Some(t) => t.clone(),
        None => {
            let t = std::fs::read_to_string(&path).map_err(|e| {
                ctx.err(
                    name.span().start,
                    Some(&rule.id),
                    format!("list file `{rel}` ({}) cannot be read: {e}", path.display()),
                )
            })?;
            ctx.files.insert(rel.clone(), t.clone());
            t
        }
    };
    ctx.hasher.update(rel.as_bytes());
    ctx.hasher.update(text.as_bytes());
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let origin = || format!("{rel}:{}", n + 1);
        add_phrase(out, rule, index, Role::Word, entry, origin).map_err(|m| RulesError {
            file: path.clone(),
            line: Some(n + 1),
            column: Some(1),
            rule_id: Some(rule.id.clone()),
            message: m,
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(ctx.err(
            name.span().start,
            Some(&rule.id),
            format!("list file `{rel}` has no entries"),
        ));
    }
    Ok(count)
}
