//! Value checks for `compile`: rule ids, counts, required keys, domain lists and quotas.

use super::compile::Ctx;
use super::error::RulesError;
use super::format::{Kind, SpannedList};
use super::QuotaSpec;
use toml::Spanned;

pub(crate) fn check_quota(
    ctx: &Ctx<'_>,
    at: usize,
    name: &str,
    q: &QuotaSpec,
) -> Result<(), RulesError> {
    if q.burst < 1 || q.rate < 1 {
        return Err(ctx.err(
            at,
            None,
            format!("rate_limits.{name}: burst and rate must be at least 1"),
        ));
    }
    Ok(())
}

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

pub(crate) fn required<'a, T>(
    ctx: &Ctx<'_>,
    at: usize,
    id: &str,
    kind: Kind,
    key: &str,
    v: &'a Option<T>,
) -> Result<&'a T, RulesError> {
    v.as_ref().ok_or_else(|| {
        ctx.err(
            at,
            Some(id),
            format!("a `{}` rule needs `{key}`", kind.as_str()),
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
