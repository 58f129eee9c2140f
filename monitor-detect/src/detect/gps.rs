//! GPS coordinates: decimal degrees with 5–7 decimals (a person's or vehicle's position, not a
//! sensor float), `lat,lon` pairs and NMEA sentences.

/// A decimal-degree number at the start of `s`: (value, length). 1–3 integer digits and 5–7
/// decimals, optional sign.
pub(crate) fn degrees(s: &[u8]) -> Option<(f64, usize)> {
    let sign = usize::from(s.first() == Some(&b'-'));
    let int = s
        .get(sign..)?
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=3).contains(&int) || s.get(sign + int) != Some(&b'.') {
        return None;
    }
    let frac_start = sign + int + 1;
    let frac = s
        .get(frac_start..)?
        .iter()
        .take(9)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(5..=7).contains(&frac) {
        return None;
    }
    let len = frac_start + frac;
    let value: f64 = std::str::from_utf8(s.get(..len)?).ok()?.parse().ok()?;
    Some((value, len))
}

pub(crate) fn is_latitude(v: f64) -> bool {
    (-90.0..=90.0).contains(&v) && v != 0.0
}

pub(crate) fn is_longitude(v: f64) -> bool {
    (-180.0..=180.0).contains(&v) && v != 0.0
}

/// A `lat,lon` (or `lat, lon`, `lat lon`) pair at the start of `s`; returns its length.
/// `lon_first` reads the `GeoJSON` / Redis order.
pub(crate) fn pair_len(s: &[u8], lon_first: bool) -> Option<usize> {
    let (a, a_len) = degrees(s)?;
    let mut pos = a_len;
    let sep_start = pos;
    while matches!(s.get(pos), Some(b' ')) && pos - sep_start < 2 {
        pos += 1;
    }
    if s.get(pos) == Some(&b',') {
        pos += 1;
    }
    while matches!(s.get(pos), Some(b' ')) && pos - sep_start < 4 {
        pos += 1;
    }
    if pos == sep_start {
        return None;
    }
    let (b, b_len) = degrees(s.get(pos..)?)?;
    let (lat, lon) = if lon_first { (b, a) } else { (a, b) };
    (is_latitude(lat) && is_longitude(lon)).then_some(pos + b_len)
}

/// An NMEA position `ddmm.mmmm,N,dddmm.mmmm,E` at the start of `s`; returns its length.
pub(crate) fn nmea_len(s: &[u8]) -> Option<usize> {
    // The latitude is `ddmm.` first: most numbers stop here.
    if s.get(4) != Some(&b'.') {
        return None;
    }
    let field = |at: usize, int_digits: usize| -> Option<usize> {
        let int = s
            .get(at..)?
            .iter()
            .take(6)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if int != int_digits || s.get(at + int) != Some(&b'.') {
            return None;
        }
        let frac = s
            .get(at + int + 1..)?
            .iter()
            .take(8)
            .take_while(|b| b.is_ascii_digit())
            .count();
        (2..=6).contains(&frac).then_some(at + int + 1 + frac)
    };
    let lat_end = field(0, 4)?;
    if s.get(lat_end) != Some(&b',')
        || !matches!(s.get(lat_end + 1), Some(b'N' | b'S'))
        || s.get(lat_end + 2) != Some(&b',')
    {
        return None;
    }
    let lon_end = field(lat_end + 3, 5)?;
    if s.get(lon_end) != Some(&b',') || !matches!(s.get(lon_end + 1), Some(b'E' | b'W')) {
        return None;
    }
    let minutes_ok = |at: usize| {
        s.get(at..at + 2)
            .and_then(super::checksum::number)
            .is_some_and(|m| m < 60)
    };
    (minutes_ok(2) && minutes_ok(lat_end + 3 + 3)).then_some(lon_end + 2)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(degrees(b"53.20700,"), Some((53.207, 8)));
        assert_eq!(degrees(b"26.63"), None);
        assert_eq!(pair_len(b"43.52839, 1.89473\"", false), Some(17));
        assert_eq!(pair_len(b"6.8121067, 52.1014645]", true), Some(21));
        assert_eq!(pair_len(b"-1.625572,-1.637138", false), Some(19));
        assert_eq!(nmea_len(b"4807.038,N,01131.000,E,1"), Some(22));
    }

    proptest! {
        #[test]
        fn pairs(lat in -89.9_f64..89.9, lon in -179.9_f64..179.9) {
            let s = format!("{lat:.6},{lon:.6}");
            prop_assume!(lat.abs() > 1e-6 && lon.abs() > 1e-6);
            prop_assert_eq!(pair_len(s.as_bytes(), false), Some(s.len()));
        }

        #[test]
        fn never_panic(s in "[0-9., NSEW-]{0,40}") {
            let _ = (pair_len(s.as_bytes(), false), nmea_len(s.as_bytes()));
        }
    }
}
