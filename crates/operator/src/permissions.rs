//! Who may do what to which operator: pure functions the services call before they act (never
//! the HTTP layer). Every answer comes from the actor's security profile
//! ([`crate::profiles::profile`]): its policy on `users` and `apiKeys`, its [`Reach`] and the
//! roles it manages.
//!
//! - An operator's own record: everyone may read it and edit its own name, description,
//!   location, locale, password, MFA and mobiles; nobody changes its own role, owner,
//!   `suspended`, `blacklisted`, notes or forced password change, nor deletes itself.
//! - Another operator's record: the actor's policy must grant the access, its reach must cover
//!   the target's org (`root`: every org; the others: the org they administer), and to create,
//!   modify or delete, the target's role must be one the actor manages (an `admin` never
//!   touches a `root` or a `partner`); a role given must be one it manages too (nobody raises
//!   anyone above its own role), and an owner given must be within its reach.
//! - The owner of a new operator is decided here ([`owner_of_new`]), not by the request.
//!
//! The last live root is the store's to protect (`LastRoot`): no rule here can see the others.

use crate::profiles::{ProfileAccess, Reach, profile, resource};
use crate::{Operator, OperatorError, OperatorQuery, Role};
use latchkey_core::OrgId;

/// What an edit of an operator changes (only fields whose value differs count).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    /// Name, description, location, locale, password, MFA or mobiles.
    pub own_fields: bool,
    /// The new role.
    pub role: Option<Role>,
    /// The new owner.
    pub owner: Option<Option<OrgId>>,
    /// `suspended` or `blacklisted`.
    pub status: bool,
    /// Notes appended.
    pub notes: bool,
    /// The forced password change at the next sign-in.
    pub change_password: bool,
}

/// Whether `actor`'s profile grants `access` to `resource` (one of
/// [`crate::profiles::resource`]), for records within its reach.
pub fn may(actor: &Operator, resource: &str, access: ProfileAccess) -> bool {
    profile(actor.role).allows(resource, access)
}

/// Whether `actor`'s reach covers a record of the org `owner`.
pub fn reaches(actor: &Operator, owner: Option<&OrgId>) -> bool {
    match profile(actor.role).reach {
        Reach::Everyone => true,
        Reach::OwnOrg => actor.owner.is_some() && actor.owner.as_ref() == owner,
        Reach::Nobody => false,
    }
}

/// Whether `actor` may create, modify, delete and give operators of `role`.
pub fn manages(actor: &Operator, role: Role) -> bool {
    profile(actor.role).manages.contains(&role)
}

/// `actor` may read `target`: itself, or one within reach when its policy reads `users`.
pub fn can_read(actor: &Operator, target: &Operator) -> Result<(), OperatorError> {
    grant(
        actor.id == target.id
            || (may(actor, resource::USERS, ProfileAccess::Read)
                && reaches(actor, target.owner.as_ref())),
    )
}

/// `actor` may create an operator of `role` in the org `owner` (as [`owner_of_new`] decided).
pub fn can_create(
    actor: &Operator,
    role: Role,
    owner: Option<&OrgId>,
) -> Result<(), OperatorError> {
    grant(
        may(actor, resource::USERS, ProfileAccess::Create)
            && reaches(actor, owner)
            && manages(actor, role),
    )
}

/// The org of an operator `actor` creates: the one it asked for when its reach is every org
/// (a `root`), else the actor's own, whatever the request said.
pub fn owner_of_new(actor: &Operator, requested: Option<OrgId>) -> Option<OrgId> {
    match profile(actor.role).reach {
        Reach::Everyone => requested,
        Reach::OwnOrg | Reach::Nobody => actor.owner.clone(),
    }
}

/// `actor` may make `edit` to `target`.
pub fn can_modify(actor: &Operator, target: &Operator, edit: &Edit) -> Result<(), OperatorError> {
    if actor.id == target.id {
        return grant(
            edit.role.is_none()
                && edit.owner.is_none()
                && !edit.status
                && !edit.notes
                && !edit.change_password,
        );
    }
    grant(
        may(actor, resource::USERS, ProfileAccess::Modify)
            && reaches(actor, target.owner.as_ref())
            && manages(actor, target.role)
            && edit.role.is_none_or(|role| manages(actor, role))
            && edit
                .owner
                .as_ref()
                .is_none_or(|owner| reaches(actor, owner.as_ref())),
    )
}

/// `actor` may delete `target`: never itself; one within reach whose role it manages when its
/// policy deletes `users`.
pub fn can_delete(actor: &Operator, target: &Operator) -> Result<(), OperatorError> {
    grant(
        actor.id != target.id
            && may(actor, resource::USERS, ProfileAccess::Delete)
            && reaches(actor, target.owner.as_ref())
            && manages(actor, target.role),
    )
}

/// `actor` may `access` (READ, CREATE or DELETE) the API keys of `owner`: its own always; another
/// operator's when its policy grants that on `apiKeys`, within reach, and it manages their role
/// (a key acts as its operator, so making one is acting as them).
pub fn can_manage_keys(
    actor: &Operator,
    owner: &Operator,
    access: ProfileAccess,
) -> Result<(), OperatorError> {
    grant(
        actor.id == owner.id
            || (may(actor, resource::API_KEYS, access)
                && reaches(actor, owner.owner.as_ref())
                && manages(actor, owner.role)),
    )
}

/// `query` narrowed to the operators `actor` may read; `None` when it can select none of them.
pub fn visible(actor: &Operator, mut query: OperatorQuery) -> Option<OperatorQuery> {
    let reads = may(actor, resource::USERS, ProfileAccess::Read);
    match (profile(actor.role).reach, &actor.owner) {
        (Reach::Everyone, _) if reads => Some(query),
        (Reach::OwnOrg, Some(org)) if reads => match &query.owner {
            Some(asked) if asked != org => None,
            _ => {
                query.owner = Some(org.clone());
                Some(query)
            }
        },
        // Itself only.
        _ => {
            if query
                .ids
                .as_ref()
                .is_some_and(|ids| !ids.contains(&actor.id))
            {
                return None;
            }
            query.ids = Some(vec![actor.id]);
            Some(query)
        }
    }
}

fn grant(allowed: bool) -> Result<(), OperatorError> {
    if allowed {
        Ok(())
    } else {
        Err(OperatorError::AccessDenied)
    }
}

#[cfg(test)]
#[path = "permissions_tests.rs"]
mod tests;
