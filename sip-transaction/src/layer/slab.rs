//! The layer's slab storage, in fixed-size chunks.
//!
//! A `Vec` that doubles copies every live transaction when it grows: with
//! a few hundred thousand transactions alive (a REGISTER flood keeps each
//! one for Timer J, 32 s) that copy and the page faults of the new buffer
//! stall the layer for tens to hundreds of milliseconds. Chunks never
//! move: growing adds one chunk.

/// Slots per chunk.
const CHUNK: usize = 1024;

/// A growable array whose elements never move.
#[derive(Debug)]
pub(super) struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn push(&mut self, value: T) {
        if self.len % CHUNK == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(last) = self.chunks.last_mut() {
            last.push(value);
            self.len += 1;
        }
    }

    pub(super) fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    pub(super) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i / CHUNK)?.get_mut(i % CHUNK)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_keep_their_index_and_address_across_growth() {
        let mut c = Chunked::default();
        c.push(0usize);
        let first: *const usize = c.get(0).unwrap();
        for i in 1..3 * CHUNK + 5 {
            c.push(i);
        }
        assert_eq!(c.len(), 3 * CHUNK + 5);
        assert!(std::ptr::eq(first, c.get(0).unwrap()), "never moved");
        for i in [0, CHUNK - 1, CHUNK, 2 * CHUNK + 7, 3 * CHUNK + 4] {
            assert_eq!(c.get(i), Some(&i));
        }
        assert_eq!(c.get(3 * CHUNK + 5), None);
        *c.get_mut(CHUNK).unwrap() = 42;
        assert_eq!(c.iter().nth(CHUNK), Some(&42));
        assert_eq!(c.iter().count(), c.len());
    }
}
