//! The avatar and preferences use cases of a [`Holder`] (an operator or a subscriber). Who may
//! act on whose avatar is decided before (the operator's permissions, or the subscriber being
//! itself); these check nobody, and keep the rules of [`crate::media`]: an avatar's type comes
//! from its bytes, preferences stay bounded, and both are stamped with the service's clock.

use crate::{Avatar, Holder, MediaError, Preference, Preferences, SubscriberService};
use latchkey_core::StoreError;

/// A write's refusal for a holder that does not exist is [`MediaError::NoHolder`]: it was
/// deleted between the caller's check and the write.
fn written(result: Result<(), StoreError>) -> Result<(), MediaError> {
    match result {
        Err(StoreError::NotFound) => Err(MediaError::NoHolder),
        other => Ok(other?),
    }
}

impl SubscriberService {
    /// The holder's avatar; [`MediaError::NoAvatar`] when it has none.
    pub async fn avatar(&self, holder: &Holder) -> Result<Avatar, MediaError> {
        self.ports
            .avatars
            .get(holder)
            .await?
            .ok_or(MediaError::NoAvatar)
    }

    /// Makes the uploaded `bytes` the holder's avatar (replacing any), its type sniffed from
    /// them; answers it.
    pub async fn set_avatar(
        &self,
        holder: &Holder,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Avatar, MediaError> {
        let avatar = Avatar::from_upload(file_name, bytes, self.ports.clock.now())?;
        written(self.ports.avatars.put(holder, avatar.clone()).await)?;
        Ok(avatar)
    }

    /// Removes the holder's avatar; [`MediaError::NoAvatar`] when it had none.
    pub async fn delete_avatar(&self, holder: &Holder) -> Result<(), MediaError> {
        if self.ports.avatars.delete(holder).await? {
            Ok(())
        } else {
            Err(MediaError::NoAvatar)
        }
    }

    /// The holder's preferences: none, modified at the epoch, when it never saved any.
    pub async fn preferences(&self, holder: &Holder) -> Result<Preferences, MediaError> {
        Ok(self
            .ports
            .preferences
            .get(holder)
            .await?
            .unwrap_or_else(Preferences::empty))
    }

    /// Replaces the holder's preferences with `data` (bounded: [`Preferences::new`]); answers
    /// them as kept.
    pub async fn set_preferences(
        &self,
        holder: &Holder,
        data: Vec<Preference>,
    ) -> Result<Preferences, MediaError> {
        let preferences = Preferences::new(data, self.ports.clock.now())?;
        written(
            self.ports
                .preferences
                .put(holder, preferences.clone())
                .await,
        )?;
        Ok(preferences)
    }
}
