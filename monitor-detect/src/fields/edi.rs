//! EDI interchanges: ANSI X12 (HIPAA enrolment and claims, `834`/`837`/`270`) and UN/EDIFACT
//! (airline passenger lists, `PAXLST`, and any message with contacts). Like HL7 v2 they name
//! their fields by position, not by words: a segment ID, then elements split by a separator the
//! interchange header declares (`ISA` for X12, `UNA` for EDIFACT; the usual ones when a sample
//! starts mid-interchange).
//!
//! Only the segments that hold a natural person's data are read, and only where the interchange
//! says the party is a person:
//! - X12: `NM1` with entity type `1` (a person, not an organisation) gives names, and its ID when
//!   its qualifier is `34` (SSN); the `N3` street and `PER` contact numbers after it belong to
//!   that person; `DMG` (demographics) gives the birth date, `REF*SY` an SSN, `PER` a contact's
//!   name and, when it is a person's, numbers. Addresses without a country (`N404`) are in the United States, as X12 defines.
//! - EDIFACT: `NAD` of a passenger or crew member (`FL`, `FM`, `DDT`, `DDU`) gives names and
//!   street, `CTA` a contact's name, `COM` the numbers of either (not of a department), `DTM+329` a birth date and
//!   `DOC` a passport's number. A party of any other role (buyer, supplier, carrier) is taken
//!   for a company, whose name and address are not personal data.

use std::ops::Range;

use super::{COUNTRY_CODE, Field, Syntax};
use crate::{detect::names, keywords::FieldKind};

/// Label of the marker an X12 interchange gives: its addresses and numbers are in the United
/// States unless a country says otherwise.
pub(crate) const X12_IMPLIED_US: &str = "X12 implied country";

/// The IDs of the segments read, as they open a segment: what the quiet check looks for.
const X12_SEGMENTS: [&[u8]; 5] = [b"NM1", b"N3", b"DMG", b"PER", b"REF"];
const EDIFACT_SEGMENTS: [&[u8]; 5] = [b"NAD", b"CTA", b"COM", b"DTM", b"DOC"];

/// Whether `b` may hold a segment [`edi_fields`] reads: a segment ID from the lists above, at the
/// buffer's start or after a byte that is not alphanumeric, before `*` (X12) or `+` (EDIFACT);
/// or an interchange header declaring other separators.
fn has_edi_segments(b: &[u8]) -> bool {
    memchr::memchr2_iter(b'*', b'+', b).any(|sep| {
        let ids: &[&[u8]] = if b.get(sep) == Some(&b'*') {
            &X12_SEGMENTS
        } else {
            &EDIFACT_SEGMENTS
        };
        ids.iter().any(|id| {
            sep.checked_sub(id.len())
                .is_some_and(|start| b.get(start..sep) == Some(id) && at_boundary(b, start))
        })
    }) || x12_header(b).is_some()
        || edifact_header(b).is_some()
}

/// Whether `at` is the buffer's start or follows a byte that is not alphanumeric: where a
/// segment or a header may open.
fn at_boundary(b: &[u8], at: usize) -> bool {
    at == 0 || b.get(at - 1).is_some_and(|c| !c.is_ascii_alphanumeric())
}

/// Whether a segment [`edi_fields`] reads (its ID, then `*` or `+`) or an interchange header
/// (`ISA` or `UNA`, then any byte that is not alphanumeric) opens at `at`. The quiet check asks
/// this at every capital after a byte that is not alphanumeric that opens a run of two or three
/// alphanumerics: every field [`edi_fields`] reads needs one of them.
pub(crate) fn opens_segment(b: &[u8], at: usize) -> bool {
    let rest = b.get(at..).unwrap_or_default();
    // Most capitals open none: the first letters of the IDs settle them at once.
    if !matches!(
        rest.first(),
        Some(b'N' | b'D' | b'P' | b'R' | b'C' | b'I' | b'U')
    ) {
        return false;
    }
    let opens = |ids: &[&[u8]], sep: u8| {
        ids.iter()
            .any(|id| rest.starts_with(id) && rest.get(id.len()) == Some(&sep))
    };
    opens(&X12_SEGMENTS, b'*')
        || opens(&EDIFACT_SEGMENTS, b'+')
        || ((rest.starts_with(b"ISA") || rest.starts_with(b"UNA"))
            && rest.get(3).is_some_and(|c| !c.is_ascii_alphanumeric()))
}

