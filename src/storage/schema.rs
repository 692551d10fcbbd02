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
    }
}
