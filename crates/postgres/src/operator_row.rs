//! The row of `public.operators` and its `jsonb` lists (notes, mobiles, password history):
//! written as JSON text cast to `jsonb`, read back cast to text ([`crate::row_columns`]).

use crate::row_columns::{
    ColumnValue, from_json, insert_values, mobiles_from_json, mobiles_json, notes_from_json,
    notes_json, to_json,
};
use crate::statement::{Piece, TenantSql};
use crate::{QueryResult, corrupt};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use latchkey_core::{OrgId, Timestamp};
use latchkey_credential::PasswordHash;
use latchkey_operator::{MfaMethod, Operator, OperatorEmail, Role};
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

impl OperatorRow {
    pub(crate) fn into_domain(self) -> QueryResult<Operator> {
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
            notes: notes_from_json(&self.notes, "operator's notes")?,
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
            mobiles: mobiles_from_json(&self.mobiles, "operator's mobiles")?,
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
fn values(o: &Operator) -> Vec<ColumnValue> {
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
        ("notes", Piece::Text(notes_json(&o.notes)), "::jsonb"),
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
        ("mobiles", Piece::Text(mobiles_json(&o.mobiles)), "::jsonb"),
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
    let (sql, _) = insert_values("operators", "id", Piece::Uuid(o.id), values(o));
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
