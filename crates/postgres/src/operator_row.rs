//! The row of `public.operators` and its `jsonb` lists (notes, mobiles, password history):
//! written as JSON text cast to `jsonb`, read back cast to text.

use crate::statement::{Piece, TenantSql};
use crate::{QueryResult, corrupt};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use latchkey_core::{OrgId, Timestamp};
use latchkey_credential::{Msisdn, PasswordHash};
use latchkey_operator::{MfaMethod, Mobile, Note, Operator, OperatorEmail, Role};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// The columns of `operators` as [`OperatorRow`] reads them (the `jsonb` ones as text).
pub(crate) const COLUMNS: &str = "id, email, name, description, role, owner, locale, location, \
    notes::text AS notes, suspended, blacklisted, validated, validation_date, \
    waiting_for_email_check, change_password, mfa, mobiles::text AS mobiles, last_login, \
    password_hash, password_history::text AS password_history, last_password_change, created, \
    created_by, modified, modified_by";

#[derive(QueryableByName)]
pub(crate) struct OperatorRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Nullable<Text>)]
    owner: Option<String>,
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = Text)]
    location: String,
    #[diesel(sql_type = Text)]
    notes: String,
    #[diesel(sql_type = Bool)]
    suspended: bool,
    #[diesel(sql_type = Bool)]
    blacklisted: bool,
    #[diesel(sql_type = Bool)]
    validated: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    validation_date: Option<Timestamp>,
    #[diesel(sql_type = Bool)]
    waiting_for_email_check: bool,
    #[diesel(sql_type = Bool)]
    change_password: bool,
    #[diesel(sql_type = Nullable<Text>)]
    mfa: Option<String>,
    #[diesel(sql_type = Text)]
    mobiles: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_login: Option<Timestamp>,
    #[diesel(sql_type = Text)]
    password_hash: String,
    #[diesel(sql_type = Text)]
    password_history: String,
    #[diesel(sql_type = Timestamptz)]
    last_password_change: Timestamp,
    #[diesel(sql_type = Timestamptz)]
    created: Timestamp,
    #[diesel(sql_type = Text)]
    created_by: String,
    #[diesel(sql_type = Timestamptz)]
    modified: Timestamp,
    #[diesel(sql_type = Text)]
    modified_by: String,
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

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing plain structs of strings and booleans cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn from_json<T: for<'de> Deserialize<'de>>(
    raw: &str,
    what: &'static str,
) -> QueryResult<T> {
    serde_json::from_str(raw).map_err(|_| corrupt(what))
}

fn rfc3339(at: Timestamp) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

impl OperatorRow {
    pub(crate) fn into_domain(self) -> QueryResult<Operator> {
        let notes: Vec<NoteJson> = from_json(&self.notes, "operator's notes")?;
        let mobiles: Vec<MobileJson> = from_json(&self.mobiles, "operator's mobiles")?;
        let history: Vec<String> = from_json(&self.password_history, "password history")?;
        Ok(Operator {
            id: self.id,
            email: OperatorEmail::from_stored(self.email),
            name: self.name,
            description: self.description,
            role: Role::parse(&self.role).map_err(|_| corrupt("operator's role"))?,
            owner: self
                .owner
                .map(|o| OrgId::parse(&o).map_err(|_| corrupt("operator's org")))
                .transpose()?,
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
            suspended: self.suspended,
            blacklisted: self.blacklisted,
            validated: self.validated,
            validation_date: self.validation_date,
            waiting_for_email_check: self.waiting_for_email_check,
            change_password: self.change_password,
            mfa: self
                .mfa
                .map(|m| MfaMethod::parse(&m).ok_or_else(|| corrupt("operator's MFA method")))
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
            last_login: self.last_login,
            password: PasswordHash::from_phc(self.password_hash),
            password_history: history.into_iter().map(PasswordHash::from_phc).collect(),
            last_password_change: self.last_password_change,
            created: self.created,
            created_by: self.created_by,
            modified: self.modified,
            modified_by: self.modified_by,
        })
    }
}

/// Every column but `id` with its value, and the cast its parameter needs.
fn values(o: &Operator) -> Vec<(&'static str, Piece, &'static str)> {
    let notes: Vec<NoteJson> = o
        .notes
        .iter()
        .map(|n| NoteJson {
            created: rfc3339(n.created),
            created_by: n.created_by.clone(),
            note: n.note.clone(),
        })
        .collect();
    let mobiles: Vec<MobileJson> = o
        .mobiles
        .iter()
        .map(|m| MobileJson {
            number: m.number.as_str().to_owned(),
            verified: m.verified,
            primary: m.primary,
        })
        .collect();
    let history: Vec<&str> = o
        .password_history
        .iter()
        .map(PasswordHash::as_phc)
        .collect();
    let text = |s: &str| Piece::Text(s.to_owned());
    vec![
        ("email", text(o.email.as_str()), ""),
        ("name", text(&o.name), ""),
        ("description", text(&o.description), ""),
        ("role", text(o.role.as_str()), ""),
        (
            "owner",
            Piece::MaybeText(o.owner.as_ref().map(|g| g.as_str().to_owned())),
            "",
        ),
        ("locale", text(&o.locale), ""),
        ("location", text(&o.location), ""),
        ("notes", Piece::Text(to_json(&notes)), "::jsonb"),
        ("suspended", Piece::Bool(o.suspended), ""),
        ("blacklisted", Piece::Bool(o.blacklisted), ""),
        ("validated", Piece::Bool(o.validated), ""),
        ("validation_date", Piece::MaybeTime(o.validation_date), ""),
        (
            "waiting_for_email_check",
            Piece::Bool(o.waiting_for_email_check),
            "",
        ),
        ("change_password", Piece::Bool(o.change_password), ""),
        (
            "mfa",
            Piece::MaybeText(o.mfa.map(|m| m.as_str().to_owned())),
            "",
        ),
        ("mobiles", Piece::Text(to_json(&mobiles)), "::jsonb"),
        ("last_login", Piece::MaybeTime(o.last_login), ""),
        ("password_hash", text(o.password.as_phc()), ""),
        (
            "password_history",
            Piece::Text(to_json(&history)),
            "::jsonb",
        ),
        (
            "last_password_change",
            Piece::Time(o.last_password_change),
            "",
        ),
        ("created", Piece::Time(o.created), ""),
        ("created_by", text(&o.created_by), ""),
        ("modified", Piece::Time(o.modified), ""),
        ("modified_by", text(&o.modified_by), ""),
    ]
}

pub(crate) fn insert_statement(o: &Operator) -> TenantSql {
    let values = values(o);
    let columns: Vec<&str> = values.iter().map(|(c, _, _)| *c).collect();
    let mut sql = TenantSql::new()
        .sql(format!(
            "INSERT INTO operators (id, {}) VALUES (",
            columns.join(", ")
        ))
        .bind(Piece::Uuid(o.id));
    for (_, value, cast) in values {
        sql = sql.sql(", ").bind(value).sql(cast);
    }
    sql.sql(")")
}

pub(crate) fn update_statement(o: &Operator) -> TenantSql {
    let mut sql = TenantSql::new().sql("UPDATE operators SET ");
    for (n, (column, value, cast)) in values(o).into_iter().enumerate() {
        let comma = if n == 0 { "" } else { ", " };
        sql = sql.sql(format!("{comma}{column} = ")).bind(value).sql(cast);
    }
    sql.sql(" WHERE id = ").bind(Piece::Uuid(o.id))
}
