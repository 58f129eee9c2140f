//! DICOM data elements (PS3.5): what imaging devices, PACS and RIS send each other over the
//! DICOM upper layer (port 104 or 11112, C-STORE, C-FIND), mostly in clear text. A data set
//! names nothing in words: each element is a tag, `(group,element)`, whose meaning the standard
//! gives (`(0010,0010)` the patient's name). Elements of the patient and the people around a
//! study are read here by their tags, each value under its attribute's keyword as a label.
//!
//! An element is read wherever its tag sits in a buffer (a data set arrives in P-DATA fragments,
//! sampled), little endian, with an explicit VR (`PN`, then a 16-bit length) or an implicit one
//! (a 32-bit length), as the negotiated transfer syntax says; only whole values of text are
//! taken. A person name (`PN`) is `family^given^middle^prefix^suffix`, with `=` before its
//! ideographic and phonetic forms: the family, given and middle names of its first form are
//! fields of their own.

use std::ops::Range;

use super::{Field, MAX_FIELDS, Syntax};
use crate::keywords::FieldKind;

/// What an attribute's value is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Value {
    PersonName,
    Date,
    Address,
    Phone,
}

/// The attributes read: group, element, VR, label (the standard's keyword), value.
const ATTRIBUTES: [(u16, u16, &[u8; 2], &str, Value); 11] = [
    (
        0x0008,
        0x0090,
        b"PN",
        "(0008,0090) ReferringPhysicianName",
        Value::PersonName,
    ),
    (
        0x0008,
        0x1050,
        b"PN",
        "(0008,1050) PerformingPhysicianName",
        Value::PersonName,
    ),
    (
        0x0008,
        0x1070,
        b"PN",
        "(0008,1070) OperatorsName",
        Value::PersonName,
    ),
    (
        0x0010,
        0x0010,
        b"PN",
        "(0010,0010) PatientName",
        Value::PersonName,
    ),
    (
        0x0010,
        0x0030,
        b"DA",
        "(0010,0030) PatientBirthDate",
        Value::Date,
    ),
    (
        0x0010,
        0x1001,
        b"PN",
        "(0010,1001) OtherPatientNames",
        Value::PersonName,
    ),
    (
        0x0010,
        0x1005,
        b"PN",
        "(0010,1005) PatientBirthName",
        Value::PersonName,
    ),
    (
        0x0010,
        0x1040,
        b"LO",
        "(0010,1040) PatientAddress",
        Value::Address,
    ),
    (
        0x0010,
        0x1060,
        b"PN",
        "(0010,1060) PatientMotherBirthName",
        Value::PersonName,
    ),
    (
        0x0010,
        0x2154,
        b"SH",
        "(0010,2154) PatientTelephoneNumbers",
        Value::Phone,
    ),
    (
        0x0032,
        0x1032,
        b"PN",
        "(0032,1032) RequestingPhysician",
        Value::PersonName,
    ),
];

/// Longest value read: a person name's three forms of 64 characters each, with their `=`.
const MAX_VALUE: usize = 3 * 64 * 4 + 2;

/// One element of [`ATTRIBUTES`] found in a buffer: which attribute, and its value's bytes.
struct Element {
    attribute: usize,
    value: Range<usize>,
}

