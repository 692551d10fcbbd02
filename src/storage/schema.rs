//! The portable diesel schema shared by both backends.

diesel::table! {
    comments (id) {
        id -> Text,
        article_id -> Text,
        parent_id -> Nullable<Text>,
        thread_path -> Text,
        depth -> Integer,
        author_name -> Text,
        author_email -> Nullable<Text>,
        author_key -> Text,
        body -> Text,
        body_fingerprint -> Text,
        client_ip -> Text,
        status -> Text,
        score -> Double,
        verdict -> Text,
        rules_version -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        flagged_at -> Nullable<Timestamp>,
        flag_count -> Integer,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        status_changed_by -> Nullable<Text>,
        status_changed_at -> Nullable<Timestamp>,
        revision -> Integer,
    }
}

diesel::table! {
    comment_edit_grants (comment_id) {
        comment_id -> Text,
        token_hash -> Text,
        editable_until -> Timestamp,
    }
}

diesel::table! {
    comment_revisions (id) {
        id -> Text,
        comment_id -> Text,
        kind -> Text,
        body -> Text,
        status -> Text,
        score -> Double,
        verdict -> Text,
        rules_version -> Text,
        replaced_at -> Timestamp,
    }
}

diesel::table! {
    comment_rule_hits (rule_id, comment_id) {
        rule_id -> Text,
        comment_id -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    flags (id) {
        id -> Text,
        comment_id -> Text,
        client_key -> Text,
        reason -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bans (id) {
        id -> Text,
        kind -> Text,
        value -> Text,
        reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        lifted_at -> Nullable<Timestamp>,
        lifted_by -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        reason -> Nullable<Text>,
        details -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (key_hash) {
        key_hash -> Text,
        request_hash -> Text,
        comment_id -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_outbox (id) {
        id -> Text,
        event_type -> Text,
        endpoint -> Nullable<Text>,
        payload -> Text,
        created_at -> Timestamp,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    learned_state (id) {
        id -> Integer,
        generation -> BigInt,
        epoch -> BigInt,
        ham_docs -> BigInt,
        spam_docs -> BigInt,
        token_count -> BigInt,
    }
}

diesel::table! {
    learned_tokens (token) {
        token -> Text,
        ham -> BigInt,
        spam -> BigInt,
        generation -> BigInt,
    }
}

diesel::table! {
    learned_labels (doc_key) {
        doc_key -> Text,
        label -> Text,
        labelled_at -> Timestamp,
    }
}

diesel::table! {
    article_settings (article_id) {
        article_id -> Text,
        state -> Text,
        closes_at -> Nullable<Timestamp>,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(idempotency_keys -> comments (comment_id));
diesel::joinable!(flags -> comments (comment_id));
diesel::joinable!(comment_rule_hits -> comments (comment_id));
diesel::joinable!(comment_edit_grants -> comments (comment_id));
diesel::joinable!(comment_revisions -> comments (comment_id));
diesel::table! {
    /// Each author's comments by status, kept by triggers on `comments`.
    author_stats (author_key) {
        author_key -> Text,
        published -> BigInt,
        pending -> BigInt,
        rejected -> BigInt,
        first_seen -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    comments,
    comment_edit_grants,
    comment_revisions,
    comment_rule_hits,
    users,
    sessions,
    flags,
    bans,
    audit_log,
    idempotency_keys,
    webhook_outbox,
    learned_state,
    learned_tokens,
    learned_labels,
    article_settings
);

diesel::table! {
    imported_comments (source, source_id) {
        source -> Text,
        source_id -> Text,
        comment_id -> Text,
    }
}

diesel::joinable!(imported_comments -> comments (comment_id));
diesel::allow_tables_to_appear_in_same_query!(comments, imported_comments);
