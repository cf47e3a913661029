//! `AvatarStore` and `PreferenceStore`: one avatar and one preference list per holder (an
//! operator, or a credential of one org), refused for a holder that does not exist, gone with
//! a deleted operator.

use super::{SubscriberStores, at, masmovil, subscriber, yoigo};
use crate::contracts::{assert_not_found, begin, ok};
use crate::fixtures::{avatar, operator, preferences, uuid};
use latchkey_operator::{Role, Write};
use latchkey_subscriber::{Avatar, Holder, ImageType};
use std::future::Future;

pub(super) async fn run<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SubscriberStores>,
{
    begin(
        "AvatarStore",
        "avatars_round_trip_per_holder_and_are_replaced",
    );
    avatars_round_trip_per_holder_and_are_replaced(&make().await).await;
    begin("AvatarStore", "an_avatar_of_the_largest_size_round_trips");
    an_avatar_of_the_largest_size_round_trips(&make().await).await;
    begin("AvatarStore", "avatar_delete_answers_whether_there_was_one");
    avatar_delete_answers_whether_there_was_one(&make().await).await;
    begin(
        "PreferenceStore",
        "preferences_round_trip_per_holder_and_are_replaced",
    );
    preferences_round_trip_per_holder_and_are_replaced(&make().await).await;
    begin("PreferenceStore", "preference_delete_removes_them");
    preference_delete_removes_them(&make().await).await;
    begin(
        "AvatarStore",
        "media_need_their_holder_and_go_with_a_deleted_operator",
    );
    media_need_their_holder_and_go_with_a_deleted_operator(&make().await).await;
}

/// An operator (`uuid(50)`, an admin) and a subscriber (`uuid(1)` of masmovil).
async fn holders(stores: &SubscriberStores) -> (Holder, Holder) {
    let admin = operator(uuid(50), "admin@example.com", Role::Admin);
    let written = ok(stores.operators.insert(&admin).await, "insert operator");
    assert_eq!(written, Write::Done, "insert operator");
    subscriber(stores, &masmovil(), 1, "ana@example.com", 0).await;
    (
        Holder::Operator(uuid(50)),
        Holder::Subscriber(masmovil(), uuid(1)),
    )
}

pub async fn avatars_round_trip_per_holder_and_are_replaced(stores: &SubscriberStores) {
    let (op, sub) = holders(stores).await;
    let avatars = &stores.avatars;
    let svg = Avatar {
        image_type: ImageType::Svg,
        name: "face.svg".to_owned(),
        bytes: b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
        created: at(1),
    };
    ok(avatars.put(&op, avatar(100)).await, "put operator's");
    ok(avatars.put(&sub, svg.clone()).await, "put subscriber's");
    assert_eq!(
        ok(avatars.get(&op).await, "get"),
        Some(avatar(100)),
        "operator's avatar"
    );
    assert_eq!(
        ok(avatars.get(&sub).await, "get"),
        Some(svg),
        "subscriber's avatar, every field"
    );
    let elsewhere = Holder::Subscriber(yoigo(), uuid(1));
    assert_eq!(
        ok(avatars.get(&elsewhere).await, "get"),
        None,
        "an avatar belongs to its org"
    );
    let replacement = Avatar {
        image_type: ImageType::Jpeg,
        created: at(2),
        ..avatar(7)
    };
    ok(avatars.put(&sub, replacement.clone()).await, "put again");
    assert_eq!(
        ok(avatars.get(&sub).await, "get"),
        Some(replacement),
        "a put replaces"
    );
    assert_eq!(
        ok(avatars.get(&op).await, "get"),
        Some(avatar(100)),
        "others stay"
    );
}

pub async fn an_avatar_of_the_largest_size_round_trips(stores: &SubscriberStores) {
    let (_, sub) = holders(stores).await;
    let largest = avatar(Avatar::MAX_BYTES - 8);
    assert_eq!(largest.bytes.len(), Avatar::MAX_BYTES);
    ok(stores.avatars.put(&sub, largest.clone()).await, "put 2 MiB");
    let got = ok(stores.avatars.get(&sub).await, "get");
    assert!(
        got == Some(largest),
        "a 2 MiB avatar comes back byte for byte"
    );
}

