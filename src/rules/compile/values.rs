//! Value checks for `compile`: rule ids, counts, required keys and domain lists.

use super::rule::RuleAt;
use super::Ctx;
use crate::rules::error::RulesError;
use crate::rules::format::SpannedList;
use toml::Spanned;

pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

pub(crate) fn uint(
    ctx: &Ctx<'_>,
    id: &str,
    key: &str,
    v: &Spanned<i64>,
    min: i64,
) -> Result<usize, RulesError> {
    let n = *v.get_ref();
    if n < min {
        return Err(ctx.err(
            v.span().start,
            Some(id),
            format!("`{key}` must be at least {min}"),
        ));
    }
    usize::try_from(n)
        .map_err(|_| ctx.err(v.span().start, Some(id), format!("`{key}` is too large")))
}

/// A key the rule's kind cannot do without.
pub(crate) fn required<'a, T>(
    ctx: &Ctx<'_>,
    rule: &RuleAt<'_>,
    key: &str,
    v: &'a Option<T>,
) -> Result<&'a T, RulesError> {
    v.as_ref().ok_or_else(|| {
        ctx.err(
            rule.at,
            Some(rule.id),
            format!("a `{}` rule needs `{key}`", rule.kind.as_str()),
        )
    })
}

pub(crate) fn domains(
    ctx: &Ctx<'_>,
    id: &str,
    list: &Option<SpannedList>,
) -> Result<Vec<String>, RulesError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    list.get_ref()
        .iter()
        .map(|d| {
            let v = d
                .get_ref()
                .trim()
                .trim_start_matches("*.")
                .trim_matches('.')
                .to_lowercase();
            if v.is_empty() || v.contains(['/', ' ', ':', '@']) {
                Err(ctx.err(
                    d.span().start,
                    Some(id),
                    format!("`{}` is not a domain name", d.get_ref()),
                ))
            } else {
                Ok(v)
            }
        })
        .collect()
}
