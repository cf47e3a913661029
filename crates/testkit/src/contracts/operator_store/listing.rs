//! [`OperatorStore::list`] and [`OperatorStore::count`]: "The operators `query` selects, in its
//! order (by `created`, then `id`), after skipping `offset` and at most `limit` of them"; "How
//! many operators `query` selects, ignoring `offset` and `limit`."

use super::{OperatorStores, at};
use crate::contracts::{begin, ok};
use crate::fixtures::{operator, org, uuid};
use latchkey_operator::{Operator, OperatorQuery, OperatorStore, Role};
use std::future::Future;
use uuid::Uuid;

/// Runs every check of this module, each on fresh stores from `make`.
pub async fn run<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = OperatorStores>,
{
    let port = "OperatorStore";
    begin(port, "list_orders_by_created_then_id_and_newest_reverses");
    list_orders_by_created_then_id_and_newest_reverses(&make().await).await;
    begin(port, "list_filters_and_count_agree");
    list_filters_and_count_agree(&make().await).await;
    begin(port, "searches_are_case_insensitive_and_literal");
    searches_are_case_insensitive_and_literal(&make().await).await;
    begin(port, "offset_and_limit_page_the_list_but_not_the_count");
    offset_and_limit_page_the_list_but_not_the_count(&make().await).await;
}

/// Six operators: created at minutes 2, 1, 1, 0, 3, 1 (ties broken by id), in two orgs and none,
/// with names and e-mails to search.
async fn populate(store: &dyn OperatorStore) -> Vec<Operator> {
    let rows: [(u128, &str, &str, Option<&str>, i64); 6] = [
        (0x60, "Ana Pérez", "ana@masmovil.com", Some("masmovil"), 2),
        (0x30, "Bob Stone", "bob@yoigo.com", Some("yoigo"), 1),
        (0x10, "Carol ANA", "carol@masmovil.com", Some("masmovil"), 1),
        (0x50, "Dave", "dave@example.com", None, 0),
        (0x40, "Eve_Adams", "eve.ana@yoigo.com", Some("yoigo"), 3),
        (
            0x20,
            "Frank 100%",
            "frank@masmovil.com",
            Some("masmovil"),
            1,
        ),
    ];
    let mut all = Vec::new();
    for (id, name, email, owner, created) in rows {
        let o = Operator {
            name: name.to_owned(),
            owner: owner.map(org),
            created: at(created),
            modified: at(created),
            ..operator(Uuid::from_u128(id), email, Role::Csr)
        };
        ok(store.insert(&o).await, "insert");
        all.push(o);
    }
    all
}

fn ids(operators: &[Operator]) -> Vec<u128> {
    operators.iter().map(|o| o.id.as_u128()).collect()
}

async fn listed(store: &dyn OperatorStore, query: &OperatorQuery) -> Vec<u128> {
    ids(&ok(store.list(query).await, "list"))
}

async fn counted(store: &dyn OperatorStore, query: &OperatorQuery) -> u64 {
    ok(store.count(query).await, "count")
}

/// Oldest first by `created`, ties by id; `newest_first` is the exact reverse. Every field of a
/// listed operator is as stored.
pub async fn list_orders_by_created_then_id_and_newest_reverses(stores: &OperatorStores) {
    let store = &*stores.operators;
    let all = populate(store).await;
    let everything = OperatorQuery::default();
    let oldest = ok(store.list(&everything).await, "list");
    assert_eq!(
        ids(&oldest),
        vec![0x50, 0x10, 0x20, 0x30, 0x60, 0x40],
        "by created, then id"
    );
    for o in &oldest {
        assert!(all.contains(o), "a listed operator is as stored: {o:?}");
    }
    let newest = OperatorQuery {
        newest_first: true,
        ..OperatorQuery::default()
    };
    assert_eq!(
        listed(store, &newest).await,
        vec![0x40, 0x60, 0x30, 0x20, 0x10, 0x50],
        "newest first is the reverse order"
    );
    assert_eq!(counted(store, &everything).await, 6);
}

