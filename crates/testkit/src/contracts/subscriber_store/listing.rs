//! `SubscriberProfileStore::list` and `count`: the live credentials of one org, joined with
//! their profiles, filtered, ordered by creation and paged.

use super::{SubscriberStores, masmovil, subscriber, yoigo};
use crate::contracts::{begin, ok};
use crate::fixtures::{T0, subscriber_profile, uuid};
use latchkey_subscriber::SubscriberQuery;
use std::future::Future;
use uuid::Uuid;

pub(super) async fn run<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SubscriberStores>,
{
    let port = "SubscriberProfileStore";
    begin(
        port,
        "list_holds_the_live_credentials_of_the_org_by_creation",
    );
    list_holds_the_live_credentials_of_the_org_by_creation(&make().await).await;
    begin(port, "list_pages_and_count_ignores_the_page");
    list_pages_and_count_ignores_the_page(&make().await).await;
    begin(port, "list_filters_by_ids_name_and_username");
    list_filters_by_ids_name_and_username(&make().await).await;
}

async fn listed(stores: &SubscriberStores, query: &SubscriberQuery) -> (Vec<Uuid>, u64) {
    let ids = ok(stores.profiles.list(&masmovil(), query).await, "list");
    let n = ok(stores.profiles.count(&masmovil(), query).await, "count");
    (ids, n)
}

/// Five credentials of masmovil (3 and 4 created at the same instant, 5 deleted), one of yoigo.
async fn populate(stores: &SubscriberStores) {
    subscriber(stores, &masmovil(), 1, "Ana.Garcia", 10).await;
    subscriber(stores, &masmovil(), 2, "bea@example.com", 5).await;
    subscriber(stores, &masmovil(), 3, "carla@example.com", 20).await;
    subscriber(stores, &masmovil(), 4, "dora@example.com", 20).await;
    subscriber(stores, &masmovil(), 5, "eva@example.com", 1).await;
    subscriber(stores, &yoigo(), 6, "ana@example.com", 0).await;
    let deleted = ok(
        stores.credentials.find_by_id(&masmovil(), uuid(5)).await,
        "find",
    )
    .unwrap_or_else(|| panic!("credential 5 was just inserted"));
    ok(
        stores
            .credentials
            .update(&masmovil(), deleted.deleted(T0))
            .await,
        "delete credential",
    );
    for (n, name) in [(1, "Ana García"), (3, "CARLA"), (5, "Eva")] {
        ok(
            stores
                .profiles
                .put(&masmovil(), subscriber_profile(uuid(n), name))
                .await,
            "put",
        );
    }
}

/// 3 and 4 share an instant: the lower id first, oldest first.
fn oldest_first() -> Vec<Uuid> {
    let (three, four) = if uuid(3) < uuid(4) {
        (uuid(3), uuid(4))
    } else {
        (uuid(4), uuid(3))
    };
    vec![uuid(2), uuid(1), three, four]
}

pub async fn list_holds_the_live_credentials_of_the_org_by_creation(stores: &SubscriberStores) {
    populate(stores).await;
    let (ids, n) = listed(stores, &SubscriberQuery::default()).await;
    assert_eq!(
        ids,
        oldest_first(),
        "every live credential of the org, with or without a profile, oldest first (then by id)"
    );
    assert_eq!(n, 4, "count: the live credentials of the org");
    let newest = SubscriberQuery {
        newest: true,
        ..SubscriberQuery::default()
    };
    let mut reversed = oldest_first();
    reversed.reverse();
    assert_eq!(
        listed(stores, &newest).await,
        (reversed, 4),
        "newest first is the exact reverse"
    );
    let empty = ok(
        stores
            .profiles
            .list(&crate::fixtures::org("lebara"), &SubscriberQuery::default())
            .await,
        "list an org without credentials",
    );
    assert!(empty.is_empty(), "an org without credentials lists none");
}

pub async fn list_pages_and_count_ignores_the_page(stores: &SubscriberStores) {
    populate(stores).await;
    let page = SubscriberQuery {
        offset: 1,
        limit: Some(2),
        ..SubscriberQuery::default()
    };
    assert_eq!(
        listed(stores, &page).await,
        (oldest_first()[1..3].to_vec(), 4),
        "offset and limit page the order; count ignores them"
    );
    let past = SubscriberQuery {
        offset: 10,
        ..SubscriberQuery::default()
    };
    assert_eq!(listed(stores, &past).await, (Vec::new(), 4), "past the end");
    let none = SubscriberQuery {
        limit: Some(0),
        ..SubscriberQuery::default()
    };
    assert_eq!(listed(stores, &none).await, (Vec::new(), 4), "limit 0");
}

pub async fn list_filters_by_ids_name_and_username(stores: &SubscriberStores) {
    populate(stores).await;
    let query = |f: fn(&mut SubscriberQuery)| {
        let mut q = SubscriberQuery::default();
        f(&mut q);
        q
    };
    let selected = query(|q| q.select = Some(vec![uuid(4), uuid(1), uuid(5), uuid(6), uuid(99)]));
    assert_eq!(
        listed(stores, &selected).await,
        (vec![uuid(1), uuid(4)], 2),
        "select: only those ids, live and of the org, in the listing's order"
    );
    let by_name = query(|q| q.name_search = Some("aR".to_owned()));
    assert_eq!(
        listed(stores, &by_name).await,
        (vec![uuid(1), uuid(3)], 2),
        "name_search: a case-insensitive substring of the profile's name"
    );
    let accented = query(|q| q.name_search = Some("GARCÍA".to_owned()));
    assert_eq!(
        listed(stores, &accented).await,
        (vec![uuid(1)], 1),
        "name_search folds non-ASCII letters too"
    );
    let by_email = query(|q| q.email_search = Some("A@EXAMPLE".to_owned()));
    assert_eq!(
        listed(stores, &by_email).await,
        (
            oldest_first()[0..1]
                .iter()
                .chain(&oldest_first()[2..])
                .copied()
                .collect(),
            3
        ),
        "email_search: a case-insensitive substring of the username"
    );
    let plain = query(|q| q.email_search = Some("ana.g".to_owned()));
    assert_eq!(
        listed(stores, &plain).await,
        (vec![uuid(1)], 1),
        "email_search folds a username that keeps its case"
    );
    let both = query(|q| {
        q.email_search = Some("example".to_owned());
        q.name_search = Some("carla".to_owned());
    });
    assert_eq!(
        listed(stores, &both).await,
        (vec![uuid(3)], 1),
        "filters combine"
    );
    let literal = query(|q| q.name_search = Some("%".to_owned()));
    assert_eq!(
        listed(stores, &literal).await,
        (Vec::new(), 0),
        "a search is plain text (% is no wildcard)"
    );
}
