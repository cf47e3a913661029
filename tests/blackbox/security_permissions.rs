//! The permission rules of the security service's "Permissions" section, over HTTP: for each
//! actor role × action (list, read, create each role, modify role / suspension / notes, delete)
//! × target (an operator of the actor's org, of another org, itself) → 200, or 403 with
//! `ErrorCode` 7. Every operator but the first root is created through the API by that root.
//!
//! The expectations are written out here from the spec, not read from the server: `root` does
//! everything in every org; `admin` manages every role but `root` and `partner` in its own org;
//! `csr`, `noc`, `accounting`, `system` and `partner` read the operators of their org;
//! `installer` and `subscriber` see themselves only; nobody changes its own role, suspension or
//! notes, nor deletes itself; everyone edits its own name.

use crate::security_users::{
    PASSWORD, bearer, expect_code, oauth2_me, operator, root_token, sign_in, start,
};
use latchkey_tests::{Answer, TestServer};
use serde_json::{Value, json};

const ROLES: [&str; 9] = [
    "root",
    "admin",
    "subscriber",
    "csr",
    "system",
    "installer",
    "noc",
    "accounting",
    "partner",
];

/// The actor's org; the other org is `yoigo`.
const ORG: &str = "masmovil";
const OTHER: &str = "yoigo";

/// What a role may do to operators other than itself, as the spec says.
struct Rights {
    /// Every org (`root`), else its own.
    everywhere: bool,
    /// Reads the operators within its reach.
    reads: bool,
    /// The roles it creates, modifies, deletes and gives.
    manages: &'static [&'static str],
}

fn rights(role: &str) -> Rights {
    let below_admin: &'static [&'static str] = &[
        "admin",
        "subscriber",
        "csr",
        "system",
        "installer",
        "noc",
        "accounting",
    ];
    match role {
        "root" => Rights {
            everywhere: true,
            reads: true,
            manages: &ROLES,
        },
        "admin" => Rights {
            everywhere: false,
            reads: true,
            manages: below_admin,
        },
        "csr" | "system" | "noc" | "accounting" | "partner" => Rights {
            everywhere: false,
            reads: true,
            manages: &[],
        },
        "installer" | "subscriber" => Rights {
            everywhere: false,
            reads: false,
            manages: &[],
        },
        other => panic!("no role {other}"),
    }
}

/// Asserts 200 when `allowed`, else 403 with `ErrorCode` 7; the answer.
fn expect(answer: Answer, allowed: bool, what: &str) -> Answer {
    if allowed {
        assert_eq!(
            answer.code(),
            200,
            "{what} should be allowed: {}",
            answer.text()
        );
    } else {
        assert_eq!(
            answer.code(),
            403,
            "{what} should be refused: {}",
            answer.text()
        );
        expect_code(&answer, 403, 7);
    }
    answer
}

fn id(user: &Value) -> String {
    user["id"].as_str().unwrap().to_owned()
}

/// Operators the root creates for one actor to act on: one to read, one to modify, one to
/// delete, in `org`, each a `noc` (a role every manager manages).
struct Targets {
    read: String,
    modify: String,
    delete: String,
}

async fn targets(server: &TestServer, root: &str, org: &str) -> Targets {
    let make = |what: &'static str| async move {
        let email = format!("{what}@{org}.test");
        let body = json!({"email": email, "userRole": "noc"});
        let path = format!("/api/v1/user/0?entity={org}");
        id(&bearer(server, "POST", &path, root, Some(&body))
            .await
            .expect_json(200))
    };
    Targets {
        read: make("read").await,
        modify: make("modify").await,
        delete: make("delete").await,
    }
}