/// Fields of X12 and EDIFACT segments in `b` (see the module docs).
pub(crate) fn edi_fields(b: &[u8], out: &mut Vec<Field>) {
    if !has_edi_segments(b) {
        return;
    }
    x12_fields(b, out);
    edifact_fields(b, out);
}

/// Separators of one interchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Separators {
    element: u8,
    component: u8,
    segment: u8,
    /// EDIFACT's release character (`?`): the byte after it is data, never a separator.
    release: Option<u8>,
}

/// The separators an X12 `ISA` header declares. The header has a fixed layout: 106 bytes, 16
/// elements, the element separator right after `ISA`, the component separator and the segment
/// terminator its last two bytes.
fn x12_header(b: &[u8]) -> Option<Separators> {
    memchr::memmem::find_iter(b, b"ISA").find_map(|at| {
        let header = b.get(at..at + 106).filter(|_| at_boundary(b, at))?;
        let element = *header.get(3)?;
        let fixed = !element.is_ascii_alphanumeric()
            && memchr::memchr_iter(element, header.get(..105)?).count() == 16;
        fixed.then(|| Separators {
            element,
            component: header.get(104).copied().unwrap_or(b':'),
            segment: header.get(105).copied().unwrap_or(b'~'),
            release: None,
        })
    })
}

/// The separators an EDIFACT `UNA` service string advice declares (component, element, decimal
/// mark, release, reserved, segment terminator).
fn edifact_header(b: &[u8]) -> Option<Separators> {
    memchr::memmem::find_iter(b, b"UNA").find_map(|at| {
        let advice = b.get(at + 3..at + 9).filter(|_| at_boundary(b, at))?;
        let distinct = |x: u8, y: u8| x != y && !x.is_ascii_alphanumeric();
        let (component, element, release, segment) = (advice[0], advice[1], advice[3], advice[5]);
        (distinct(component, element)
            && distinct(element, segment)
            && distinct(component, segment)
            && distinct(release, segment))
        .then_some(Separators {
            element,
            component,
            segment,
            release: Some(release),
        })
    })
}

/// The spans of `range` split at `sep`, a byte after `release` not splitting.
fn split(b: &[u8], range: Range<usize>, sep: u8, release: Option<u8>) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut start = range.start;
    let mut at = range.start;
    while at < range.end {
        let c = b.get(at).copied().unwrap_or(0);
        if Some(c) == release {
            at += 2;
            continue;
        }
        if c == sep {
            parts.push(start..at);
            start = at + 1;
        }
        at += 1;
    }
    parts.push(start..range.end.max(start));
    parts
}

/// The segments of `b`: their spans, split at the terminator (and at line ends, which
/// interchanges often add after it), leading whitespace dropped.
fn segments(b: &[u8], seps: Separators) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < b.len() {
            let c = b.get(at).copied().unwrap_or(0);
            if Some(c) == seps.release {
                at += 2;
                continue;
            }
            at += 1;
            if c == seps.segment || c == b'\n' || c == b'\r' {
                let segment = start..at - 1;
                start = at;
                if let Some(trimmed) = trim_start(b, segment) {
                    return Some(trimmed);
                }
            }
        }
        let rest = start..b.len().max(start);
        start = b.len();
        trim_start(b, rest)
    })
}

/// `range` without its leading whitespace; `None` when nothing is left.
fn trim_start(b: &[u8], range: Range<usize>) -> Option<Range<usize>> {
    let blank = b
        .get(range.clone())?
        .iter()
        .take_while(|c| c.is_ascii_whitespace())
        .count();
    let trimmed = range.start + blank..range.end;
    (!trimmed.is_empty()).then_some(trimmed)
}

/// Whether a contact's name is a person's (`JONAS BERG`), not a department's.
fn is_person_name(name: &[u8]) -> bool {
    names::name_shape(name, 2, 4) || names::capitals_name_shape(name, 2, 4)
}

/// One segment: its elements, split at the interchange's separators.
struct Segment<'b> {
    b: &'b [u8],
    elements: Vec<Range<usize>>,
    seps: Separators,
}

