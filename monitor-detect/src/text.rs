//! A byte buffer to scan, with a map from its bytes back to the payload the caller passed.
//!
//! Decoders (URL, JSON escapes, base64, chunked framing, gzip) produce new bytes; every finding
//! must still point at the wire bytes. Each decoded byte therefore records the payload span it
//! came from, composed through every decoding layer at creation time.

use std::{borrow::Cow, ops::Range};

/// Payload span of each byte of a decoded buffer.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpanMap {
    pub(crate) starts: Vec<usize>,
    pub(crate) ends: Vec<usize>,
}

impl SpanMap {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            starts: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
        }
    }

    pub(crate) fn push(&mut self, source: Range<usize>) {
        self.starts.push(source.start);
        self.ends.push(source.end);
    }
}

/// Bytes to scan plus where they came from. No `Debug`: the bytes are payload.
pub(crate) struct Text<'a> {
    pub bytes: Cow<'a, [u8]>,
    /// `None`: byte `i` is payload byte `i`.
    map: Option<SpanMap>,
    /// Payload offset of byte 0 when there is no map.
    base: usize,
    /// How many decoding layers produced this buffer.
    pub depth: usize,
    /// Decoded from a compressed body: every byte maps to the whole body, so findings inside
    /// share one wire span and must not be merged with each other.
    pub opaque: bool,
}

impl<'a> Text<'a> {
    pub(crate) const fn root(bytes: &'a [u8]) -> Self {
        Self {
            bytes: Cow::Borrowed(bytes),
            map: None,
            base: 0,
            depth: 0,
            opaque: false,
        }
    }

    /// The payload with `ranges` zeroed, at the same offsets: bytes that are no text (a
    /// compressed stream, read through its decoder instead) give no candidate and no field.
    pub(crate) fn root_blanked(
        payload: &'a [u8],
        ranges: impl IntoIterator<Item = std::ops::Range<usize>>,
    ) -> Self {
        let mut bytes = payload.to_vec();
        for range in ranges {
            if let Some(blank) = bytes.get_mut(range) {
                blank.fill(0);
            }
        }
        Self {
            bytes: Cow::Owned(bytes),
            ..Self::root(payload)
        }
    }

    /// A window of the payload itself (no decoding).
    pub(crate) fn window(payload: &'a [u8], range: std::ops::Range<usize>) -> Self {
        let start = range.start.min(payload.len());
        Self {
            bytes: Cow::Borrowed(
                payload
                    .get(start..range.end.min(payload.len()))
                    .unwrap_or_default(),
            ),
            map: None,
            base: start,
            depth: 0,
            opaque: false,
        }
    }

    /// A decoded buffer whose byte `i` came from `local[i]` (a range of `self.bytes`).
    pub(crate) fn derive(&self, bytes: Vec<u8>, local: &SpanMap) -> Text<'static> {
        let mut map = SpanMap::with_capacity(bytes.len());
        for (s, e) in local.starts.iter().zip(&local.ends) {
            map.push(self.to_payload(*s..*e));
        }
        Text {
            bytes: Cow::Owned(bytes),
            map: Some(map),
            base: 0,
            depth: self.depth + 1,
            opaque: self.opaque,
        }
    }

    /// Maps a span of `self.bytes` to a span of the payload.
    pub(crate) fn to_payload(&self, span: Range<usize>) -> Range<usize> {
        let Some(map) = &self.map else {
            return span.start + self.base..span.end + self.base;
        };
        if span.start >= span.end {
            let at = map
                .starts
                .get(span.start)
                .or(map.ends.last())
                .copied()
                .unwrap_or(0);
            return at..at;
        }
        let start = map.starts.get(span.start).copied().unwrap_or(0);
        let end = map.ends.get(span.end - 1).copied().unwrap_or(start);
        start..end.max(start)
    }

    pub(crate) fn get(&self, span: Range<usize>) -> &[u8] {
        self.bytes.get(span).unwrap_or_default()
    }
}
