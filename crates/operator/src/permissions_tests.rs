#![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]

use super::*;
use crate::profiles::{profile, security_profiles};
use crate::tests::{operator, org};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Create,
    Modify,
    Delete,
}

const ALL: &str = "root admin subscriber csr system installer noc accounting partner";
const BELOW_ADMIN: &str = "admin subscriber csr system installer noc accounting";

/// Per actor role and operation: the target roles allowed in the actor's own org, then in
/// another org. Written out by hand from the spec's "Permissions", not from the profiles.
const EXPECTED: &[(Role, Op, &str, &str)] = &[
    (Role::Root, Op::Read, ALL, ALL),
    (Role::Root, Op::Create, ALL, ALL),
    (Role::Root, Op::Modify, ALL, ALL),
    (Role::Root, Op::Delete, ALL, ALL),
    (Role::Admin, Op::Read, ALL, ""),
    (Role::Admin, Op::Create, BELOW_ADMIN, ""),
    (Role::Admin, Op::Modify, BELOW_ADMIN, ""),
    (Role::Admin, Op::Delete, BELOW_ADMIN, ""),
    (Role::Subscriber, Op::Read, "", ""),
    (Role::Subscriber, Op::Create, "", ""),
    (Role::Subscriber, Op::Modify, "", ""),
    (Role::Subscriber, Op::Delete, "", ""),
    (Role::Csr, Op::Read, ALL, ""),
    (Role::Csr, Op::Create, "", ""),
    (Role::Csr, Op::Modify, "", ""),
    (Role::Csr, Op::Delete, "", ""),
    (Role::System, Op::Read, ALL, ""),
    (Role::System, Op::Create, "", ""),
    (Role::System, Op::Modify, "", ""),
    (Role::System, Op::Delete, "", ""),
    (Role::Installer, Op::Read, "", ""),
    (Role::Installer, Op::Create, "", ""),
    (Role::Installer, Op::Modify, "", ""),
    (Role::Installer, Op::Delete, "", ""),
    (Role::Noc, Op::Read, ALL, ""),
    (Role::Noc, Op::Create, "", ""),
    (Role::Noc, Op::Modify, "", ""),
    (Role::Noc, Op::Delete, "", ""),
    (Role::Accounting, Op::Read, ALL, ""),
    (Role::Accounting, Op::Create, "", ""),
    (Role::Accounting, Op::Modify, "", ""),
    (Role::Accounting, Op::Delete, "", ""),
    (Role::Partner, Op::Read, ALL, ""),
    (Role::Partner, Op::Create, "", ""),
    (Role::Partner, Op::Modify, "", ""),
    (Role::Partner, Op::Delete, "", ""),
];

/// What `actor` may do to an operator of `role` in `owner`.
fn decide(actor: &Operator, op: Op, role: Role, owner: &str) -> Result<(), OperatorError> {
    let target = operator(role, Some(owner));
    let edit = Edit {
        notes: true,
        status: true,
        ..Edit::default()
    };
    match op {
        Op::Read => can_read(actor, &target),
        // Where the new operator would be (`owner_of_new` decides that before the rule).
        Op::Create => can_create(actor, role, Some(&org(owner))),
        Op::Modify => can_modify(actor, &target, &edit),
        Op::Delete => can_delete(actor, &target),
    }
}

