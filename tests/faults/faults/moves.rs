//! kill -9 in the middle of moves: many credentials moved between two tenants at once, the
//! server killed with SIGKILL while they run, started again: every credential is in exactly one
//! tenant with its id, every move answered 200 before the kill stayed done, and every move
//! the kill cut can be made again (nothing left half-done holds it).

use crate::create_credential;
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use latchkey_faults::{ChildServer, PrivatePostgres, Remote};
use latchkey_tests::{credential_path, segment};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Credentials moved at once.
const MOVES: usize = 160;
/// Answers awaited before the kill: the rest are in flight or not sent yet.
const KILL_AFTER: usize = 20;

fn username(i: usize) -> String {
    format!("mover{i:03}@example.com")
}

/// Where each credential is after the restart: `(in masmovil, in yoigo, found by discover)`.
async fn whereabouts(
    api: &Remote,
    admin: &str,
    user: &str,
) -> (Option<String>, Option<String>, usize) {
    let mut found = [None, None];
    for (slot, org) in found.iter_mut().zip(["masmovil", "yoigo"]) {
        let answer = api
            .call("GET", &credential_path(org, user), Some(admin), None)
            .await;
        match answer.code() {
            200 => *slot = Some(answer.json()["id"].as_str().unwrap().to_owned()),
            404 => {}
            other => panic!("GET {user} in {org}: {other} {}", answer.text()),
        }
    }
    let discover = format!("/v1/orgs/masmovil/credentials/discover/{}", segment(user));
    let answer = api.call("GET", &discover, Some(admin), None).await;
    let listed = answer.expect_json(200).as_array().unwrap().len();
    let [origin, destination] = found;
    (origin, destination, listed)
}

#[actix_rt::test]
#[ignore = "a fault test: `just test-faults`"]
async fn kill_9_in_the_middle_of_moves_leaves_every_credential_in_exactly_one_tenant() {
    let postgres = PrivatePostgres::start();
    let mut server = ChildServer::start(&[("LATCHKEY_DATABASE_URL", &postgres.url())]);
    let api = server.remote();
    let admin = api.admin_token().await;
    let mut ids = BTreeMap::new();
    for i in 0..MOVES {
        let user = username(i);
        let id = create_credential(&api, &admin, "masmovil", &user).await;
        ids.insert(user, id);
    }

    let body = json!({"destinationOrg": "yoigo"});
    let mut moves: FuturesUnordered<_> = ids
        .keys()
        .map(|user| {
            let path = format!("/v1/orgs/masmovil/credentials/move/{}", segment(user));
            let (api, admin, body) = (&api, &admin, &body);
            async move {
                (
                    user.clone(),
                    api.try_call("POST", &path, Some(admin), Some(body)).await,
                )
            }
        })
        .collect();
    let mut moved = BTreeSet::new();
    let mut answered = 0;
    while let Some((user, result)) = moves.next().await {
        if let Ok(answer) = result {
            assert_eq!(answer.code(), 200, "move of {user}: {}", answer.text());
            moved.insert(user);
            answered += 1;
        }
        if answered == KILL_AFTER {
            server.kill();
            break;
        }
    }
    // What was in flight: cut, or answered just before the kill landed.
    while let Some((user, result)) = moves.next().await {
        if let Ok(answer) = result {
            assert_eq!(answer.code(), 200, "move of {user}: {}", answer.text());
            moved.insert(user);
        }
    }
    drop(moves);
    eprintln!("{} of {MOVES} moves answered before the kill", moved.len());
    assert!(
        moved.len() < MOVES,
        "the kill came after every move: nothing was cut"
    );

    server.restart();
    let api = server.remote();
    let admin = api.admin_token().await;
    let mut cut = Vec::new();
    for (user, id) in &ids {
        let (origin, destination, listed) = whereabouts(&api, &admin, user).await;
        let place = match (origin, destination) {
            (Some(found), None) => {
                assert!(
                    !moved.contains(user),
                    "{user}: answered moved, yet in masmovil"
                );
                cut.push(user.clone());
                found
            }
            (None, Some(found)) => found,
            (origin, destination) => {
                panic!("{user}: in masmovil {origin:?}, in yoigo {destination:?}")
            }
        };
        assert_eq!(&place, id, "{user} keeps its id");
        assert_eq!(listed, 1, "{user}: discover lists it {listed} times");
    }
    eprintln!("{} moves were cut and not done", cut.len());
    // A cut move left nothing behind that would stop it: it is made again, once.
    for user in &cut {
        let path = format!("/v1/orgs/masmovil/credentials/move/{}", segment(user));
        let answer = api.call("POST", &path, Some(&admin), Some(&body)).await;
        assert_eq!(
            answer.code(),
            200,
            "move of {user} again: {}",
            answer.text()
        );
        let (origin, destination, listed) = whereabouts(&api, &admin, user).await;
        assert_eq!(
            (origin, destination.as_ref(), listed),
            (None, ids.get(user), 1),
            "{user}"
        );
    }
}
