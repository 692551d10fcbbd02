//! Tests of the admin features: examples, shadow rules, rule metadata, hit counters, lint.
