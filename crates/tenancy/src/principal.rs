//! The caller of an API request and the one rule that decides what it may do.

use crate::{AccessDenied, OrgAccess, Scope, ScopeSet};
use latchkey_core::OrgId;
use uuid::Uuid;

/// How recent, in seconds, a customer's sign-in must be for their own token to change how they
/// sign in: enrol or replace an authenticator, read a pending authenticator's secret, mint a
/// magic link, change the password (ASVS 5.0 V7.5.1; RFC 9470's `max_age`).
pub const REAUTHENTICATION_MAX_AGE: i64 = 300;

/// The `amr` value (RFC 8176) that says a sign-in used more than one factor.
const MULTI_FACTOR: &str = "mfa";

/// How the customer behind a customer's token signed in (RFC 9068 §2.2.1), as the token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// When the customer authenticated (Unix seconds): the sign-in the token's device session
    /// started with.
    pub auth_time: i64,
    /// How (RFC 8176): `pwd`, `email` (a magic link), and `otp`/`sms` with `mfa` after a
    /// second factor. What happened in that session, never the credential's current settings.
    pub amr: Vec<String>,
    /// The device session the token belongs to (`sid`), when it has one.
    pub session: Option<Uuid>,
}

impl SignIn {
    /// Whether the sign-in included a second factor.
    pub fn has_second_factor(&self) -> bool {
        self.amr.iter().any(|m| m == MULTI_FACTOR)
    }
}

/// Who is calling: the subject of a verified access token, with its scopes and orgs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's subject (a client id for service tokens).
    pub subject: String,
    pub scopes: ScopeSet,
    pub orgs: OrgAccess,
    /// For a customer's token (from a login): the id of the credential it belongs to. Such a
    /// token acts on that credential alone, never tenant-wide.
    pub credential: Option<Uuid>,
    /// For a customer's token: how and when the customer signed in (`None` for a service
    /// token, and for a customer's token that does not say).
    pub sign_in: Option<SignIn>,
}

impl Principal {
    /// Requires, of a customer's token, a recent full sign-in: `auth_time` at most
    /// [`REAUTHENTICATION_MAX_AGE`] seconds before `now` (Unix seconds) and, when
    /// `second_factor` (the credential requires one), a second factor in `amr`. A customer's
    /// token that does not say how it signed in never qualifies. A service token passes: the
    /// service answers for how its caller authenticated.
    pub fn require_recent_sign_in(
        &self,
        now: i64,
        second_factor: bool,
    ) -> Result<(), AccessDenied> {
        if self.credential.is_none() {
            return Ok(());
        }
        match &self.sign_in {
            Some(s)
                if now - s.auth_time <= REAUTHENTICATION_MAX_AGE
                    && (!second_factor || s.has_second_factor()) =>
            {
                Ok(())
            }
            _ => Err(AccessDenied::ReauthenticationRequired),
        }
    }

    /// Whether this is a customer's token whose sign-in included a second factor.
    pub fn signed_in_with_second_factor(&self) -> bool {
        self.sign_in.as_ref().is_some_and(SignIn::has_second_factor)
    }

    /// Whether this is a customer's token (it acts on its own credential only).
    pub fn is_customer(&self) -> bool {
        self.credential.is_some()
    }

    /// Requires `scope`, whatever the org.
    pub fn require(&self, scope: Scope) -> Result<(), AccessDenied> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(AccessDenied::MissingScope(scope))
        }
    }

    /// Requires `scope` on `org`: the scope first, then the org (both answer 403).
    pub fn require_on(&self, scope: Scope, org: &OrgId) -> Result<(), AccessDenied> {
        self.require(scope)?;
        self.require_org(org)
    }

    /// Requires `scope` on `org` for an operation on the whole tenant (not on one credential):
    /// a customer's token never qualifies.
    pub fn require_tenant_wide(&self, scope: Scope, org: &OrgId) -> Result<(), AccessDenied> {
        if self.credential.is_some() {
            return Err(AccessDenied::CustomerToken);
        }
        self.require_on(scope, org)
    }

    /// Requires that the caller may act on the credential `id`: a service token may (its scopes
    /// were checked already), a customer's token only on its own credential.
    pub fn require_credential(&self, id: Uuid) -> Result<(), AccessDenied> {
        match self.credential {
            Some(own) if own != id => Err(AccessDenied::OtherCredential),
            _ => Ok(()),
        }
    }

    /// Requires `scope` on every org: for operations that affect all tenants at once.
    pub fn require_everywhere(&self, scope: Scope) -> Result<(), AccessDenied> {
        self.require(scope)?;
        if self.orgs == crate::OrgAccess::All {
            Ok(())
        } else {
            Err(AccessDenied::AllOrgsRequired)
        }
    }

    /// Requires that the token covers `org`.
    pub fn require_org(&self, org: &OrgId) -> Result<(), AccessDenied> {
        if self.orgs.covers(org) {
            Ok(())
        } else {
            Err(AccessDenied::Org(org.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn customer(sign_in: Option<SignIn>) -> Principal {
        Principal {
            subject: "c".to_owned(),
            scopes: ScopeSet::CUSTOMER,
            orgs: OrgAccess::All,
            credential: Some(Uuid::nil()),
            sign_in,
        }
    }

    fn signed_in(ago: i64, amr: &[&str]) -> Option<SignIn> {
        Some(SignIn {
            auth_time: NOW - ago,
            amr: amr.iter().map(|m| (*m).to_owned()).collect(),
            session: None,
        })
    }

    #[test]
    fn a_recent_sign_in_is_at_most_max_age_old() {
        let fresh = customer(signed_in(REAUTHENTICATION_MAX_AGE, &["pwd"]));
        assert_eq!(fresh.require_recent_sign_in(NOW, false), Ok(()));
        let stale = customer(signed_in(REAUTHENTICATION_MAX_AGE + 1, &["pwd"]));
        assert_eq!(
            stale.require_recent_sign_in(NOW, false),
            Err(AccessDenied::ReauthenticationRequired)
        );
    }

    #[test]
    fn a_credential_with_a_second_factor_needs_one_in_the_sign_in() {
        let password_only = customer(signed_in(10, &["pwd"]));
        assert_eq!(
            password_only.require_recent_sign_in(NOW, true),
            Err(AccessDenied::ReauthenticationRequired)
        );
        let both = customer(signed_in(10, &["pwd", "otp", "mfa"]));
        assert_eq!(both.require_recent_sign_in(NOW, true), Ok(()));
        assert!(both.signed_in_with_second_factor());
        assert!(!password_only.signed_in_with_second_factor());
    }

    #[test]
    fn a_customer_token_that_does_not_say_how_it_signed_in_never_qualifies() {
        assert_eq!(
            customer(None).require_recent_sign_in(NOW, false),
            Err(AccessDenied::ReauthenticationRequired)
        );
    }

    #[test]
    fn a_service_token_passes() {
        let service = Principal {
            credential: None,
            ..customer(None)
        };
        assert_eq!(service.require_recent_sign_in(NOW, true), Ok(()));
    }
}
