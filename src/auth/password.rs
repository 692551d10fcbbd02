//! Passwords: policy, argon2id hashing at OWASP's parameters, and a bound on how many hashes
//! run at once so a login flood cannot starve the machine.

use super::AuthError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};

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

type Job = Box<dyn FnOnce() + Send>;

/// Runs hashing work on a few threads of its own, at most one hash per thread at a time, with a
/// bounded queue in front. Each argon2 hash takes 19 MiB: on a general pool a login flood would
/// spread them over hundreds of threads (and as many allocator arenas that keep the memory),
/// so the number of threads is what bounds memory. A full queue is refused at once (`Busy`)
/// rather than piling up requests.
#[derive(Clone)]
pub struct HashingPool {
    jobs: std::sync::mpsc::SyncSender<Job>,
}

/// Hashes that may wait for a thread, per thread.
const QUEUED_PER_THREAD: usize = 32;

impl HashingPool {
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(threads * QUEUED_PER_THREAD);
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job, never while hashing.
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => break, // the pool was dropped
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        HashingPool { jobs }
    }

    /// Queues `work` now (or refuses it now, `Busy`); the future resolves with its result.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = Result<T, AuthError>> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        let queued = self.jobs.try_send(job).map_err(|e| match e {
            std::sync::mpsc::TrySendError::Full(_) => AuthError::Busy,
            std::sync::mpsc::TrySendError::Disconnected(_) => {
                AuthError::Hashing("no hashing thread is running".into())
            }
        });
        async move {
            queued?;
            result
                .await
                .map_err(|_| AuthError::Hashing("the hashing thread stopped".into()))
        }
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

    #[tokio::test]
    async fn the_hashing_pool_refuses_work_beyond_its_queue_instead_of_piling_it_up() {
        let pool = HashingPool::new(1);
        let (started, running) = std::sync::mpsc::channel::<()>();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let holding = pool.run(move || {
            let _ = started.send(());
            let _ = hold.recv();
        });
        running.recv().unwrap(); // the thread is busy from here on
        let queued: Vec<_> = (0..QUEUED_PER_THREAD)
            .map(|n| pool.run(move || n))
            .collect();
        let refused = pool.run(|| 0).await;
        assert!(matches!(refused, Err(AuthError::Busy)), "{refused:?}");
        release.send(()).unwrap();
        holding.await.unwrap();
        for (n, job) in queued.into_iter().enumerate() {
            assert_eq!(job.await.unwrap(), n);
        }
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }

    #[test]
    fn malformed_stored_hash_never_matches() {
        assert!(!verify("not a hash", "anything at all"));
        assert!(!verify(dummy_hash(), ""));
    }
}