#[test]
fn every_role_on_every_role_in_its_org_and_in_another() {
    let mut checked = 0;
    for actor_role in Role::ALL {
        let actor = operator(actor_role, Some("acme"));
        for op in [Op::Read, Op::Create, Op::Modify, Op::Delete] {
            let (_, _, same, other) = EXPECTED
                .iter()
                .find(|(r, o, _, _)| *r == actor_role && *o == op)
                .unwrap_or_else(|| panic!("no expectation for {actor_role} {op:?}"));
            for target in Role::ALL {
                for (owner, allowed) in [("acme", same), ("globex", other)] {
                    let expected = allowed.split(' ').any(|r| r == target.as_str());
                    let got = decide(&actor, op, target, owner);
                    assert_eq!(
                        got.is_ok(),
                        expected,
                        "{actor_role} {op:?} {target} in {owner}: {got:?}"
                    );
                    if let Err(error) = got {
                        assert!(matches!(error, OperatorError::AccessDenied));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 9 * 4 * 9 * 2);
}

#[test]
fn everyone_reads_and_edits_its_own_profile_fields_and_nothing_else_of_itself() {
    for role in Role::ALL {
        let me = operator(role, Some("acme"));
        assert!(can_read(&me, &me).is_ok(), "{role}");
        let own = Edit {
            own_fields: true,
            ..Edit::default()
        };
        assert!(can_modify(&me, &me, &own).is_ok(), "{role}");
        let other_role = if role == Role::Root {
            Role::Admin
        } else {
            Role::Root
        };
        for forbidden in [
            Edit {
                role: Some(other_role),
                ..Edit::default()
            },
            Edit {
                owner: Some(Some(org("globex"))),
                ..Edit::default()
            },
            Edit {
                owner: Some(None),
                ..Edit::default()
            },
            Edit {
                status: true,
                ..Edit::default()
            },
            Edit {
                notes: true,
                ..Edit::default()
            },
            Edit {
                change_password: true,
                ..Edit::default()
            },
        ] {
            assert!(
                matches!(
                    can_modify(&me, &me, &forbidden),
                    Err(OperatorError::AccessDenied)
                ),
                "{role} {forbidden:?}"
            );
        }
        assert!(
            matches!(can_delete(&me, &me), Err(OperatorError::AccessDenied)),
            "{role} deletes itself"
        );
    }
}

#[test]
fn an_admin_never_raises_anyone_above_its_own_role_nor_moves_them_out_of_its_org() {
    let admin = operator(Role::Admin, Some("acme"));
    let csr = operator(Role::Csr, Some("acme"));
    for role in [Role::Root, Role::Partner] {
        let edit = Edit {
            role: Some(role),
            ..Edit::default()
        };
        assert!(can_modify(&admin, &csr, &edit).is_err(), "{role}");
    }
    let edit = Edit {
        role: Some(Role::Admin),
        ..Edit::default()
    };
    assert!(can_modify(&admin, &csr, &edit).is_ok());
    for owner in [Some(org("globex")), None] {
        let edit = Edit {
            owner: Some(owner),
            ..Edit::default()
        };
        assert!(can_modify(&admin, &csr, &edit).is_err());
    }
    let root = operator(Role::Root, None);
    let edit = Edit {
        role: Some(Role::Root),
        owner: Some(Some(org("globex"))),
        ..Edit::default()
    };
    assert!(can_modify(&root, &csr, &edit).is_ok());
}

#[test]
fn the_owner_of_a_new_operator_is_the_servers_choice() {
    let admin = operator(Role::Admin, Some("acme"));
    assert_eq!(owner_of_new(&admin, Some(org("globex"))), Some(org("acme")));
    assert_eq!(owner_of_new(&admin, None), Some(org("acme")));
    let root = operator(Role::Root, Some("acme"));
    assert_eq!(
        owner_of_new(&root, Some(org("globex"))),
        Some(org("globex"))
    );
    assert_eq!(owner_of_new(&root, None), None);
}

#[test]
fn an_operator_without_an_org_reaches_nobody_but_itself() {
    let admin = operator(Role::Admin, None);
    let orphan = operator(Role::Csr, None);
    assert!(can_read(&admin, &orphan).is_err());
    assert!(can_create(&admin, Role::Csr, owner_of_new(&admin, None).as_ref()).is_err());
    let query = visible(&admin, OperatorQuery::default()).unwrap();
    assert_eq!(query.ids, Some(vec![admin.id]));
}

#[test]
fn listings_are_narrowed_to_what_the_actor_reads() {
    let root = operator(Role::Root, None);
    let query = OperatorQuery {
        owner: Some(org("globex")),
        ..OperatorQuery::default()
    };
    assert_eq!(visible(&root, query.clone()), Some(query.clone()));
    let admin = operator(Role::Admin, Some("acme"));
    assert_eq!(visible(&admin, query), None);
    let narrowed = visible(&admin, OperatorQuery::default()).unwrap();
    assert_eq!(narrowed.owner, Some(org("acme")));
    let installer = operator(Role::Installer, Some("acme"));
    let own = visible(&installer, OperatorQuery::default()).unwrap();
    assert_eq!(own.ids, Some(vec![installer.id]));
    let others = OperatorQuery {
        ids: Some(vec![admin.id]),
        ..OperatorQuery::default()
    };
    assert_eq!(visible(&installer, others), None);
}

#[test]
fn api_keys_are_their_operators_and_roots() {
    let root = operator(Role::Root, None);
    let admin = operator(Role::Admin, Some("acme"));
    let csr = operator(Role::Csr, Some("acme"));
    for access in [
        ProfileAccess::Read,
        ProfileAccess::Create,
        ProfileAccess::Delete,
    ] {
        assert!(can_manage_keys(&csr, &csr, access).is_ok());
        assert!(can_manage_keys(&root, &csr, access).is_ok());
        assert!(can_manage_keys(&admin, &csr, access).is_err());
        assert!(can_manage_keys(&csr, &admin, access).is_err());
    }
}

/// The published profiles can never drift from the rules: on a target the actor reaches and
/// manages, each rule answers exactly what the profile's `users` policy says.
#[test]
fn the_rules_answer_what_the_published_profiles_say() {
    for published in security_profiles() {
        let actor = operator(published.role, Some("acme"));
        assert_eq!(profile(published.role), &published);
        for target_role in Role::ALL {
            let target = operator(target_role, Some("acme"));
            let managed = published.manages.contains(&target_role);
            let reached = published.reach != Reach::Nobody;
            let says = |access| published.allows(resource::USERS, access);
            assert_eq!(
                can_read(&actor, &target).is_ok(),
                reached && says(ProfileAccess::Read)
            );
            assert_eq!(
                decide(&actor, Op::Create, target_role, "acme").is_ok(),
                reached && managed && says(ProfileAccess::Create)
            );
            assert_eq!(
                decide(&actor, Op::Modify, target_role, "acme").is_ok(),
                reached && managed && says(ProfileAccess::Modify)
            );
            assert_eq!(
                can_delete(&actor, &target).is_ok(),
                reached && managed && says(ProfileAccess::Delete)
            );
        }
    }
}