/// The elements of [`ATTRIBUTES`] in `b`. A tag's group is followed by a zero byte (groups
/// below 0x100, little endian), so only the zero bytes of `b` are asked: text has none.
fn elements(b: &[u8]) -> impl Iterator<Item = Element> + '_ {
    memchr::memchr_iter(0, b).filter_map(|zero| {
        let at = zero.checked_sub(1)?;
        let tag = b.get(at..at + 4)?;
        let group = u16::from_le_bytes([tag[0], tag[1]]);
        let element = u16::from_le_bytes([tag[2], tag[3]]);
        let attribute = ATTRIBUTES
            .iter()
            .position(|&(g, e, ..)| (g, e) == (group, element))?;
        let vr = ATTRIBUTES.get(attribute)?.2;
        let (start, len) = if b.get(at + 4..at + 6) == Some(&vr[..]) {
            let len = b.get(at + 6..at + 8)?;
            (at + 8, usize::from(u16::from_le_bytes([len[0], len[1]])))
        } else {
            let len = b.get(at + 4..at + 8)?;
            let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]);
            (at + 8, usize::try_from(len).ok()?)
        };
        let value = start..start + len;
        let bytes = b.get(value.clone())?;
        let text = (1..=MAX_VALUE).contains(&len) && bytes.iter().all(|&c| c >= 0x20 || c == 0x1b);
        text.then_some(Element { attribute, value })
    })
}

/// Whether `b` holds an element [`dicom_fields`] reads: the quiet check sends such buffers to
/// the full scan, as no word names their values.
pub(crate) fn has_elements(b: &[u8]) -> bool {
    elements(b).next().is_some()
}

