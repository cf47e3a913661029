//! Avatars and preferences of operators (`public.operator_avatars`, `operator_preferences`) and
//! of subscribers (`subscriber_avatars`, `subscriber_preferences` of their tenant's schema):
//! the same columns, keyed by the operator's or the credential's id.

use crate::operator_keys::execute_for_holder;
use crate::row_columns::{ColumnValue, from_json, to_json, upsert_values};
use crate::statement::{Piece, TenantSql};
use crate::subscriber::run_statement;
use crate::{PgDatabase, QueryResult, corrupt};
use async_trait::async_trait;
use diesel::OptionalExtension as _;
use diesel::QueryableByName;
use diesel::sql_types::{Bytea, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use latchkey_core::{OrgId, StoreError, Timestamp};
use latchkey_subscriber::{
    Avatar, AvatarStore, Holder, ImageType, Preference, PreferenceStore, Preferences,
};
use scoped_futures::ScopedFutureExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a holder's rows are: the schema (`None`: `public`), the tables' prefix and key column,
/// and the key.
struct Place {
    org: Option<OrgId>,
    prefix: &'static str,
    key: &'static str,
    id: Uuid,
}

impl Place {
    fn of(holder: &Holder) -> Self {
        match holder {
            Holder::Operator(id) => Self {
                org: None,
                prefix: "operator",
                key: "operator_id",
                id: *id,
            },
            Holder::Subscriber(org, id) => Self {
                org: Some(org.clone()),
                prefix: "subscriber",
                key: "credential_id",
                id: *id,
            },
        }
    }

    /// `<table> WHERE <key> = $id`, the table being `<prefix>_<what>`.
    fn keyed(&self, head: &str, what: &str) -> TenantSql {
        TenantSql::new()
            .sql(format!(
                "{head} {}_{what} WHERE {} = ",
                self.prefix, self.key
            ))
            .bind(Piece::Uuid(self.id))
    }

    /// Creates or replaces the holder's row of `<prefix>_<what>` with these columns.
    fn upsert(&self, what: &str, values: Vec<ColumnValue>) -> TenantSql {
        upsert_values(
            &format!("{}_{what}", self.prefix),
            self.key,
            Piece::Uuid(self.id),
            values,
        )
    }
}

#[derive(QueryableByName)]
struct AvatarRow {
    #[diesel(sql_type = Text)]
    image_type: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bytea)]
    bytes: Vec<u8>,
    #[diesel(sql_type = Timestamptz)]
    created: Timestamp,
}

impl AvatarRow {
    fn into_domain(self) -> QueryResult<Avatar> {
        Ok(Avatar {
            image_type: ImageType::from_media_type(&self.image_type)
                .ok_or_else(|| corrupt("avatar's image type"))?,
            name: self.name,
            bytes: self.bytes,
            created: self.created,
        })
    }
}

#[derive(QueryableByName)]
struct PreferencesRow {
    #[diesel(sql_type = Text)]
    data: String,
    #[diesel(sql_type = Timestamptz)]
    modified: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct PreferenceJson {
    tag: String,
    value: String,
}

impl PreferencesRow {
    fn into_domain(self) -> QueryResult<Preferences> {
        let data: Vec<PreferenceJson> = from_json(&self.data, "preferences")?;
        Ok(Preferences {
            data: data
                .into_iter()
                .map(|p| Preference {
                    tag: p.tag,
                    value: p.value,
                })
                .collect(),
            modified: self.modified,
        })
    }
}

/// [`AvatarStore`] on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgAvatars {
    db: PgDatabase,
}

impl PgAvatars {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AvatarStore for PgAvatars {
    async fn get(&self, holder: &Holder) -> Result<Option<Avatar>, StoreError> {
        let place = Place::of(holder);
        let org = place.org.clone();
        let build = move || place.keyed("SELECT image_type, name, bytes, created FROM", "avatars");
        run_statement(&self.db, org.as_ref(), build, |query, conn| {
            async move {
                let row: Option<AvatarRow> = query.get_result(conn).await.optional()?;
                row.map(AvatarRow::into_domain).transpose()
            }
            .scope_boxed()
        })
        .await
    }

    /// One upsert; a holder without a row breaks the foreign key (`NotFound`).
    async fn put(&self, holder: &Holder, avatar: Avatar) -> Result<(), StoreError> {
        let place = Place::of(holder);
        let org = place.org.clone();
        let build = move || {
            place.upsert(
                "avatars",
                vec![
                    (
                        "image_type",
                        Piece::Text(avatar.image_type.media_type().to_owned()),
                        "",
                    ),
                    ("name", Piece::Text(avatar.name.clone()), ""),
                    ("bytes", Piece::Bytes(avatar.bytes.clone()), ""),
                    ("created", Piece::Time(avatar.created), ""),
                ],
            )
        };
        run_statement(&self.db, org.as_ref(), build, execute_for_holder).await
    }

    async fn delete(&self, holder: &Holder) -> Result<bool, StoreError> {
        let place = Place::of(holder);
        let org = place.org.clone();
        let build = move || place.keyed("DELETE FROM", "avatars");
        run_statement(&self.db, org.as_ref(), build, |query, conn| {
            async move { Ok(query.execute(conn).await? > 0) }.scope_boxed()
        })
        .await
    }
}

/// [`PreferenceStore`] on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgPreferences {
    db: PgDatabase,
}

impl PgPreferences {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl PreferenceStore for PgPreferences {
    async fn get(&self, holder: &Holder) -> Result<Option<Preferences>, StoreError> {
        let place = Place::of(holder);
        let org = place.org.clone();
        let build = move || place.keyed("SELECT data::text AS data, modified FROM", "preferences");
        run_statement(&self.db, org.as_ref(), build, |query, conn| {
            async move {
                let row: Option<PreferencesRow> = query.get_result(conn).await.optional()?;
                row.map(PreferencesRow::into_domain).transpose()
            }
            .scope_boxed()
        })
        .await
    }

    /// One upsert; a holder without a row breaks the foreign key (`NotFound`).
    async fn put(&self, holder: &Holder, preferences: Preferences) -> Result<(), StoreError> {
        let place = Place::of(holder);
        let org = place.org.clone();
        let data: Vec<PreferenceJson> = preferences
            .data
            .into_iter()
            .map(|p| PreferenceJson {
                tag: p.tag,
                value: p.value,
            })
            .collect();
        let (data, modified) = (to_json(&data), preferences.modified);
        let build = move || {
            place.upsert(
                "preferences",
                vec![
                    ("data", Piece::Text(data.clone()), "::jsonb"),
                    ("modified", Piece::Time(modified), ""),
                ],
            )
        };
        run_statement(&self.db, org.as_ref(), build, execute_for_holder).await
    }

    async fn delete(&self, holder: &Holder) -> Result<(), StoreError> {
        let place = Place::of(holder);
        let org = place.org.clone();
        let build = move || place.keyed("DELETE FROM", "preferences");
        run_statement(&self.db, org.as_ref(), build, |query, conn| {
            async move { query.execute(conn).await.map(drop) }.scope_boxed()
        })
        .await
    }
}
