//! The security service's subscribers. A subscriber **is** a credential of the Credentials API
//! (`latchkey_credential::Credential`); what the security service's `UserInfo` has that a
//! credential lacks (name, locale, notes, MFA method, mobiles, sign-up) is a
//! [`SubscriberProfile`] kept beside it in the tenant's schema. Avatars and preferences belong
//! to operators and subscribers alike ([`Holder`]).

pub mod model;
pub mod ports;

pub use model::{
    Avatar, Holder, ImageType, Preference, Preferences, Signup, SignupStatus, SubscriberProfile,
};
pub use ports::{AvatarStore, PreferenceStore, SubscriberProfileStore, SubscriberQuery};