impl<'b> Segment<'b> {
    fn of(b: &'b [u8], range: Range<usize>, seps: Separators) -> Self {
        Self {
            b,
            elements: split(b, range, seps.element, seps.release),
            seps,
        }
    }

    /// Component `c` of element `e` (`c` 0 for a simple element); empty when missing.
    fn at(&self, e: usize, c: usize) -> Range<usize> {
        self.elements
            .get(e)
            .and_then(|element| {
                split(
                    self.b,
                    element.clone(),
                    self.seps.component,
                    self.seps.release,
                )
                .get(c)
                .cloned()
            })
            .unwrap_or(0..0)
    }

    fn text(&self, e: usize, c: usize) -> &'b [u8] {
        self.b.get(self.at(e, c)).unwrap_or_default()
    }
}

/// Where the fields of one interchange go.
struct Reader<'o> {
    out: &'o mut Vec<Field>,
    syntax: Syntax,
}

impl Reader<'_> {
    /// Adds a field at `value` (if not empty) labelled `label`, of `kind`.
    fn push(&mut self, value: Range<usize>, label: &'static str, kind: FieldKind) {
        if !value.is_empty() {
            self.out.push(Field {
                key: 0..0,
                kind_hint: Some(kind),
                parent: None,
                value,
                syntax: self.syntax,
                label: Some(label),
            });
        }
    }

    /// Adds the fields at `(element, component)` of `segment`, each with its label and kind.
    fn read(&mut self, segment: &Segment<'_>, at: &[(usize, usize, &'static str, FieldKind)]) {
        for &(e, c, label, kind) in at {
            self.push(segment.at(e, c), label, kind);
        }
    }

    /// A contact number after its qualifier: phone and fax numbers, e-mail addresses.
    fn number(
        &mut self,
        value: Range<usize>,
        qualifier: &[u8],
        phone: &[&[u8]],
        labels: [&'static str; 2],
    ) {
        if qualifier == b"EM" {
            self.push(value, labels[1], FieldKind::Email);
        } else if phone.contains(&qualifier) {
            self.push(value, labels[0], FieldKind::Phone);
        }
    }
}

/// X12 segments (see the module docs).
fn x12_fields(b: &[u8], out: &mut Vec<Field>) {
    use FieldKind::{Address, DateOfBirth, FirstName, FullName, LastName, NationalId, Other};
    let seps = x12_header(b).unwrap_or(Separators {
        element: b'*',
        component: b':',
        segment: b'~',
        release: None,
    });
    let mut reader = Reader {
        out,
        syntax: Syntax::Edi { release: None },
    };
    let read_before = reader.out.len();
    // Whether the segments since the last `NM1` are about a person.
    let mut person = false;
    for range in segments(b, seps) {
        let segment = Segment::of(b, range, seps);
        match segment.text(0, 0) {
            b"NM1" => {
                person = segment.text(2, 0) == b"1";
                if person {
                    reader.read(
                        &segment,
                        &[
                            (3, 0, "X12 NM103 last name", LastName),
                            (4, 0, "X12 NM104 first name", FirstName),
                            (5, 0, "X12 NM105 middle name", FirstName),
                        ],
                    );
                    if segment.text(8, 0) == b"34" {
                        reader.read(&segment, &[(9, 0, "X12 NM109 SSN", NationalId)]);
                    }
                }
            }
            b"N3" if person => reader.read(&segment, &[(1, 0, "X12 N301 address", Address)]),
            // An address outside the United States names its country (ISO 3166 alpha-2).
            b"N4" => reader.read(&segment, &[(4, 0, COUNTRY_CODE, Other)]),
            b"DMG" if segment.text(1, 0) == b"D8" => {
                reader.read(&segment, &[(2, 0, "X12 DMG02 date of birth", DateOfBirth)]);
            }
            b"REF" if segment.text(1, 0) == b"SY" => {
                reader.read(&segment, &[(2, 0, "X12 REF02 SSN", NationalId)]);
            }
            // A contact's numbers are a person's when the loop is a person's or the contact is
            // named as one, not a department (`PURCHASING`).
            b"PER" if person || is_person_name(segment.text(2, 0)) => {
                reader.read(&segment, &[(2, 0, "X12 PER02 contact name", FullName)]);
                // Up to three numbers, each after its qualifier.
                for pair in [3, 5, 7] {
                    reader.number(
                        segment.at(pair + 1, 0),
                        segment.text(pair, 0),
                        &[b"TE", b"HP", b"WP", b"CP", b"FX"],
                        ["X12 PER phone", "X12 PER email"],
                    );
                }
            }
            _ => {}
        }
    }
    // Only a country field read so far says nothing of a person: no marker for it alone.
    if reader.out[read_before..]
        .iter()
        .any(|f| f.label != Some(COUNTRY_CODE))
    {
        // Empty, and after every country the interchange names, which come first.
        reader.out.push(Field {
            key: 0..0,
            kind_hint: Some(Other),
            parent: None,
            value: b.len()..b.len(),
            syntax: Syntax::Edi { release: None },
            label: Some(X12_IMPLIED_US),
        });
    }
}