/// `owner`, `ids`, `name_contains` and `email_contains` each narrow the selection, together
/// they all apply, and `count` counts what `list` lists.
pub async fn list_filters_and_count_agree(stores: &OperatorStores) {
    let store = &*stores.operators;
    populate(store).await;
    let cases: Vec<(OperatorQuery, Vec<u128>, &str)> = vec![
        (
            OperatorQuery {
                owner: Some(org("masmovil")),
                ..OperatorQuery::default()
            },
            vec![0x10, 0x20, 0x60],
            "owner",
        ),
        (
            OperatorQuery {
                ids: Some(vec![Uuid::from_u128(0x40), Uuid::from_u128(0x50), uuid(99)]),
                ..OperatorQuery::default()
            },
            vec![0x50, 0x40],
            "ids (an unknown one selects nothing)",
        ),
        (
            OperatorQuery {
                ids: Some(Vec::new()),
                ..OperatorQuery::default()
            },
            vec![],
            "no ids select nothing",
        ),
        (
            OperatorQuery {
                name_contains: Some("ana".to_owned()),
                ..OperatorQuery::default()
            },
            vec![0x10, 0x60],
            "name_contains",
        ),
        (
            OperatorQuery {
                email_contains: Some("ANA".to_owned()),
                ..OperatorQuery::default()
            },
            vec![0x60, 0x40],
            "email_contains",
        ),
        (
            OperatorQuery {
                owner: Some(org("yoigo")),
                email_contains: Some("ana".to_owned()),
                ids: Some(vec![Uuid::from_u128(0x40), Uuid::from_u128(0x60)]),
                ..OperatorQuery::default()
            },
            vec![0x40],
            "owner, ids and email_contains together",
        ),
        (
            OperatorQuery {
                owner: Some(org("yoigo")),
                name_contains: Some("ana".to_owned()),
                ..OperatorQuery::default()
            },
            vec![],
            "owner and name_contains together",
        ),
    ];
    for (query, expected, what) in cases {
        assert_eq!(listed(store, &query).await, expected, "{what}");
        assert_eq!(
            counted(store, &query).await,
            expected.len() as u64,
            "count of {what}"
        );
    }
}

/// The searches compare case-insensitively and take `%`, `_` and `\` as themselves.
pub async fn searches_are_case_insensitive_and_literal(stores: &OperatorStores) {
    let store = &*stores.operators;
    populate(store).await;
    let by_name = |s: &str| OperatorQuery {
        name_contains: Some(s.to_owned()),
        ..OperatorQuery::default()
    };
    let by_email = |s: &str| OperatorQuery {
        email_contains: Some(s.to_owned()),
        ..OperatorQuery::default()
    };
    for (query, expected, what) in [
        (by_name("BOB s"), vec![0x30], "a name in another case"),
        (
            by_name("_"),
            vec![0x40],
            "`_` is an underscore, not any character",
        ),
        (
            by_name("%"),
            vec![0x20],
            "`%` is a percent sign, not anything",
        ),
        (by_name("\\"), vec![], "`\\` is a backslash"),
        (
            by_email("."),
            vec![0x50, 0x10, 0x20, 0x30, 0x60, 0x40],
            "every e-mail has a dot",
        ),
        (by_email("E.A"), vec![0x40], "an e-mail in another case"),
        (by_email("_"), vec![], "no e-mail has an underscore"),
    ] {
        assert_eq!(listed(store, &query).await, expected, "{what}");
    }
}

/// `offset` skips, `limit` caps, both after ordering and filtering; `count` ignores both.
pub async fn offset_and_limit_page_the_list_but_not_the_count(stores: &OperatorStores) {
    let store = &*stores.operators;
    populate(store).await;
    let page = |offset, limit, newest_first| OperatorQuery {
        offset,
        limit,
        newest_first,
        ..OperatorQuery::default()
    };
    for (query, expected) in [
        (page(0, Some(2), false), vec![0x50, 0x10]),
        (page(2, Some(3), false), vec![0x20, 0x30, 0x60]),
        (page(4, None, false), vec![0x60, 0x40]),
        (page(5, Some(10), false), vec![0x40]),
        (page(6, Some(10), false), vec![]),
        (page(0, Some(0), false), vec![]),
        (page(1, Some(2), true), vec![0x60, 0x30]),
    ] {
        assert_eq!(listed(store, &query).await, expected, "{query:?}");
        assert_eq!(
            counted(store, &query).await,
            6,
            "count ignores paging: {query:?}"
        );
    }
    let masmovil = OperatorQuery {
        owner: Some(org("masmovil")),
        offset: 1,
        limit: Some(1),
        ..OperatorQuery::default()
    };
    assert_eq!(
        listed(store, &masmovil).await,
        vec![0x20],
        "paging after filtering"
    );
    assert_eq!(counted(store, &masmovil).await, 3);
}
