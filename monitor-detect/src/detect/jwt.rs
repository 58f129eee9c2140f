//! JSON Web Tokens: personal data when their claims hold a direct identifier.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

/// Claims that identify a person directly (`OpenID` Connect standard claims).
const IDENTIFYING_CLAIMS: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "email",
    "phone_number",
    "birthdate",
    "address",
    "preferred_username_email",
    "nickname_email",
];

/// Upper bound on a token's length.
const MAX_TOKEN: usize = 16 << 10;

const fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// A JWT starting at `s[0]` (`eyJ`): its length and the identifying claim names, or `None` when
/// it is not a token. A token without identifying claims yields `Some((len, vec![]))`.
pub(crate) fn jwt_at(s: &[u8]) -> Option<(usize, Vec<String>)> {
    if !s.starts_with(b"eyJ") {
        return None;
    }
    let seg = |from: usize| {
        s.get(from..).map_or(0, |r| {
            r.iter()
                .take(MAX_TOKEN)
                .take_while(|&&b| is_b64url(b))
                .count()
        })
    };
    let header_len = seg(0);
    if s.get(header_len) != Some(&b'.') {
        return None;
    }
    let claims_start = header_len + 1;
    let claims_len = seg(claims_start);
    if claims_len < 4 || s.get(claims_start + claims_len) != Some(&b'.') {
        return None;
    }
    let sig_start = claims_start + claims_len + 1;
    let sig_len = seg(sig_start);
    let header = URL_SAFE_NO_PAD.decode(s.get(..header_len)?).ok()?;
    let header: serde_json::Value = serde_json::from_slice(&header).ok()?;
    header.get("alg")?;
    let claims = URL_SAFE_NO_PAD
        .decode(s.get(claims_start..claims_start + claims_len)?)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&claims).ok()?;
    let object = claims.as_object()?;
    let mut names: Vec<String> = object
        .iter()
        .filter(|(k, v)| IDENTIFYING_CLAIMS.contains(&k.as_str()) && !v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    if let Some(sub) = object.get("sub").and_then(serde_json::Value::as_str)
        && let Some(at) = sub.find('@')
        && super::email::email_at(sub.as_bytes(), at).is_some()
    {
        names.push("sub".to_owned());
    }
    names.sort();
    Some((sig_start + sig_len, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &str) -> String {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let c = URL_SAFE_NO_PAD.encode(claims);
        format!("{h}.{c}.c2lnbmF0dXJl")
    }

    #[test]
    fn personal_and_service_tokens() {
        let t = token(r#"{"sub":"anna@web.de","name":"Anna S","scope":"x"}"#);
        assert_eq!(
            jwt_at(t.as_bytes()),
            Some((t.len(), vec!["name".to_owned(), "sub".to_owned()]))
        );
        let t = token(r#"{"sub":"svc-billing","scope":"read","jti":"1"}"#);
        assert_eq!(jwt_at(t.as_bytes()), Some((t.len(), vec![])));
        assert_eq!(jwt_at(b"eyJhbGciOi.x.y"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "eyJ[A-Za-z0-9_.-]{0,80}") {
            let _ = jwt_at(s.as_bytes());
        }
    }
}
