//! Organisation (tenant) ids.

use std::fmt;

/// The id of a tenant (a brand such as `masmovil` or `yoigo`).
///
/// Always matches `^[a-z][a-z0-9_-]{1,39}$`: it is safe in URLs, in tokens (it contains no `@`)
/// and, quoted, as part of a database schema name.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

/// Why a string is not an [`OrgId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "an org id is 2 to 40 characters: a lower-case letter, then lower-case letters, digits, '_' or '-'"
)]
pub struct OrgIdError;

impl OrgId {
    /// The fewest characters of an org id.
    pub const MIN_LEN: usize = 2;
    /// The most characters of an org id.
    pub const MAX_LEN: usize = 40;

    /// Parses an org id, rejecting anything outside `^[a-z][a-z0-9_-]{1,39}$`.
    pub fn parse(raw: &str) -> Result<Self, OrgIdError> {
        let bytes = raw.as_bytes();
        let valid_len = (Self::MIN_LEN..=Self::MAX_LEN).contains(&bytes.len());
        let valid_first = bytes.first().is_some_and(u8::is_ascii_lowercase);
        let valid_rest = bytes
            .iter()
            .skip(1)
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-');
        if valid_len && valid_first && valid_rest {
            Ok(Self(raw.to_owned()))
        } else {
            Err(OrgIdError)
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrgId({})", self.0)
    }
}

/// Serialized as its string; deserializing validates it.
impl serde::Serialize for OrgId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for OrgId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_brand_ids() {
        for ok in [
            "masmovil",
            "yoigo",
            "ab",
            "a1",
            "pepe-phone",
            "llama_ya",
            &"a".repeat(40),
        ] {
            assert_eq!(OrgId::parse(ok).map(|o| o.to_string()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn rejects_everything_outside_the_pattern() {
        for bad in [
            "",
            "a",
            "1abc",
            "Masmovil",
            "mas movil",
            "mas@movil",
            "-abc",
            "ñandu",
            &"a".repeat(41),
        ] {
            assert_eq!(OrgId::parse(bad), Err(OrgIdError), "{bad:?}");
        }
    }
}
