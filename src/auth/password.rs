//! Passwords: policy, argon2id hashing at OWASP's parameters, and a bound on how many hashes
//! run at once so a login flood cannot starve the machine.

use super::AuthError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

fn argon2() -> Argon2<'static> {
    // The constants are valid parameters; `Params::DEFAULT` is only a fallback for the type.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Length rules only: long passphrases are welcome and never truncated.
pub fn check_policy(password: &str) -> Result<(), AuthError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AuthError::InvalidPassword(format!(
            "passwords need at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AuthError::InvalidPassword(format!(
            "passwords may have at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). CPU-heavy: run off async workers.
pub fn hash(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Hashing(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hashing(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Whether `password` matches `stored`. A malformed stored hash never matches.
pub fn verify(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the user does not exist so that unknown
/// users and wrong passwords take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let filler =
            crate::auth::token::generate().unwrap_or_else(|_| "gatehouse-dummy-password".into());
        hash(&filler).unwrap_or_default()
    })
}

/// Runs hashing work on tokio's blocking pool, at most `permits` at a time.
#[derive(Clone)]
pub struct HashingPool {
    permits: Arc<Semaphore>,
}

impl HashingPool {
    pub fn new(max_concurrent: usize) -> Self {
        HashingPool {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AuthError::Hashing(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AuthError::Hashing(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_at_owasp_parameters() {
        let stored = hash("correct horse battery staple").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify(&stored, "correct horse battery staple"));
        assert!(!verify(&stored, "correct horse battery stapl"));
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let long = "a".repeat(200);
        let stored = hash(&long).unwrap();
        assert!(verify(&stored, &long));
        assert!(!verify(&stored, &"a".repeat(199)));
        assert!(!verify(&stored, &"a".repeat(201)));
    }

    #[test]
    fn policy_accepts_12_to_1024_characters() {
        assert!(check_policy("elevenchars").is_err());
        assert!(check_policy("twelve chars").is_ok());
        assert!(check_policy(&"é".repeat(128)).is_ok());
        assert!(check_policy(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn malformed_stored_hash_never_matches() {
        assert!(!verify("not a hash", "anything at all"));
        assert!(!verify(dummy_hash(), ""));
    }
}