/// The elements of `b` as fields, labelled by their attributes.
pub(crate) fn dicom_fields(b: &[u8], out: &mut Vec<Field>) {
    for Element { attribute, value } in elements(b) {
        let Some(&(.., label, kind)) = ATTRIBUTES.get(attribute) else {
            continue;
        };
        // Values are padded to an even length with a space (a `UI` with a zero byte).
        let bytes = b.get(value.clone()).unwrap_or_default();
        let value = value.start..value.end - bytes.iter().rev().take_while(|&&c| c == b' ').count();
        let mut push = |value: Range<usize>, kind: FieldKind| {
            if !value.is_empty() && out.len() < MAX_FIELDS {
                out.push(Field {
                    key: 0..0,
                    kind_hint: Some(kind),
                    parent: None,
                    value,
                    syntax: Syntax::Dicom,
                    label: Some(label),
                });
            }
        };
        match kind {
            Value::PersonName => {
                let bytes = b.get(value.clone()).unwrap_or_default();
                let first_form = bytes.iter().position(|&c| c == b'=').unwrap_or(bytes.len());
                let mut start = value.start;
                let components = bytes
                    .get(..first_form)
                    .unwrap_or_default()
                    .split(|&c| c == b'^');
                let count = components.clone().count();
                for (i, component) in components.enumerate() {
                    let span = start..start + component.len();
                    start = span.end + 1;
                    let kind = match (count, i) {
                        // One component: the name as a whole (`Anna Berg`).
                        (1, _) => FieldKind::FullName,
                        (_, 0) => FieldKind::LastName,
                        (_, 1 | 2) => FieldKind::FirstName,
                        // The prefix and suffix (`Dr.`, `Jr.`).
                        _ => continue,
                    };
                    push(span, kind);
                }
            }
            Value::Date => push(value, FieldKind::DateOfBirth),
            Value::Address => push(value, FieldKind::Address),
            Value::Phone => push(value, FieldKind::Phone),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An element with an explicit VR (little endian): tag, VR, 16-bit length, value.
    pub(crate) fn explicit(group: u16, element: u16, vr: [u8; 2], value: &str) -> Vec<u8> {
        let mut value = value.as_bytes().to_vec();
        if value.len() % 2 == 1 {
            value.push(b' ');
        }
        let len = u16::try_from(value.len()).unwrap();
        [
            &group.to_le_bytes()[..],
            &element.to_le_bytes(),
            &vr,
            &len.to_le_bytes(),
            &value,
        ]
        .concat()
    }

    /// An element with an implicit VR: tag, 32-bit length, value.
    fn implicit(group: u16, element: u16, value: &str) -> Vec<u8> {
        let len = u32::try_from(value.len()).unwrap();
        [
            &group.to_le_bytes()[..],
            &element.to_le_bytes(),
            &len.to_le_bytes(),
            value.as_bytes(),
        ]
        .concat()
    }

    fn read(b: &[u8]) -> Vec<(String, FieldKind, &'static str)> {
        let mut out = Vec::new();
        dicom_fields(b, &mut out);
        out.iter()
            .map(|f| {
                (
                    String::from_utf8_lossy(&b[f.value.clone()]).into_owned(),
                    f.kind_hint.unwrap(),
                    f.label.unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn reads_patient_elements_by_their_tags() {
        let data_set = [
            explicit(0x0008, 0x0060, *b"CS", "OT"),
            explicit(0x0008, 0x0090, *b"PN", "Berg^Anna^^Dr."),
            explicit(0x0010, 0x0010, *b"PN", "Wennerström^Ottilie"),
            explicit(0x0010, 0x0020, *b"LO", "MRN-0042"),
            explicit(0x0010, 0x0030, *b"DA", "19790523"),
            explicit(0x0010, 0x1040, *b"LO", "Hauptstraße 5, 10115 Berlin"),
        ]
        .concat();
        assert_eq!(
            read(&data_set),
            [
                (
                    "Berg".into(),
                    FieldKind::LastName,
                    "(0008,0090) ReferringPhysicianName"
                ),
                (
                    "Anna".into(),
                    FieldKind::FirstName,
                    "(0008,0090) ReferringPhysicianName"
                ),
                (
                    "Wennerström".into(),
                    FieldKind::LastName,
                    "(0010,0010) PatientName"
                ),
                (
                    "Ottilie".into(),
                    FieldKind::FirstName,
                    "(0010,0010) PatientName"
                ),
                (
                    "19790523".into(),
                    FieldKind::DateOfBirth,
                    "(0010,0030) PatientBirthDate"
                ),
                (
                    "Hauptstraße 5, 10115 Berlin".into(),
                    FieldKind::Address,
                    "(0010,1040) PatientAddress"
                ),
            ]
        );
    }

    #[test]
    fn implicit_vr_ideographic_forms_and_whole_names() {
        let data_set = [
            implicit(0x0010, 0x0010, "Yamada^Tarou=山田^太郎"),
            implicit(0x0010, 0x2154, "+44 7700 900461 "),
            explicit(0x0010, 0x1001, *b"PN", "Anna Berg"),
        ]
        .concat();
        assert_eq!(
            read(&data_set),
            [
                (
                    "Yamada".into(),
                    FieldKind::LastName,
                    "(0010,0010) PatientName"
                ),
                (
                    "Tarou".into(),
                    FieldKind::FirstName,
                    "(0010,0010) PatientName"
                ),
                (
                    "+44 7700 900461".into(),
                    FieldKind::Phone,
                    "(0010,2154) PatientTelephoneNumbers"
                ),
                (
                    "Anna Berg".into(),
                    FieldKind::FullName,
                    "(0010,1001) OtherPatientNames"
                ),
            ]
        );
    }

    #[test]
    fn binary_cut_and_oversized_values_give_nothing() {
        // A length past the buffer, a value with control bytes, an empty value, a huge length.
        let mut cut = explicit(0x0010, 0x0010, *b"PN", "Wennerström^Ottilie");
        cut.truncate(cut.len() - 3);
        assert!(read(&cut).is_empty());
        assert!(read(&explicit(0x0010, 0x0010, *b"PN", "Anna\x01Berg")).is_empty());
        assert!(read(&explicit(0x0010, 0x0030, *b"DA", "")).is_empty());
        assert!(read(&[0x10, 0, 0x10, 0, 0xff, 0xff, 0xff, 0x7f, b'A']).is_empty());
        // Text has no zero byte: nothing is asked.
        assert!(!has_elements(b"PatientName=Anna Berg"));
        for end in 0..40 {
            let b = explicit(0x0010, 0x0010, *b"PN", "Wennerström^Ottilie");
            let _ = read(&b[..end.min(b.len())]);
        }
    }
}
