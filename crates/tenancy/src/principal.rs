//! The caller of an API request and the one rule that decides what it may do.

use crate::{AccessDenied, OrgAccess, Scope, ScopeSet};
use latchkey_core::OrgId;
use uuid::Uuid;

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
}

impl Principal {
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
