//! The security service's subscribers. A subscriber **is** a credential of the Credentials API
//! (`latchkey_credential::Credential`); what the security service's `UserInfo` has that a
//! credential lacks (name, locale, notes, MFA method, mobiles, sign-up) is a
//! [`SubscriberProfile`] kept beside it in the tenant's schema. Avatars and preferences belong
//! to operators and subscribers alike ([`Holder`]).

mod directory;
mod error;
mod fields;
mod media;
mod media_service;
mod mfa;
pub mod model;
mod modify;
pub mod ports;
mod service;
mod signup;
pub mod signup_rules;
mod sniff;

pub use directory::NewSubscriber;
pub use error::SubscriberError;
pub use media::{MAX_NAME_CHARS, MediaError};
pub use mfa::{MfaChannel, MfaCodes, MfaError};
pub use model::{
    Avatar, Holder, ImageType, Preference, Preferences, Signup, SignupStatus, SubscriberProfile,
};
pub use modify::SubscriberChanges;
pub use ports::{AvatarStore, PreferenceStore, SubscriberProfileStore, SubscriberQuery};
pub use service::{Subscriber, SubscriberPorts, SubscriberService, principal};
pub use signup::{
    MAX_REASON_CHARS, Registration, SignupError, SignupListener, SignupPorts, SignupRates, Signups,
};
