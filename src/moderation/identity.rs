//! Who a comment comes from, as keys: the author key (normalized email, else name) used for
//! history and rate limits.

/// `email:` + the address lowercased with any `+tag` dropped, so `Ann+1@X.org` and `ann@x.org`
/// are one author; else `name:` + the name lowercased with whitespace collapsed.
pub fn author_key(name: &str, email: Option<&str>) -> String {
    match email {
        Some(email) => {
            let email = email.trim().to_lowercase();
            match email.split_once('@') {
                Some((local, domain)) => {
                    let local = local.split('+').next().unwrap_or(local);
                    format!("email:{local}@{domain}")
                }
                None => format!("email:{email}"),
            }
        }
        None => {
            let collapsed: Vec<&str> = name.split_whitespace().collect();
            format!("name:{}", collapsed.join(" ").to_lowercase())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_key_ignores_case_and_plus_tags_in_email() {
        assert_eq!(
            author_key("Ann", Some(" Ann+news@Example.ORG ")),
            author_key("Someone else", Some("ann@example.org"))
        );
    }

    #[test]
    fn author_key_falls_back_to_collapsed_lowercase_name() {
        assert_eq!(author_key("  Jane   DOE ", None), "name:jane doe");
        assert_ne!(
            author_key("Jane", None),
            author_key("Jane", Some("jane@x.org"))
        );
    }
}
