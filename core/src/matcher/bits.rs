//! A small bit filter, for quick membership tests before a lookup.

/// A filter over numbers (characters, keyword ids): bit `x % (64 N)` of each one inserted. A
/// clear bit says a number is absent, in one test; a set one only that it may be present.
#[derive(Clone, Copy)]
pub(crate) struct Bits<const N: usize>([u64; N]);

impl<const N: usize> Bits<N> {
    pub(crate) fn new() -> Bits<N> {
        Bits([0; N])
    }

    pub(crate) fn insert(&mut self, x: usize) {
        let bit = x % (64 * N);
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    pub(crate) fn may_contain(&self, x: usize) -> bool {
        let bit = x % (64 * N);
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

impl<const N: usize> Default for Bits<N> {
    fn default() -> Bits<N> {
        Bits::new()
    }
}