/// Party roles of EDIFACT `NAD` segments that are natural persons: a passenger and a crew
/// member (`PAXLST`), and both in transit.
const EDIFACT_PERSONS: [&[u8]; 4] = [b"FL", b"FM", b"DDT", b"DDU"];

/// EDIFACT segments (see the module docs).
fn edifact_fields(b: &[u8], out: &mut Vec<Field>) {
    use FieldKind::{Address, DateOfBirth, FirstName, FullName, LastName, Other, Passport};
    let seps = edifact_header(b).unwrap_or(Separators {
        element: b'+',
        component: b':',
        segment: b'\'',
        release: Some(b'?'),
    });
    let mut reader = Reader {
        out,
        syntax: Syntax::Edi {
            release: seps.release,
        },
    };
    // Whether the segments since the last `NAD` or `CTA` are about a person.
    let mut person = false;
    for range in segments(b, seps) {
        let segment = Segment::of(b, range, seps);
        match segment.text(0, 0) {
            b"NAD" => {
                person = EDIFACT_PERSONS.contains(&segment.text(1, 0));
                if person {
                    reader.read(
                        &segment,
                        &[
                            (4, 0, "EDIFACT NAD surname", LastName),
                            (4, 1, "EDIFACT NAD given name", FirstName),
                            (4, 2, "EDIFACT NAD given name", FirstName),
                            (5, 0, "EDIFACT NAD street", Address),
                            (9, 0, COUNTRY_CODE, Other),
                        ],
                    );
                }
            }
            b"CTA" => {
                person = is_person_name(segment.text(2, 1));
                if person {
                    reader.read(&segment, &[(2, 1, "EDIFACT CTA contact name", FullName)]);
                }
            }
            b"COM" if person => reader.number(
                segment.at(1, 0),
                segment.text(1, 1),
                &[b"TE", b"FX", b"AL"],
                ["EDIFACT COM phone", "EDIFACT COM email"],
            ),
            b"DTM" if segment.text(1, 0) == b"329" => {
                reader.read(
                    &segment,
                    &[(1, 1, "EDIFACT DTM 329 date of birth", DateOfBirth)],
                );
            }
            // A passport (`P`, or the code list's `39`): its number is the next element.
            b"DOC" if matches!(segment.text(1, 0), b"P" | b"39") => {
                reader.read(&segment, &[(2, 0, "EDIFACT DOC passport number", Passport)]);
            }
            b"UNH" => person = false,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(label, value, kind)` of every field [`edi_fields`] reads in `b`.
    fn read(b: &[u8]) -> Vec<(&'static str, &[u8], FieldKind)> {
        let mut out = Vec::new();
        edi_fields(b, &mut out);
        out.iter()
            .map(|f| {
                (
                    f.label.unwrap_or(""),
                    &b[f.value.clone()],
                    f.kind_hint.unwrap_or(FieldKind::Other),
                )
            })
            .collect()
    }

    /// An X12 `ISA` header with `element` between its elements, `component` and `segment` last:
    /// 106 bytes, as the standard fixes it.
    fn isa(element: char, component: char, segment: char) -> String {
        let e = element;
        let header = format!(
            "ISA{e}00{e}          {e}00{e}          {e}ZZ{e}SUBMITTER      {e}ZZ{e}RECEIVER       \
             {e}230101{e}1253{e}^{e}00501{e}000000905{e}0{e}T{e}{component}{segment}"
        );
        assert_eq!(header.len(), 106);
        header
    }

    #[test]
    fn x12_enrolment_reads_the_member_not_the_sponsor() {
        let interchange = format!(
            "{}\nGS*BE*S*R*20230101*1253*905*X*005010X220A1~\nST*834*0001~\n\
             N1*P5*ACME CORP*FI*123456789~\nNM1*IL*2*ACME CORP*****FI*123456789~\n\
             N3*1 INDUSTRY WAY~\nINS*Y*18*021*28*A~\nREF*0F*152239999~\nREF*SY*536228726~\n\
             NM1*IL*1*LINDQVIST*ANNIKA*M***34*536228726~\n\
             PER*IP**HP*3125551234*EM*annika@example.com*WP*3125550000~\n\
             N3*1200 MAIN STREET*APT 4~\nN4*CHICAGO*IL*60601~\nDMG*D8*19840312*F~\n\
             DMG*RD8*20230101-20231231~\nSE*9*0001~",
            isa('*', ':', '~')
        );
        assert_eq!(
            read(interchange.as_bytes()),
            vec![
                ("X12 REF02 SSN", &b"536228726"[..], FieldKind::NationalId),
                ("X12 NM103 last name", b"LINDQVIST", FieldKind::LastName),
                ("X12 NM104 first name", b"ANNIKA", FieldKind::FirstName),
                ("X12 NM105 middle name", b"M", FieldKind::FirstName),
                ("X12 NM109 SSN", b"536228726", FieldKind::NationalId),
                ("X12 PER phone", b"3125551234", FieldKind::Phone),
                ("X12 PER email", b"annika@example.com", FieldKind::Email),
                ("X12 PER phone", b"3125550000", FieldKind::Phone),
                ("X12 N301 address", b"1200 MAIN STREET", FieldKind::Address),
                (
                    "X12 DMG02 date of birth",
                    b"19840312",
                    FieldKind::DateOfBirth
                ),
                (X12_IMPLIED_US, b"", FieldKind::Other),
            ]
        );
    }

    #[test]
    fn x12_separators_come_from_the_header() {
        let interchange = format!(
            "{}NM1|QC|1|BERG|ANNA~N4|TORONTO|ON|M5V 2T6|CA~",
            isa('|', '>', '~')
        );
        assert_eq!(
            read(interchange.as_bytes()),
            vec![
                ("X12 NM103 last name", &b"BERG"[..], FieldKind::LastName),
                ("X12 NM104 first name", b"ANNA", FieldKind::FirstName),
                (COUNTRY_CODE, b"CA", FieldKind::Other),
                (X12_IMPLIED_US, b"", FieldKind::Other),
            ]
        );
        // A header whose elements do not number 16 declares nothing: the usual separators.
        let broken = format!("{}~NM1*QC*1*BERG~", &isa('|', '>', '~')[..60]);
        assert_eq!(x12_header(broken.as_bytes()), None);
        assert_eq!(read(broken.as_bytes()).len(), 2);
    }

    #[test]
    fn x12_organisations_are_not_read() {
        // A purchase order between companies: names, addresses and contacts of organisations.
        let order = b"ST*850*0001~BEG*00*SA*PO-4711**20230101~NM1*BY*2*ACME RETAIL*****92*1234~\
            N3*1 INDUSTRY WAY~N4*SPRINGFIELD*IL*62701~REF*DP*038~DMG*RD8*20230101-20231231~SE*6*0001~";
        assert!(has_edi_segments(order));
        assert_eq!(read(order), vec![]);
    }

    #[test]
    fn edifact_passenger_list() {
        let message = b"UNA:+.? 'UNB+UNOC:3+AIRLINE:ZZ+BORDER:ZZ+230101:1200+1'\
            UNH+1+PAXLST:D:05B:UN:IATA'NAD+MS+++OPERATIONS'COM+004930999999:TE'\
            NAD+FL+++O?'BRIEN:ANNIKA:MARIA+HAUPTSTRASSE 5+BERLIN++10115+DE'ATT+2++F'\
            DTM+329:840312'DTM+189:2301011200:201'DOC+P:110:111+C01X00T47'\
            COM+030 12345678:TE'COM+annika@example.com:EM'\
            NAD+CN+++ACME GMBH+INDUSTRIESTR. 1'COM+0301111111:TE'\
            CTA+IC+:JONAS BERG'COM+0151 23456789:AL'CTA+PD+:PURCHASING'COM+0301234567:TE'UNT+8+1'";
        assert_eq!(
            read(message),
            vec![
                ("EDIFACT NAD surname", &b"O?'BRIEN"[..], FieldKind::LastName),
                ("EDIFACT NAD given name", b"ANNIKA", FieldKind::FirstName),
                ("EDIFACT NAD given name", b"MARIA", FieldKind::FirstName),
                ("EDIFACT NAD street", b"HAUPTSTRASSE 5", FieldKind::Address),
                (COUNTRY_CODE, b"DE", FieldKind::Other),
                (
                    "EDIFACT DTM 329 date of birth",
                    b"840312",
                    FieldKind::DateOfBirth
                ),
                (
                    "EDIFACT DOC passport number",
                    b"C01X00T47",
                    FieldKind::Passport
                ),
                ("EDIFACT COM phone", b"030 12345678", FieldKind::Phone),
                ("EDIFACT COM email", b"annika@example.com", FieldKind::Email),
                (
                    "EDIFACT CTA contact name",
                    b"JONAS BERG",
                    FieldKind::FullName
                ),
                ("EDIFACT COM phone", b"0151 23456789", FieldKind::Phone),
            ]
        );
    }

    #[test]
    fn edifact_separators_come_from_the_advice() {
        // `UNA` declaring `*` between elements, `^` between components, `!` as release and `~`
        // after segments; a released `~` stays in the value.
        let message = b"UNA^*.! ~NAD*FL***BERG^ANNA!~LENA*MAIN ST 1~DTM*329^19840312^102~";
        assert_eq!(
            read(message),
            vec![
                ("EDIFACT NAD surname", &b"BERG"[..], FieldKind::LastName),
                (
                    "EDIFACT NAD given name",
                    b"ANNA!~LENA",
                    FieldKind::FirstName
                ),
                ("EDIFACT NAD street", b"MAIN ST 1", FieldKind::Address),
                (
                    "EDIFACT DTM 329 date of birth",
                    b"19840312",
                    FieldKind::DateOfBirth
                ),
            ]
        );
    }

    #[test]
    fn segment_ids_need_a_segment_start() {
        for quiet in [
            &b"GET /v1/items?q=abc+def HTTP/1.1"[..],
            b"a*b*c",
            b"XCOM+1",
            b"ANAD+FL",
            b"weight=2*NM1x",
            b"UNAB",
        ] {
            assert!(!has_edi_segments(quiet), "{quiet:?}");
        }
        for segment in [&b"NM1*"[..], b"x~N3*", b"\nDTM+", b"'COM+", b"UNA:+.? '"] {
            assert!(has_edi_segments(segment), "{segment:?}");
        }
    }

    #[test]
    fn segments_open_where_the_quiet_check_asks() {
        // The first letters `opens_segment` lets through are those of every ID.
        for id in X12_SEGMENTS
            .iter()
            .chain(&EDIFACT_SEGMENTS)
            .chain(&[&b"ISA"[..], b"UNA"])
        {
            assert!(b"NDPRCIU".contains(&id[0]), "{id:?}");
        }
        for (text, at) in [
            (&b"NM1*IL"[..], 0),
            (b"~N3*MAIN", 1),
            (b"'NAD+FL", 1),
            (b"ISA|00", 0),
            (b"UNA:+.? '", 0),
            (b"UNA^*.! ~", 0),
        ] {
            assert!(opens_segment(text, at), "{text:?}");
        }
        for (text, at) in [
            (&b"NM1|IL"[..], 0),
            (b"NAD*FL", 0),
            (b"N3+", 0),
            (b"NM1", 0),
            (b"ISAB*", 0),
            (b"GET /", 0),
        ] {
            assert!(!opens_segment(text, at), "{text:?}");
        }
    }

    #[test]
    fn split_keeps_released_separators() {
        let b = b"a?+b+c??+d";
        let parts: Vec<&[u8]> = split(b, 0..b.len(), b'+', Some(b'?'))
            .into_iter()
            .map(|r| &b[r])
            .collect();
        assert_eq!(parts, vec![&b"a?+b"[..], b"c??", b"d"]);
        // A release at the very end: nothing past the buffer.
        let cut = b"ab?";
        assert_eq!(split(cut, 0..cut.len(), b'+', Some(b'?')), vec![0..3]);
    }
}
