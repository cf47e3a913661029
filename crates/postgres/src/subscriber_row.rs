//! The row of a tenant's `subscriber_profiles` and its `jsonb` lists (notes, mobiles): written
//! as JSON text cast to `jsonb`, read back cast to text, in the shape `operators` uses.

use crate::row_columns::{
    ColumnValue, mobiles_from_json, mobiles_json, notes_from_json, notes_json, upsert_values,
};
use crate::statement::{Piece, TenantSql};
use crate::{QueryResult, corrupt};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use latchkey_core::Timestamp;
use latchkey_operator::MfaMethod;
use latchkey_subscriber::{Signup, SignupStatus, SubscriberProfile};
use uuid::Uuid;

/// The columns of `subscriber_profiles` as [`ProfileRow`] reads them (the `jsonb` ones as text).
pub(crate) const COLUMNS: &str = "credential_id, name, description, locale, location, \
    notes::text AS notes, mfa, mobiles::text AS mobiles, blacklisted, waiting_for_email_check, \
    signup_uuid, signup_status, signup_created, signup_updated, created_by, modified_by, modified";

#[derive(QueryableByName)]
pub(crate) struct ProfileRow {
    #[diesel(sql_type = SqlUuid)]
    credential_id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = Text)]
    location: String,
    #[diesel(sql_type = Text)]
    notes: String,
    #[diesel(sql_type = Nullable<Text>)]
    mfa: Option<String>,
    #[diesel(sql_type = Text)]
    mobiles: String,
    #[diesel(sql_type = Bool)]
    blacklisted: bool,
    #[diesel(sql_type = Bool)]
    waiting_for_email_check: bool,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    signup_uuid: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    signup_status: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    signup_created: Option<Timestamp>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    signup_updated: Option<Timestamp>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    created_by: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    modified_by: Option<Uuid>,
    #[diesel(sql_type = Timestamptz)]
    modified: Timestamp,
}

impl ProfileRow {
    pub(crate) fn into_domain(self) -> QueryResult<SubscriberProfile> {
        let signup = match (
            self.signup_uuid,
            self.signup_status,
            self.signup_created,
            self.signup_updated,
        ) {
            (Some(uuid), Some(status), Some(created), Some(updated)) => Some(Signup {
                uuid,
                status: SignupStatus::parse(&status).ok_or_else(|| corrupt("sign-up status"))?,
                created,
                updated,
            }),
            (None, None, None, None) => None,
            _ => return Err(corrupt("sign-up")),
        };
        Ok(SubscriberProfile {
            credential: self.credential_id,
            name: self.name,
            description: self.description,
            locale: self.locale,
            location: self.location,
            notes: notes_from_json(&self.notes, "subscriber's notes")?,
            mfa: self
                .mfa
                .map(|m| MfaMethod::parse(&m).ok_or_else(|| corrupt("subscriber's MFA method")))
                .transpose()?,
            mobiles: mobiles_from_json(&self.mobiles, "subscriber's mobiles")?,
            blacklisted: self.blacklisted,
            waiting_for_email_check: self.waiting_for_email_check,
            signup,
            created_by: self.created_by,
            modified_by: self.modified_by,
            modified: self.modified,
        })
    }
}

fn maybe_uuid(id: Option<Uuid>) -> Piece {
    Piece::MaybeText(id.map(|id| id.to_string()))
}

/// Every column but the key with its value, and the cast its parameter needs.
fn values(p: &SubscriberProfile) -> Vec<ColumnValue> {
    let signup = p.signup.as_ref();
    let text = |s: &str| Piece::Text(s.to_owned());
    vec![
        ("name", text(&p.name), ""),
        ("description", text(&p.description), ""),
        ("locale", text(&p.locale), ""),
        ("location", text(&p.location), ""),
        ("notes", Piece::Text(notes_json(&p.notes)), "::jsonb"),
        (
            "mfa",
            Piece::MaybeText(p.mfa.map(|m| m.as_str().to_owned())),
            "",
        ),
        ("mobiles", Piece::Text(mobiles_json(&p.mobiles)), "::jsonb"),
        ("blacklisted", Piece::Bool(p.blacklisted), ""),
        (
            "waiting_for_email_check",
            Piece::Bool(p.waiting_for_email_check),
            "",
        ),
        ("signup_uuid", maybe_uuid(signup.map(|s| s.uuid)), "::uuid"),
        (
            "signup_status",
            Piece::MaybeText(signup.map(|s| s.status.as_str().to_owned())),
            "",
        ),
        (
            "signup_created",
            Piece::MaybeTime(signup.map(|s| s.created)),
            "",
        ),
        (
            "signup_updated",
            Piece::MaybeTime(signup.map(|s| s.updated)),
            "",
        ),
        ("created_by", maybe_uuid(p.created_by), "::uuid"),
        ("modified_by", maybe_uuid(p.modified_by), "::uuid"),
        ("modified", Piece::Time(p.modified), ""),
    ]
}

/// `INSERT ... ON CONFLICT (credential_id) DO UPDATE`: creates or replaces the profile.
pub(crate) fn upsert_statement(p: &SubscriberProfile) -> TenantSql {
    upsert_values(
        "subscriber_profiles",
        "credential_id",
        Piece::Uuid(p.credential),
        values(p),
    )
}
