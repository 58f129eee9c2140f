//! A bounds-checked cursor over a byte slice, shared by the binary protocol parsers.
//!
//! Every read returns `None` instead of panicking when the input is too short, so a parser built
//! on it cannot index out of bounds whatever the bytes are.

/// Reads big-endian integers and length-prefixed vectors from the front of a slice.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) const fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub(crate) const fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next `n` bytes, consumed.
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n)?;
        self.rest = tail;
        Some(head)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        let (&first, tail) = self.rest.split_first()?;
        self.rest = tail;
        Some(first)
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        let bytes = self.take(2)?;
        Some(u16::from_be_bytes(bytes.try_into().ok()?))
    }

    pub(crate) fn u24(&mut self) -> Option<u32> {
        let bytes = self.take(3)?;
        let [a, b, c] = bytes.try_into().ok()?;
        Some(u32::from_be_bytes([0, a, b, c]))
    }

    /// A vector with a one-byte length prefix, as a reader of its own.
    pub(crate) fn vec_u8(&mut self) -> Option<Self> {
        let len = self.u8()?;
        self.take(usize::from(len)).map(Self::new)
    }

    /// A vector with a two-byte length prefix, as a reader of its own.
    pub(crate) fn vec_u16(&mut self) -> Option<Self> {
        let len = self.u16()?;
        self.take(usize::from(len)).map(Self::new)
    }

    /// The unread bytes.
    pub(crate) const fn rest(&self) -> &'a [u8] {
        self.rest
    }
}

#[cfg(test)]
mod tests {
    use super::Reader;

    #[test]
    fn reads_integers_and_vectors_then_stops_at_the_end() {
        let mut r = Reader::new(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x02, 0xaa, 0xbb, 0xcc]);
        assert_eq!(r.u8(), Some(0x01));
        assert_eq!(r.u16(), Some(0x0203));
        assert_eq!(r.u24(), Some(0x0004_0506));
        let v = r.vec_u8().expect("vector of two");
        assert_eq!(v.rest(), &[0xaa, 0xbb]);
        assert_eq!(r.remaining(), 1);
        assert_eq!(r.u16(), None, "a short read fails");
        assert_eq!(r.u8(), Some(0xcc), "and consumes nothing");
        assert!(r.is_empty());
        assert_eq!(r.take(1), None);
    }

    #[test]
    fn a_vector_longer_than_its_input_is_rejected() {
        let mut r = Reader::new(&[0x00, 0x05, 0x01]);
        assert!(r.vec_u16().is_none());
    }
}
