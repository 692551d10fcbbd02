//! Invalid UTF-8 in an XML export, reported per record instead of ending the file: the bytes
//! that are not UTF-8 are replaced by `?` as they are read (the same length, so byte offsets
//! stay the file's) and their offsets noted for the walker to report with the record they are in.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

/// Offsets noted at most until the walker takes them; more in one stretch are only counted.
const MAX_NOTED: usize = 10_000;

/// Offsets of bytes that were not UTF-8, oldest first.
#[derive(Clone, Default)]
pub struct InvalidBytes(Rc<RefCell<VecDeque<u64>>>);

impl InvalidBytes {
    /// How many noted offsets lie before `position`, forgetting them, and the first of them.
    pub fn take_before(&self, position: u64) -> (usize, Option<u64>) {
        let mut offsets = self.0.borrow_mut();
        let first = offsets.front().copied().filter(|&o| o < position);
        let mut taken = 0;
        while offsets.front().is_some_and(|&o| o < position) {
            offsets.pop_front();
            taken += 1;
        }
        (taken, first)
    }

    fn note(&self, offset: u64) {
        let mut offsets = self.0.borrow_mut();
        if offsets.len() < MAX_NOTED {
            offsets.push_back(offset);
        }
    }
}

/// A reader that passes UTF-8 through and replaces every other byte with `?`.
pub struct Utf8Scrub<R> {
    inner: R,
    invalid: InvalidBytes,
    /// Checked bytes not handed out yet, from `start`.
    ready: Vec<u8>,
    start: usize,
    /// An incomplete sequence at the end of the last chunk, completed by the next one.
    carry: Vec<u8>,
    /// The file offset of `ready[start]`.
    offset: u64,
}

impl<R: Read> Utf8Scrub<R> {
    pub fn new(inner: R, invalid: InvalidBytes) -> Self {
        Utf8Scrub {
            inner,
            invalid,
            ready: Vec::new(),
            start: 0,
            carry: Vec::new(),
            offset: 0,
        }
    }

    /// Reads and checks the next chunk; false at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        let mut chunk = std::mem::take(&mut self.carry);
        let mut buffer = [0u8; 1 << 14];
        let n = self.inner.read(&mut buffer)?;
        if n == 0 && chunk.is_empty() {
            return Ok(false);
        }
        chunk.extend_from_slice(&buffer[..n]);
        let mut checked = 0;
        while let Err(e) = std::str::from_utf8(&chunk[checked..]) {
            let bad = checked + e.valid_up_to();
            let len = match e.error_len() {
                Some(len) => len,
                // Cut off by the chunk's end: wait for the rest, unless the input ended.
                None if n > 0 => {
                    self.carry = chunk.split_off(bad);
                    break;
                }
                None => chunk.len() - bad,
            };
            for (i, byte) in chunk.iter_mut().enumerate().skip(bad).take(len) {
                self.invalid.note(self.offset + i as u64);
                *byte = b'?';
            }
            checked = bad + len;
        }
        self.ready = chunk;
        self.start = 0;
        Ok(true)
    }
}

impl<R: Read> Read for Utf8Scrub<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.start >= self.ready.len() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.ready.len() - self.start);
        out[..n].copy_from_slice(&self.ready[self.start..self.start + n]);
        self.start += n;
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bytes_become_question_marks_at_their_offsets_even_across_chunks() {
        let mut input = vec![b'a'; (1 << 14) - 1];
        input.extend_from_slice("é".as_bytes()); // split by the first chunk's end
        input.extend_from_slice(b"x\xFFy\xC3");
        let invalid = InvalidBytes::default();
        let mut out = String::new();
        Utf8Scrub::new(&input[..], invalid.clone())
            .read_to_string(&mut out)
            .unwrap();
        assert!(out.ends_with("éx?y?"), "{}", &out[out.len() - 10..]);
        // 16,383 `a`, `é` in two bytes, `x`: the first bad byte is at 16,386.
        let first_bad = (1 << 14) + 2;
        assert_eq!(invalid.take_before(first_bad), (0, None));
        assert_eq!(invalid.take_before(u64::MAX), (2, Some(first_bad)));
    }
}
