//! The rules of avatars and preferences, checked where they are built: an [`Avatar`] is an
//! image of a sniffed type within [`Avatar::MAX_BYTES`], and [`Preferences`] stay within their
//! bounds. Both belong to operators and subscribers alike, so the rules live here once for
//! `/avatar`, `/subavatar`, `/preferences` and `/subpreferences`.

use crate::{Avatar, ImageType, Preference, Preferences};
use latchkey_core::{StoreError, Timestamp};

/// Why an upload is no avatar, a list no preferences, or an avatar or preferences use case
/// could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the avatar is larger than {} bytes", Avatar::MAX_BYTES)]
    TooLarge,
    #[error("the avatar is not a PNG, JPEG, GIF or SVG image")]
    NotAnImage,
    #[error("more than {} preferences", Preferences::MAX_ENTRIES)]
    TooManyPreferences,
    #[error(
        "a preference's tag is empty or longer than {} characters",
        Preferences::MAX_TAG_CHARS
    )]
    BadTag,
    #[error(
        "a preference's value is longer than {} characters",
        Preferences::MAX_VALUE_CHARS
    )]
    ValueTooLong,
    /// The holder has no avatar.
    #[error("no avatar")]
    NoAvatar,
    /// The operator or subscriber does not exist (any more): the store refused to keep
    /// anything for it.
    #[error("no such operator or subscriber")]
    NoHolder,
    /// The avatars' or preferences' storage failed.
    #[error("avatar or preference storage failed")]
    Store(#[from] StoreError),
}

/// The most characters of an avatar's file name kept (it is only shown).
pub const MAX_NAME_CHARS: usize = 255;

impl Avatar {
    /// The avatar `bytes` make, its type sniffed from them (never from what the upload
    /// declared). `name` is the upload's file name, kept for display only: control characters
    /// are dropped and it is cut at [`MAX_NAME_CHARS`].
    pub fn from_upload(name: &str, bytes: Vec<u8>, now: Timestamp) -> Result<Self, MediaError> {
        if bytes.len() > Avatar::MAX_BYTES {
            return Err(MediaError::TooLarge);
        }
        let image_type = ImageType::sniff(&bytes).ok_or(MediaError::NotAnImage)?;
        let name = name
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_NAME_CHARS)
            .collect();
        Ok(Self {
            image_type,
            name,
            bytes,
            created: now,
        })
    }
}

impl Preferences {
    /// A holder's preferences as `data` lists them, modified `now`: at most
    /// [`Preferences::MAX_ENTRIES`], each tag non-empty and at most
    /// [`Preferences::MAX_TAG_CHARS`] characters, each value at most
    /// [`Preferences::MAX_VALUE_CHARS`]. Order is kept; a tag given twice keeps its last value
    /// in the place of its first (a list of settings, not a log).
    pub fn new(data: Vec<Preference>, now: Timestamp) -> Result<Self, MediaError> {
        if data.len() > Preferences::MAX_ENTRIES {
            return Err(MediaError::TooManyPreferences);
        }
        let mut kept: Vec<Preference> = Vec::with_capacity(data.len());
        for entry in data {
            let tag_chars = entry.tag.chars().count();
            if entry.tag.trim().is_empty() || tag_chars > Preferences::MAX_TAG_CHARS {
                return Err(MediaError::BadTag);
            }
            if entry.value.chars().count() > Preferences::MAX_VALUE_CHARS {
                return Err(MediaError::ValueTooLong);
            }
            match kept.iter_mut().find(|p| p.tag == entry.tag) {
                Some(earlier) => earlier.value = entry.value,
                None => kept.push(entry),
            }
        }
        Ok(Self {
            data: kept,
            modified: now,
        })
    }

    /// The preferences of a holder who never saved any: none, never modified (epoch).
    pub fn empty() -> Self {
        Self {
            data: Vec::new(),
            modified: Timestamp::UNIX_EPOCH,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn pref(tag: &str, value: &str) -> Preference {
        Preference {
            tag: tag.to_owned(),
            value: value.to_owned(),
        }
    }

    fn now() -> Timestamp {
        Timestamp::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn an_avatar_takes_the_type_of_its_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let avatar = Avatar::from_upload("me.svg\n", png, now()).unwrap();
        assert_eq!(avatar.image_type, ImageType::Png);
        assert_eq!(avatar.name, "me.svg");
        assert!(matches!(
            Avatar::from_upload("x.png", b"#!/bin/sh\n".to_vec(), now()),
            Err(MediaError::NotAnImage)
        ));
    }

    #[test]
    fn an_avatar_is_at_most_2_mib() {
        let mut big = b"GIF89a".to_vec();
        big.resize(Avatar::MAX_BYTES, 0);
        assert!(Avatar::from_upload("", big.clone(), now()).is_ok());
        big.push(0);
        assert!(matches!(
            Avatar::from_upload("", big, now()),
            Err(MediaError::TooLarge)
        ));
    }

    #[test]
    fn preferences_are_bounded() {
        let many = (0..=Preferences::MAX_ENTRIES)
            .map(|i| pref(&format!("t{i}"), "v"))
            .collect();
        assert!(matches!(
            Preferences::new(many, now()),
            Err(MediaError::TooManyPreferences)
        ));
        let long_tag = "t".repeat(Preferences::MAX_TAG_CHARS + 1);
        assert!(matches!(
            Preferences::new(vec![pref(&long_tag, "v")], now()),
            Err(MediaError::BadTag)
        ));
        assert!(matches!(
            Preferences::new(vec![pref(" ", "v")], now()),
            Err(MediaError::BadTag)
        ));
        let long_value = "é".repeat(Preferences::MAX_VALUE_CHARS + 1);
        assert!(matches!(
            Preferences::new(vec![pref("t", &long_value)], now()),
            Err(MediaError::ValueTooLong)
        ));
        let at_bounds = "é".repeat(Preferences::MAX_VALUE_CHARS);
        assert!(Preferences::new(vec![pref("t", &at_bounds)], now()).is_ok());
    }

    #[test]
    fn a_tag_given_twice_keeps_its_last_value_in_its_first_place() {
        let prefs =
            Preferences::new(vec![pref("a", "1"), pref("b", "2"), pref("a", "3")], now()).unwrap();
        assert_eq!(prefs.data, vec![pref("a", "3"), pref("b", "2")]);
        assert_eq!(prefs.modified, now());
    }
}
