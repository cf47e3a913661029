//! Security profiles (`GET /securityProfiles`): per role, what an operator may do. They are the
//! single source of the operators' permissions: [`crate::permissions`] reads every answer from
//! [`profile`], so what is published is what is enforced.
//!
//! A profile's `policy` says what the role may do to the records of OTHERS within its
//! [`Reach`]; every operator may also read and edit its own record (the fields
//! [`crate::permissions`] lists) and manage its own API keys, whatever its policy says.
//!
//! The Credentials API scopes a profile maps onto ([`SecurityProfile::scopes`]) follow from its
//! policy on `subscribers` (the same records as the Credentials API's credentials) and
//! `system`:
//!
//! | policy | scopes |
//! |---|---|
//! | `subscribers` READ | `credentials:read` |
//! | `subscribers` CREATE | `credentials:write` |
//! | `subscribers` MODIFY | `credentials:write`, `tokens` (reset links), `otp`, `totp`, `devices` (second factors, sessions) |
//! | `subscribers` DELETE or MOVE | `credentials:admin` |
//! | `system` MODIFY | `tenants:admin`, `clients:admin`, `keys:admin` |
//!
//! `users`, `apiKeys` and `messages` are operators' matters and map onto no scope.

use crate::Role;
use ProfileAccess::{Create, Delete, Modify, Move, Read, Test};
use latchkey_tenancy::{Scope, ScopeSet};
use resource::{API_KEYS, MESSAGES, SUBSCRIBERS, SYSTEM, USERS};
use std::sync::OnceLock;

/// The resources a profile speaks of (`ProfileAction.resource`).
pub mod resource {
    /// Operators (`/users`, `/user/{id}`).
    pub const USERS: &str = "users";
    /// Subscribers: the customers (`/subusers`, and the Credentials API).
    pub const SUBSCRIBERS: &str = "subscribers";
    /// Operators' API keys (`/apiKey/{userId}`).
    pub const API_KEYS: &str = "apiKeys";
    /// The service itself (`/system`, log levels, signing keys, tenants, clients).
    pub const SYSTEM: &str = "system";
    /// Test messages (`/email`, `/sms`).
    pub const MESSAGES: &str = "messages";
    /// Every resource, in the order profiles list them.
    pub const ALL: [&str; 5] = [USERS, SUBSCRIBERS, API_KEYS, SYSTEM, MESSAGES];
}

/// One kind of access (the definition's `ProfileAction.access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileAccess {
    None,
    Read,
    Modify,
    Delete,
    Create,
    Test,
    Move,
}

impl ProfileAccess {
    /// The wire name (`NONE`, `READ`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileAccess::None => "NONE",
            ProfileAccess::Read => "READ",
            ProfileAccess::Modify => "MODIFY",
            ProfileAccess::Delete => "DELETE",
            ProfileAccess::Create => "CREATE",
            ProfileAccess::Test => "TEST",
            ProfileAccess::Move => "MOVE",
        }
    }
}

/// One entry of a policy: `access` to `resource`. A resource the role may do nothing to is
/// listed once with [`ProfileAccess::None`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileAction {
    pub resource: &'static str,
    pub access: ProfileAccess,
}

/// Whose records (other than its own) a role's policy reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every org's (`root`).
    Everyone,
    /// Those of the org the operator administers (its `owner`); none when it has no owner.
    OwnOrg,
    /// Nobody's but its own.
    Nobody,
}

/// What one role may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityProfile {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub role: Role,
    pub policy: Vec<ProfileAction>,
    /// The Credentials API scopes the policy corresponds to (see the module's table).
    pub scopes: ScopeSet,
    /// Whose records the policy reaches.
    pub reach: Reach,
    /// The roles this role may create, modify, delete and give (never one whose policy is not
    /// within its own: nobody raises anyone, itself included, above its own role).
    pub manages: Vec<Role>,
}

impl SecurityProfile {
    /// Whether the policy grants `access` to `resource`.
    pub fn allows(&self, resource: &str, access: ProfileAccess) -> bool {
        access != ProfileAccess::None
            && self
                .policy
                .iter()
                .any(|a| a.resource == resource && a.access == access)
    }
}

/// Every role's profile, in the order of [`Role::ALL`].
pub fn security_profiles() -> Vec<SecurityProfile> {
    TABLE.iter().zip(1..).map(Row::profile).collect()
}

/// The profile of `role`: what [`crate::permissions`] consults.
pub fn profile(role: Role) -> &'static SecurityProfile {
    static PROFILES: OnceLock<Vec<SecurityProfile>> = OnceLock::new();
    let profiles = PROFILES.get_or_init(security_profiles);
    // TABLE lists the roles in the order of Role::ALL (a test holds it to that); the match is
    // exhaustive, so a new role does not compile until it has its place.
    let index = match role {
        Role::Root => 0,
        Role::Admin => 1,
        Role::Subscriber => 2,
        Role::Csr => 3,
        Role::System => 4,
        Role::Installer => 5,
        Role::Noc => 6,
        Role::Accounting => 7,
        Role::Partner => 8,
    };
    &profiles[index]
}