pub async fn avatar_delete_answers_whether_there_was_one(stores: &SubscriberStores) {
    let (op, sub) = holders(stores).await;
    let avatars = &stores.avatars;
    ok(avatars.put(&op, avatar(1)).await, "put");
    ok(avatars.put(&sub, avatar(2)).await, "put");
    assert!(ok(avatars.delete(&sub).await, "delete"), "there was one");
    assert_eq!(ok(avatars.get(&sub).await, "get"), None, "deleted");
    assert!(
        !ok(avatars.delete(&sub).await, "delete again"),
        "there was none"
    );
    assert_eq!(
        ok(avatars.get(&op).await, "get"),
        Some(avatar(1)),
        "others stay"
    );
}

pub async fn preferences_round_trip_per_holder_and_are_replaced(stores: &SubscriberStores) {
    let (op, sub) = holders(stores).await;
    let prefs = &stores.preferences;
    let first = preferences(&[("theme", "dark"), ("lang", "es"), ("quote", "\"x\" 'y' ü")]);
    ok(
        prefs.put(&op, preferences(&[("a", "1")])).await,
        "put operator's",
    );
    ok(prefs.put(&sub, first.clone()).await, "put subscriber's");
    assert_eq!(
        ok(prefs.get(&sub).await, "get"),
        Some(first),
        "every entry, in order"
    );
    let elsewhere = Holder::Subscriber(yoigo(), uuid(1));
    assert_eq!(
        ok(prefs.get(&elsewhere).await, "get"),
        None,
        "they belong to their org"
    );
    let mut second = preferences(&[("lang", "en")]);
    second.modified = at(3);
    ok(prefs.put(&sub, second.clone()).await, "put again");
    assert_eq!(
        ok(prefs.get(&sub).await, "get"),
        Some(second),
        "a put replaces the whole list"
    );
    let mut empty = preferences(&[]);
    empty.modified = at(4);
    ok(prefs.put(&sub, empty.clone()).await, "put none");
    assert_eq!(
        ok(prefs.get(&sub).await, "get"),
        Some(empty),
        "an empty list is kept as such"
    );
    assert_eq!(
        ok(prefs.get(&op).await, "get"),
        Some(preferences(&[("a", "1")])),
        "others stay"
    );
}

pub async fn preference_delete_removes_them(stores: &SubscriberStores) {
    let (op, sub) = holders(stores).await;
    let prefs = &stores.preferences;
    ok(prefs.put(&op, preferences(&[("a", "1")])).await, "put");
    ok(prefs.put(&sub, preferences(&[("b", "2")])).await, "put");
    ok(prefs.delete(&op).await, "delete");
    assert_eq!(ok(prefs.get(&op).await, "get"), None, "deleted");
    ok(prefs.delete(&op).await, "deleting none is not an error");
    assert!(ok(prefs.get(&sub).await, "get").is_some(), "others stay");
}

pub async fn media_need_their_holder_and_go_with_a_deleted_operator(stores: &SubscriberStores) {
    let (op, sub) = holders(stores).await;
    let ghost_operator = Holder::Operator(uuid(51));
    let ghost_subscriber = Holder::Subscriber(yoigo(), uuid(1));
    for holder in [&ghost_operator, &ghost_subscriber] {
        assert_not_found(
            stores.avatars.put(holder, avatar(1)).await,
            "an avatar for a holder that does not exist",
        );
        assert_not_found(
            stores
                .preferences
                .put(holder, preferences(&[("a", "1")]))
                .await,
            "preferences for a holder that does not exist",
        );
    }
    ok(stores.avatars.put(&op, avatar(1)).await, "put");
    ok(
        stores
            .preferences
            .put(&op, preferences(&[("a", "1")]))
            .await,
        "put",
    );
    ok(stores.avatars.put(&sub, avatar(2)).await, "put");
    let deleted = ok(stores.operators.delete(uuid(50)).await, "delete operator");
    assert_eq!(deleted, Write::Done, "delete operator");
    assert_eq!(
        ok(stores.avatars.get(&op).await, "get"),
        None,
        "the avatar went with its operator"
    );
    assert_eq!(
        ok(stores.preferences.get(&op).await, "get"),
        None,
        "the preferences went with their operator"
    );
    assert!(
        ok(stores.avatars.get(&sub).await, "get").is_some(),
        "a subscriber's avatar stays"
    );
}
