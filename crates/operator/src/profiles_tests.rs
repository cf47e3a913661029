#![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]

use super::*;

fn accesses(profile: &SecurityProfile, resource: &str) -> Vec<ProfileAccess> {
    profile
        .policy
        .iter()
        .filter(|a| a.resource == resource)
        .map(|a| a.access)
        .collect()
}

#[test]
fn one_profile_per_role_in_the_order_of_the_roles() {
    let profiles = security_profiles();
    let roles: Vec<Role> = profiles.iter().map(|p| p.role).collect();
    assert_eq!(roles, Role::ALL.to_vec());
    for (profile, id) in profiles.iter().zip(1..) {
        assert_eq!(profile.id, id);
        assert_eq!(profile.name, profile.role.as_str());
        assert!(!profile.description.is_empty());
        assert_eq!(super::profile(profile.role), profile);
    }
}

#[test]
fn every_policy_speaks_of_every_resource_and_none_stands_alone() {
    for profile in security_profiles() {
        for resource in resource::ALL {
            let listed = accesses(&profile, resource);
            assert!(!listed.is_empty(), "{} {resource}", profile.name);
            if listed.contains(&ProfileAccess::None) {
                assert_eq!(listed, [ProfileAccess::None], "{} {resource}", profile.name);
            }
        }
        assert!(
            profile
                .policy
                .iter()
                .all(|a| resource::ALL.contains(&a.resource))
        );
    }
}

#[test]
fn nobody_manages_a_role_whose_rights_exceed_its_own() {
    for profile in security_profiles() {
        for managed in &profile.manages {
            let theirs = super::profile(*managed);
            for action in &theirs.policy {
                assert!(
                    action.access == ProfileAccess::None
                        || profile.allows(action.resource, action.access),
                    "{} manages {} who may {} {}",
                    profile.name,
                    theirs.name,
                    action.access.as_str(),
                    action.resource
                );
            }
            assert!(
                profile.reach == Reach::Everyone || theirs.reach != Reach::Everyone,
                "{} manages {}",
                profile.name,
                theirs.name
            );
            assert!(theirs.scopes.is_subset_of(profile.scopes));
        }
    }
}

#[test]
fn the_roles_rules_as_the_spec_says() {
    let root = profile(Role::Root);
    assert_eq!(root.reach, Reach::Everyone);
    assert_eq!(root.manages, Role::ALL.to_vec());
    let admin = profile(Role::Admin);
    assert_eq!(admin.reach, Reach::OwnOrg);
    assert!(!admin.manages.contains(&Role::Root));
    assert!(!admin.manages.contains(&Role::Partner));
    assert!(admin.manages.contains(&Role::Admin));
    let csr = profile(Role::Csr);
    assert!(csr.allows(resource::USERS, ProfileAccess::Read));
    assert!(!csr.allows(resource::USERS, ProfileAccess::Create));
    assert!(csr.allows(resource::SUBSCRIBERS, ProfileAccess::Modify));
    let subscriber = profile(Role::Subscriber);
    assert_eq!(subscriber.reach, Reach::Nobody);
    assert!(
        subscriber
            .policy
            .iter()
            .all(|a| a.access == ProfileAccess::None)
    );
    assert!(subscriber.scopes.is_empty());
    for role in [Role::Accounting, Role::Noc, Role::Installer, Role::System] {
        let profile = profile(role);
        assert!(profile.manages.is_empty(), "{role}");
        assert!(
            profile
                .policy
                .iter()
                .all(|a| matches!(a.access, ProfileAccess::None | ProfileAccess::Read)),
            "{role} only reads"
        );
    }
}

#[test]
fn profiles_map_onto_the_credentials_api_scopes() {
    let names = |role| profile(role).scopes.names();
    assert_eq!(names(Role::Accounting), ["credentials:read"]);
    assert_eq!(
        names(Role::Csr),
        [
            "credentials:read",
            "credentials:write",
            "tokens",
            "otp",
            "totp",
            "devices"
        ]
    );
    assert!(
        profile(Role::Admin)
            .scopes
            .contains(Scope::CredentialsAdmin)
    );
    assert!(!profile(Role::Admin).scopes.contains(Scope::TenantsAdmin));
    let root = profile(Role::Root).scopes;
    for scope in [Scope::TenantsAdmin, Scope::ClientsAdmin, Scope::KeysAdmin] {
        assert!(root.contains(scope), "{scope}");
    }
    // No OpenID Connect scope: those describe a customer, not what an operator may do.
    for profile in security_profiles() {
        assert!(profile.scopes.intersection(ScopeSet::OIDC).is_empty());
    }
}

#[test]
fn access_names_are_the_definitions() {
    let names: Vec<&str> = [
        ProfileAccess::None,
        ProfileAccess::Read,
        ProfileAccess::Modify,
        ProfileAccess::Delete,
        ProfileAccess::Create,
        ProfileAccess::Test,
        ProfileAccess::Move,
    ]
    .into_iter()
    .map(ProfileAccess::as_str)
    .collect();
    assert_eq!(
        names,
        ["NONE", "READ", "MODIFY", "DELETE", "CREATE", "TEST", "MOVE"]
    );
}
