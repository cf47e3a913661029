//! What the security service keeps of a subscriber beside its credential, and the avatars and
//! preferences of operators and subscribers.

use latchkey_core::{OrgId, Timestamp};
use latchkey_operator::{MfaMethod, Mobile, Note};
use uuid::Uuid;

/// Who an avatar or a preference list belongs to: an operator (kept in the `public` schema) or
/// a subscriber, that is a credential of one tenant (kept in the tenant's schema).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Holder {
    Operator(Uuid),
    Subscriber(OrgId, Uuid),
}

/// Where a self-registration stands (`/signup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignupStatus {
    /// Registered; the verification e-mail is out.
    InProgress,
    /// The link in the e-mail was used.
    EmailVerified,
    Success,
    Failed,
    Cancel,
}

impl SignupStatus {
    /// The wire name: `inprogress`, `emailVerified`, `success`, `failed`, `cancel`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignupStatus::InProgress => "inprogress",
            SignupStatus::EmailVerified => "emailVerified",
            SignupStatus::Success => "success",
            SignupStatus::Failed => "failed",
            SignupStatus::Cancel => "cancel",
        }
    }

    /// Parses a wire name, case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            SignupStatus::InProgress,
            SignupStatus::EmailVerified,
            SignupStatus::Success,
            SignupStatus::Failed,
            SignupStatus::Cancel,
        ]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// A self-registration of the subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signup {
    /// The `signupUUID` the registering party chose (or the server gave).
    pub uuid: Uuid,
    pub status: SignupStatus,
    pub created: Timestamp,
    pub updated: Timestamp,
}

/// What `UserInfo` has that a credential lacks, keyed by the credential's id in its tenant.
/// A credential without a profile reads as [`SubscriberProfile::new`] of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberProfile {
    pub credential: Uuid,
    pub name: String,
    pub description: String,
    pub locale: String,
    pub location: String,
    /// Appended, never edited.
    pub notes: Vec<Note>,
    /// The second factor the subscriber chose; `None` is `disabled`. Kept equal to the
    /// credential's `require2fa` (`Some` ⇔ `require2fa`) by the use cases that change it.
    pub mfa: Option<MfaMethod>,
    pub mobiles: Vec<Mobile>,
    pub blacklisted: bool,
    pub waiting_for_email_check: bool,
    pub signup: Option<Signup>,
    /// The operator who created it (`None`: created through the Credentials API or by signing up).
    pub created_by: Option<Uuid>,
    pub modified_by: Option<Uuid>,
    pub modified: Timestamp,
}

impl SubscriberProfile {
    /// The empty profile of `credential` (what a credential created elsewhere reads as).
    pub fn new(credential: Uuid, now: Timestamp) -> Self {
        Self {
            credential,
            name: String::new(),
            description: String::new(),
            locale: String::new(),
            location: String::new(),
            notes: Vec::new(),
            mfa: None,
            mobiles: Vec::new(),
            blacklisted: false,
            waiting_for_email_check: false,
            signup: None,
            created_by: None,
            modified_by: None,
            modified: now,
        }
    }
}

/// The image types an avatar may have (sniffed from its bytes, never taken from the request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    Png,
    Jpeg,
    Gif,
    Svg,
}

impl ImageType {
    /// The media type it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Gif => "image/gif",
            ImageType::Svg => "image/svg+xml",
        }
    }

    /// Parses what [`ImageType::media_type`] answers (how stores keep it).
    pub fn from_media_type(raw: &str) -> Option<Self> {
        [
            ImageType::Png,
            ImageType::Jpeg,
            ImageType::Gif,
            ImageType::Svg,
        ]
        .into_iter()
        .find(|t| t.media_type() == raw)
    }
}

/// An avatar: at most [`Avatar::MAX_BYTES`].
#[derive(Clone, PartialEq, Eq)]
pub struct Avatar {
    pub image_type: ImageType,
    /// The file name the upload gave (shown only), possibly empty.
    pub name: String,
    pub bytes: Vec<u8>,
    pub created: Timestamp,
}

impl Avatar {
    /// The largest avatar: 2 MiB.
    pub const MAX_BYTES: usize = 2 * 1024 * 1024;
}

impl std::fmt::Debug for Avatar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Avatar")
            .field("image_type", &self.image_type)
            .field("name", &self.name)
            .field("bytes", &self.bytes.len())
            .field("created", &self.created)
            .finish()
    }
}

/// One preference: a tag and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    pub tag: String,
    pub value: String,
}

/// A holder's preferences, replaced whole by each `PUT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub data: Vec<Preference>,
    pub modified: Timestamp,
}

impl Preferences {
    /// The most preferences one holder keeps.
    pub const MAX_ENTRIES: usize = 256;
    /// The most characters of a tag.
    pub const MAX_TAG_CHARS: usize = 128;
    /// The most characters of a value.
    pub const MAX_VALUE_CHARS: usize = 4096;
}
