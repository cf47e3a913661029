//! A proved number joins a subscriber's mobiles: the profile the security service keeps beside
//! the subscriber's credential.

use crate::proof::with_mobile;
use crate::{MessageError, MessageService};
use latchkey_core::OrgId;
use latchkey_credential::Msisdn;
use latchkey_notify::Language;
use latchkey_subscriber::{Holder, Subscriber, SubscriberService};
use uuid::Uuid;

impl MessageService {
    /// Sends the subscriber `id` of `org` a code proving `number`
    /// ([`MessageService::start_proof`], in its locale's language), unless it already holds
    /// [`crate::MAX_MOBILES`] other numbers (`TooManyMobiles`).
    pub async fn start_subscriber_proof(
        &self,
        subscribers: &SubscriberService,
        org: &OrgId,
        id: Uuid,
        number: &Msisdn,
    ) -> Result<(), MessageError> {
        let subscriber = subscribers.get(org, id).await?;
        with_mobile(&subscriber.profile.mobiles, number)?;
        let language = Language::from_tag(Some(&subscriber.profile.locale));
        self.start_proof(&Holder::Subscriber(org.clone(), id), number, language)
            .await
    }

    /// Proves `number` for the subscriber `id` of `org` with `code`
    /// ([`MessageService::complete_proof`]) and adds it to its mobiles, verified (the first one
    /// is its primary). `TooManyMobiles` before the code is checked. The subscriber as it is
    /// now.
    pub async fn add_subscriber_mobile(
        &self,
        subscribers: &SubscriberService,
        org: &OrgId,
        id: Uuid,
        number: &Msisdn,
        code: &str,
    ) -> Result<Subscriber, MessageError> {
        with_mobile(&subscribers.get(org, id).await?.profile.mobiles, number)?;
        self.complete_proof(&Holder::Subscriber(org.clone(), id), number, code)
            .await?;
        // Read again: the profile may have changed while the code travelled.
        let mut subscriber = subscribers.get(org, id).await?;
        subscriber.profile.mobiles = with_mobile(&subscriber.profile.mobiles, number)?;
        subscribers
            .save_profile(org, subscriber.profile.clone())
            .await?;
        Ok(subscriber)
    }
}