async fn check(role: &str) {
    let server = start().await;
    let root = root_token(&server).await;
    let (me, token) = if role == "root" {
        (id(&oauth2_me(&server, &root).await), root.clone())
    } else {
        let actor = operator(&server, &root, &format!("actor@{ORG}.test"), role, ORG).await;
        let token = sign_in(&server, &format!("actor@{ORG}.test"), PASSWORD).await;
        (id(&actor), token)
    };
    let rights = rights(role);
    let same = targets(&server, &root, ORG).await;
    let other = targets(&server, &root, OTHER).await;
    let user = |id: &str| format!("/api/v1/user/{id}");
    let as_actor = |method: &'static str, path: String, body: Option<Value>| {
        let (server, token) = (&server, &token);
        async move { bearer(server, method, &path, token, body.as_ref()).await }
    };

    // List: itself always; its org's operators when it reads them; another org's for root.
    let list = as_actor("GET", "/api/v1/users".into(), None)
        .await
        .expect_json(200);
    let listed: Vec<String> = list["users"].as_array().unwrap().iter().map(id).collect();
    assert!(listed.contains(&me), "{role} lists itself: {list}");
    assert_eq!(
        listed.contains(&same.read),
        rights.reads,
        "{role} lists its org: {list}"
    );
    assert_eq!(
        listed.contains(&other.read),
        rights.everywhere,
        "{role} lists another org: {list}"
    );

    // Read.
    expect(
        as_actor("GET", user(&me), None).await,
        true,
        "reading itself",
    );
    expect(
        as_actor("GET", user(&same.read), None).await,
        rights.reads,
        "reading its org",
    );
    let other_read = rights.reads && rights.everywhere;
    expect(
        as_actor("GET", user(&other.read), None).await,
        other_read,
        "reading another org",
    );

    // Create each role in its org; in another org, only root gets what it asks for.
    for created in ROLES {
        let body = json!({"email": format!("new-{created}@{ORG}.test"), "userRole": created});
        let answer = as_actor("POST", format!("/api/v1/user/0?entity={ORG}"), Some(body)).await;
        let allowed = rights.manages.contains(&created);
        let answer = expect(answer, allowed, &format!("{role} creating a {created}"));
        if allowed {
            assert_eq!(answer.json()["owner"], ORG, "{}", answer.text());
        }
    }
    let elsewhere = json!({"email": format!("new@{OTHER}.test"), "userRole": "noc"});
    let answer = as_actor(
        "POST",
        format!("/api/v1/user/0?entity={OTHER}"),
        Some(elsewhere),
    )
    .await;
    let answer = expect(
        answer,
        rights.manages.contains(&"noc"),
        "creating in another org",
    );
    if answer.code() == 200 {
        // Only root chooses the org; anyone else creates in its own, whatever it asked.
        let owner = if rights.everywhere { OTHER } else { ORG };
        assert_eq!(answer.json()["owner"], owner, "{}", answer.text());
    }

    // Modify: another's role, suspension and notes; never its own.
    let manages_noc = rights.manages.contains(&"noc");
    for (target, allowed) in [
        (&same.modify, manages_noc),
        (&other.modify, manages_noc && rights.everywhere),
    ] {
        for (change, what) in [
            (json!({"suspended": true}), "suspending"),
            (json!({"notes": [{"note": "checked"}]}), "noting"),
            (json!({"userRole": "accounting"}), "changing the role of"),
        ] {
            let answer = as_actor("PUT", user(target), Some(change)).await;
            expect(answer, allowed, &format!("{role} {what} {target}"));
        }
    }
    let another_role = if role == "accounting" {
        "noc"
    } else {
        "accounting"
    };
    for (change, what) in [
        (json!({"userRole": another_role}), "its own role"),
        (json!({"suspended": true}), "its own suspension"),
        (json!({"notes": [{"note": "me"}]}), "its own notes"),
    ] {
        expect(as_actor("PUT", user(&me), Some(change)).await, false, what);
    }
    let renamed = as_actor("PUT", user(&me), Some(json!({"name": "Renamed"}))).await;
    assert_eq!(
        expect(renamed, true, "its own name").json()["name"],
        "Renamed"
    );

    // Delete.
    expect(
        as_actor("DELETE", user(&same.delete), None).await,
        manages_noc,
        "deleting in its org",
    );
    let other_delete = manages_noc && rights.everywhere;
    expect(
        as_actor("DELETE", user(&other.delete), None).await,
        other_delete,
        "deleting elsewhere",
    );
    expect(
        as_actor("DELETE", user(&me), None).await,
        false,
        "deleting itself",
    );
}

#[actix_rt::test]
async fn root_does_everything_everywhere_but_to_itself() {
    check("root").await;
}

#[actix_rt::test]
async fn admin_manages_its_org_below_root_and_partner() {
    check("admin").await;
}

#[actix_rt::test]
async fn csr_reads_its_org_and_changes_no_operator() {
    check("csr").await;
}

#[actix_rt::test]
async fn noc_reads_its_org_and_changes_no_operator() {
    check("noc").await;
}

#[actix_rt::test]
async fn accounting_reads_its_org_and_changes_no_operator() {
    check("accounting").await;
}

#[actix_rt::test]
async fn system_reads_its_org_and_changes_no_operator() {
    check("system").await;
}

#[actix_rt::test]
async fn partner_reads_its_org_and_changes_no_operator() {
    check("partner").await;
}

#[actix_rt::test]
async fn installer_sees_itself_only() {
    check("installer").await;
}

#[actix_rt::test]
async fn subscriber_sees_itself_only() {
    check("subscriber").await;
}

#[actix_rt::test]
async fn an_admin_never_touches_a_root_or_a_partner_of_its_org() {
    let server = start().await;
    let root = root_token(&server).await;
    let admin_email = format!("admin@{ORG}.test");
    operator(&server, &root, &admin_email, "admin", ORG).await;
    let admin = sign_in(&server, &admin_email, PASSWORD).await;
    for role in ["root", "partner"] {
        let target = operator(&server, &root, &format!("{role}@{ORG}.test"), role, ORG).await;
        let path = format!("/api/v1/user/{}", id(&target));
        let suspend = bearer(
            &server,
            "PUT",
            &path,
            &admin,
            Some(&json!({"suspended": true})),
        )
        .await;
        expect(suspend, false, "suspending a root or partner");
        expect(
            bearer(&server, "DELETE", &path, &admin, None).await,
            false,
            "deleting one",
        );
    }
    let csr = operator(&server, &root, &format!("csr@{ORG}.test"), "csr", ORG).await;
    let promote = json!({"userRole": "root"});
    let path = format!("/api/v1/user/{}", id(&csr));
    expect(
        bearer(&server, "PUT", &path, &admin, Some(&promote)).await,
        false,
        "making a root",
    );
    let to_admin = bearer(
        &server,
        "PUT",
        &path,
        &admin,
        Some(&json!({"userRole": "admin"})),
    )
    .await;
    assert_eq!(
        expect(to_admin, true, "making an admin").json()["userRole"],
        "admin"
    );
}
