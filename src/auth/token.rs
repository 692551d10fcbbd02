//! Session tokens: 256 random bits, handed out once, stored only as their SHA-256.

use base64::Engine;
use sha2::{Digest, Sha256};

const ENCODING: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
/// Length of an encoded token: 32 bytes in unpadded base64url.
pub const TOKEN_LEN: usize = 43;

/// A fresh token from the operating system's CSPRNG.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(ENCODING.encode(bytes))
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether text could be a token we issued; anything else is refused before touching storage.
pub fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN && ENCODING.decode(token).is_ok_and(|b| b.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_distinct() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert!(is_well_formed(&a));
        assert_eq!(ENCODING.decode(&a).unwrap().len(), 32);
    }

    #[test]
    fn stores_only_a_hash_that_differs_from_the_token() {
        let token = generate().unwrap();
        let stored = hash(&token);
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(&token));
        assert_eq!(stored, hash(&token));
    }

    #[test]
    fn rejects_malformed_tokens() {
        assert!(!is_well_formed(""));
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&"!".repeat(TOKEN_LEN)));
    }
}
