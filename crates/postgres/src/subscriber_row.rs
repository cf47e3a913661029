//! The row of a tenant's `subscriber_profiles` and its `jsonb` lists (notes, mobiles): written
//! as JSON text cast to `jsonb`, read back cast to text, in the shape `operators` uses.

use crate::operator_row::{from_json, to_json};
use crate::statement::{Piece, TenantSql};
use crate::{QueryResult, corrupt};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use latchkey_core::Timestamp;
use latchkey_credential::Msisdn;
use latchkey_operator::{MfaMethod, Mobile, Note};
use latchkey_subscriber::{Signup, SignupStatus, SubscriberProfile};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
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

#[derive(Serialize, Deserialize)]
struct NoteJson {
    created: String,
    created_by: String,
    note: String,
}

#[derive(Serialize, Deserialize)]
struct MobileJson {
    number: String,
    verified: bool,
    primary: bool,
}

impl ProfileRow {
    pub(crate) fn into_domain(self) -> QueryResult<SubscriberProfile> {
        let notes: Vec<NoteJson> = from_json(&self.notes, "subscriber's notes")?;
        let mobiles: Vec<MobileJson> = from_json(&self.mobiles, "subscriber's mobiles")?;
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
            notes: notes
                .into_iter()
                .map(|n| {
                    Ok(Note {
                        created: Timestamp::parse(&n.created, &Rfc3339)
                            .map_err(|_| corrupt("note's time"))?,
                        created_by: n.created_by,
                        note: n.note,
                    })
                })
                .collect::<QueryResult<_>>()?,
            mfa: self
                .mfa
                .map(|m| MfaMethod::parse(&m).ok_or_else(|| corrupt("subscriber's MFA method")))
                .transpose()?,
            mobiles: mobiles
                .into_iter()
                .map(|m| {
                    Ok(Mobile {
                        number: Msisdn::parse(&m.number).map_err(|_| corrupt("mobile number"))?,
                        verified: m.verified,
                        primary: m.primary,
                    })
                })
                .collect::<QueryResult<_>>()?,
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
fn values(p: &SubscriberProfile) -> Vec<(&'static str, Piece, &'static str)> {
    let notes: Vec<NoteJson> = p
        .notes
        .iter()
        .map(|n| NoteJson {
            created: n.created.format(&Rfc3339).unwrap_or_default(),
            created_by: n.created_by.clone(),
            note: n.note.clone(),
        })
        .collect();
    let mobiles: Vec<MobileJson> = p
        .mobiles
        .iter()
        .map(|m| MobileJson {
            number: m.number.as_str().to_owned(),
            verified: m.verified,
            primary: m.primary,
        })
        .collect();
    let signup = p.signup.as_ref();
    let text = |s: &str| Piece::Text(s.to_owned());
    vec![
        ("name", text(&p.name), ""),
        ("description", text(&p.description), ""),
        ("locale", text(&p.locale), ""),
        ("location", text(&p.location), ""),
        ("notes", Piece::Text(to_json(&notes)), "::jsonb"),
        (
            "mfa",
            Piece::MaybeText(p.mfa.map(|m| m.as_str().to_owned())),
            "",
        ),
        ("mobiles", Piece::Text(to_json(&mobiles)), "::jsonb"),
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
    let values = values(p);
    let columns: Vec<&str> = values.iter().map(|(c, _, _)| *c).collect();
    let mut sql = TenantSql::new()
        .sql(format!(
            "INSERT INTO subscriber_profiles (credential_id, {}) VALUES (",
            columns.join(", ")
        ))
        .bind(Piece::Uuid(p.credential));
    for (_, value, cast) in values {
        sql = sql.sql(", ").bind(value).sql(cast);
    }
    let updates: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    sql.sql(format!(
        ") ON CONFLICT (credential_id) DO UPDATE SET {}",
        updates.join(", ")
    ))
}
