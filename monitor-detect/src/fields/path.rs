//! Payloads named by a path: an MQTT topic, a NATS subject, a memcached key. The path's last
//! segment often says what the payload is (`crm/customers/17/date_of_birth`,
//! `session:8f2c:email`), the segments before it whose record it is.
//!
//! - A plain payload (not JSON, XML or another structured syntax, whose own names are closer)
//!   is a field under the last segment.
//! - Its parent is the nearest segment before the last one that holds no digit, an ID's
//!   segment being skipped (`customers` in `crm/customers/17/name`): a bare `name` counts under
//!   a path about a person, as under such a JSON object.
//! - The top-level fields of a structured payload that have no parent of their own get the
//!   last segment as theirs, or, when it is an ID, that same parent (`{"name": ...}` under
//!   `users/17`); see [`PathParents::apply`].

use std::ops::Range;

use super::{Field, Syntax};

/// Structured payloads under a path, each with the segment its top-level fields get as parent.
#[derive(Default)]
pub(super) struct PathParents(Vec<(Range<usize>, Range<usize>)>);

impl PathParents {
    /// Gives the top-level fields of each structured payload that have no parent the segment
    /// found for it.
    pub(super) fn apply(&self, fields: &mut [Field]) {
        for (payload, parent) in &self.0 {
            for field in fields.iter_mut() {
                if field.parent.is_none()
                    && !field.key.is_empty()
                    && payload.start <= field.key.start
                    && field.value.end <= payload.end
                {
                    field.parent = Some(parent.clone());
                }
            }
        }
    }
}

/// The payload at `payload`, named by the path at `path` whose segments `separators` split: a
/// field under the last segment, or, when structured, its parent for [`PathParents::apply`].
/// `name_seen` is false where the quiet check cannot see the last segment as a word (it runs on
/// from the byte before the path): then only a structured payload's parent is kept.
pub(super) fn push_named(
    b: &[u8],
    path: &Range<usize>,
    separators: &[u8],
    payload: Range<usize>,
    name_seen: bool,
    out: &mut Vec<Field>,
    parents: &mut PathParents,
) {
    let segments = segment_spans(b, path, separators);
    let Some(last) = segments.last().cloned() else {
        return;
    };
    let without_digits = |r: &&Range<usize>| {
        b.get((*r).clone())
            .is_some_and(|segment| !segment.is_empty() && !segment.iter().any(u8::is_ascii_digit))
    };
    let parent = segments.iter().rev().skip(1).find(without_digits).cloned();
    let bytes = b.get(payload.clone()).unwrap_or_default();
    let opening = bytes.iter().find(|c| !c.is_ascii_whitespace());
    if matches!(opening, Some(b'{' | b'[' | b'<')) {
        if let Some(parent) = without_digits(&&last).then_some(last).or(parent) {
            parents.0.push((payload, parent));
        }
        return;
    }
    if bytes.is_empty() || last.is_empty() || !name_seen {
        return;
    }
    out.push(Field {
        key: last,
        kind_hint: None,
        label: None,
        parent,
        value: payload,
        syntax: Syntax::Raw,
    });
}

/// The spans of a path's segments, split at any of `separators`.
fn segment_spans(b: &[u8], path: &Range<usize>, separators: &[u8]) -> Vec<Range<usize>> {
    let mut segments = Vec::new();
    let mut start = path.start;
    for (i, c) in b.get(path.clone()).unwrap_or_default().iter().enumerate() {
        if separators.contains(c) {
            segments.push(start..path.start + i);
            start = path.start + i + 1;
        }
    }
    segments.push(start..path.end);
    segments
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A field read as `(key, parent, value)`.
    pub(crate) type Named = (String, Option<String>, String);

    /// Every field `reader` (a reader of payloads named by a path) reads in `b`.
    pub(crate) fn read_with(
        b: &[u8],
        reader: fn(&[u8], &mut Vec<Field>, &mut PathParents),
    ) -> Vec<Named> {
        let mut out = Vec::new();
        reader(b, &mut out, &mut PathParents::default());
        let text = |r: Range<usize>| String::from_utf8_lossy(&b[r]).into_owned();
        out.into_iter()
            .map(|f| (text(f.key), f.parent.map(text), text(f.value)))
            .collect()
    }

    pub(crate) fn named(key: &str, parent: Option<&str>, value: &str) -> Named {
        (key.to_owned(), parent.map(str::to_owned), value.to_owned())
    }
}