/// Everything root may do: every access to every resource it has.
const EVERYTHING: &[(&str, &[ProfileAccess])] = &[
    (USERS, &[Read, Create, Modify, Delete]),
    (SUBSCRIBERS, &[Read, Create, Modify, Delete, Move]),
    (API_KEYS, &[Read, Create, Delete]),
    (SYSTEM, &[Read, Modify]),
    (MESSAGES, &[Test]),
];

/// Every role but root and partner: what an admin may create and give.
const BELOW_ADMIN: &[Role] = &[
    Role::Admin,
    Role::Subscriber,
    Role::Csr,
    Role::System,
    Role::Installer,
    Role::Noc,
    Role::Accounting,
];

/// One role's rules; the only place they are written.
struct Row {
    role: Role,
    description: &'static str,
    reach: Reach,
    manages: &'static [Role],
    policy: &'static [(&'static str, &'static [ProfileAccess])],
}

const TABLE: [Row; 9] = [
    Row {
        role: Role::Root,
        description: "Everything, in every org.",
        reach: Reach::Everyone,
        manages: &Role::ALL,
        policy: EVERYTHING,
    },
    Row {
        role: Role::Admin,
        description: "The operators and subscribers of its own org; never a root or a partner.",
        reach: Reach::OwnOrg,
        manages: BELOW_ADMIN,
        policy: &[
            (USERS, &[Read, Create, Modify, Delete]),
            (SUBSCRIBERS, &[Read, Create, Modify, Delete]),
            (SYSTEM, &[Read]),
            (MESSAGES, &[Test]),
        ],
    },
    Row {
        role: Role::Subscriber,
        description: "Its own record only.",
        reach: Reach::Nobody,
        manages: &[],
        policy: &[],
    },
    Row {
        role: Role::Csr,
        description: "Reads the operators and subscribers of its org; edits subscribers \
                      (password resets, second factors, suspension); creates no operator.",
        reach: Reach::OwnOrg,
        manages: &[],
        policy: &[(USERS, &[Read]), (SUBSCRIBERS, &[Read, Modify])],
    },
    Row {
        role: Role::System,
        description: "Reads the operators, subscribers and system state of its org.",
        reach: Reach::OwnOrg,
        manages: &[],
        policy: &[(USERS, &[Read]), (SUBSCRIBERS, &[Read]), (SYSTEM, &[Read])],
    },
    Row {
        role: Role::Installer,
        description: "Reads the subscribers of its org.",
        reach: Reach::OwnOrg,
        manages: &[],
        policy: &[(SUBSCRIBERS, &[Read])],
    },
    Row {
        role: Role::Noc,
        description: "Reads the operators, subscribers and system state of its org.",
        reach: Reach::OwnOrg,
        manages: &[],
        policy: &[(USERS, &[Read]), (SUBSCRIBERS, &[Read]), (SYSTEM, &[Read])],
    },
    Row {
        role: Role::Accounting,
        description: "Reads the operators and subscribers of its org.",
        reach: Reach::OwnOrg,
        manages: &[],
        policy: &[(USERS, &[Read]), (SUBSCRIBERS, &[Read])],
    },
    Row {
        role: Role::Partner,
        description: "Reads the operators, subscribers and system state of its org; sends \
                      test messages.",
        reach: Reach::OwnOrg,
        manages: &[],
        policy: &[
            (USERS, &[Read]),
            (SUBSCRIBERS, &[Read]),
            (SYSTEM, &[Read]),
            (MESSAGES, &[Test]),
        ],
    },
];

impl Row {
    fn profile((row, id): (&Row, u64)) -> SecurityProfile {
        let policy = resource::ALL
            .into_iter()
            .flat_map(|resource| {
                let granted = row
                    .policy
                    .iter()
                    .find(|(r, _)| *r == resource)
                    .map_or(&[][..], |(_, accesses)| *accesses);
                let accesses = if granted.is_empty() {
                    &[ProfileAccess::None][..]
                } else {
                    granted
                };
                accesses
                    .iter()
                    .map(move |&access| ProfileAction { resource, access })
            })
            .collect::<Vec<_>>();
        SecurityProfile {
            id,
            name: row.role.as_str().to_owned(),
            description: row.description.to_owned(),
            role: row.role,
            scopes: scopes_of(&policy),
            policy,
            reach: row.reach,
            manages: row.manages.to_vec(),
        }
    }
}

/// The Credentials API scopes of a policy (the module's table).
fn scopes_of(policy: &[ProfileAction]) -> ScopeSet {
    policy
        .iter()
        .flat_map(|action| -> &'static [Scope] {
            match (action.resource, action.access) {
                (SUBSCRIBERS, Read) => &[Scope::CredentialsRead],
                (SUBSCRIBERS, Create) => &[Scope::CredentialsWrite],
                (SUBSCRIBERS, Modify) => &[
                    Scope::CredentialsWrite,
                    Scope::Tokens,
                    Scope::Otp,
                    Scope::Totp,
                    Scope::Devices,
                ],
                (SUBSCRIBERS, Delete | Move) => &[Scope::CredentialsAdmin],
                (SYSTEM, Modify) => &[Scope::TenantsAdmin, Scope::ClientsAdmin, Scope::KeysAdmin],
                _ => &[],
            }
        })
        .copied()
        .collect()
}

#[cfg(test)]
#[path = "profiles_tests.rs"]
mod tests;
