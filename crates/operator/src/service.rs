//! The operators directory (`/users`, `/user/{id}`): every use case checks the caller's
//! permission ([`crate::permissions`]) before it reads or writes anything else, then the input
//! (`Invalid`, the password policy), then the state (`NotFound`, `EmailTaken`, `LastRoot`).

use crate::permissions;
use crate::{
    ApiKeyStore, MfaMethod, Mobile, Note, Operator, OperatorEmail, OperatorError, OperatorQuery,
    OperatorSessionStore, OperatorStore, Role, Write,
};
use latchkey_core::{Clock, OrgId, Revocation, Revocations, SecureRandom, Timestamp};
use latchkey_credential::{DummyHash, Password, PasswordHash, PasswordHasher};
use std::sync::Arc;
use uuid::Uuid;

/// What the operator services need from the outside.
#[derive(Debug, Clone)]
pub struct OperatorPorts {
    pub operators: Arc<dyn OperatorStore>,
    pub sessions: Arc<dyn OperatorSessionStore>,
    pub api_keys: Arc<dyn ApiKeyStore>,
    pub hasher: Arc<dyn PasswordHasher>,
    /// Told when an operator's access tokens must stop working on every server instance.
    pub revocations: Arc<dyn Revocations>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
}

/// An operator to create (`POST /user/0`). Who created it and when, and its id, are decided by
/// the service; its owner too, unless the creator is a `root` ([`permissions::owner_of_new`]).
#[derive(Debug)]
pub struct NewOperator {
    pub email: OperatorEmail,
    pub name: String,
    pub description: String,
    pub role: Role,
    pub owner: Option<OrgId>,
    pub locale: String,
    pub location: String,
    /// `None`: a random password nobody knows (the operator sets one through a reset link).
    pub password: Option<Password>,
    pub change_password: bool,
    pub notes: Vec<String>,
    pub mfa: Option<MfaMethod>,
    pub mobiles: Vec<Mobile>,
    pub waiting_for_email_check: bool,
}

/// What to change in an operator (`PUT /user/{id}`): `None` leaves a field as it is. A field
/// sent with its current value is no change (consoles send the whole record back).
#[derive(Debug, Default)]
pub struct OperatorChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub locale: Option<String>,
    pub role: Option<Role>,
    pub owner: Option<Option<OrgId>>,
    pub suspended: Option<bool>,
    pub blacklisted: Option<bool>,
    /// Appended, each with the caller's e-mail and the time; blank ones are skipped.
    pub notes: Vec<String>,
    pub password: Option<Password>,
    pub change_password: Option<bool>,
    pub mfa: Option<Option<MfaMethod>>,
    pub mobiles: Option<Vec<Mobile>>,
}

/// The operator use cases.
#[derive(Debug, Clone)]
pub struct OperatorService {
    pub(crate) ports: OperatorPorts,
    /// What an unknown e-mail's password is verified against (see `check_password`).
    pub(crate) dummy: DummyHash,
}

impl OperatorService {
    pub fn new(ports: OperatorPorts) -> Self {
        Self {
            ports,
            dummy: DummyHash::default(),
        }
    }

    /// Creates an operator as `actor`: `AccessDenied` unless its profile creates operators of
    /// that role in that org; `Invalid` for an unusable field; the password policy (the
    /// e-mail is the username); `EmailTaken`.
    pub async fn create(
        &self,
        actor: &Operator,
        new: NewOperator,
    ) -> Result<Operator, OperatorError> {
        let owner = permissions::owner_of_new(actor, new.owner.clone());
        permissions::can_create(actor, new.role, owner.as_ref())?;
        let now = self.ports.clock.now();
        // The fields first: a refused one costs no password hash.
        let notes = notes_by(actor, &new.notes, now)?;
        let name = crate::fields::name(&new.name)?;
        let description = crate::fields::description(&new.description)?;
        let locale = crate::fields::locale(&new.locale)?;
        let location = crate::fields::location(&new.location)?;
        crate::fields::check_mfa(new.mfa, None, &new.mobiles)?;
        let mut operator = self
            .record(
                &new.email,
                new.password.as_ref(),
                new.role,
                owner,
                actor.email.as_str(),
            )
            .await?;
        operator.name = name;
        operator.description = description;
        operator.locale = locale;
        operator.location = location;
        operator.mfa = new.mfa;
        operator.mobiles = new.mobiles;
        operator.notes = notes;
        operator.change_password = new.change_password;
        operator.waiting_for_email_check = new.waiting_for_email_check;
        self.insert(&operator).await?;
        Ok(operator)
    }

    /// The operator `id`: `NotFound`, or `AccessDenied` when `actor` may not read it.
    pub async fn get(&self, actor: &Operator, id: Uuid) -> Result<Operator, OperatorError> {
        let operator = self.load(id).await?;
        permissions::can_read(actor, &operator)?;
        Ok(operator)
    }

    /// The operator with that e-mail: `NotFound`, or `AccessDenied` when `actor` may not read it.
    pub async fn by_email(
        &self,
        actor: &Operator,
        email: &OperatorEmail,
    ) -> Result<Operator, OperatorError> {
        let operator = self
            .find_by_email(email)
            .await?
            .ok_or(OperatorError::NotFound)?;
        permissions::can_read(actor, &operator)?;
        Ok(operator)
    }

    /// The operators `query` selects among those `actor` may read.
    pub async fn list(
        &self,
        actor: &Operator,
        query: OperatorQuery,
    ) -> Result<Vec<Operator>, OperatorError> {
        match permissions::visible(actor, query) {
            Some(query) => Ok(self.ports.operators.list(&query).await?),
            None => Ok(Vec::new()),
        }
    }

    /// How many operators `query` selects among those `actor` may read (paging ignored).
    pub async fn count(
        &self,
        actor: &Operator,
        query: OperatorQuery,
    ) -> Result<u64, OperatorError> {
        match permissions::visible(actor, query) {
            Some(query) => Ok(self.ports.operators.count(&query).await?),
            None => Ok(0),
        }
    }

    /// Deletes the operator `id` with its API keys, and ends its sessions: `NotFound`,
    /// `AccessDenied` (never itself), `LastRoot`.
    pub async fn delete(&self, actor: &Operator, id: Uuid) -> Result<(), OperatorError> {
        let operator = self.load(id).await?;
        permissions::can_delete(actor, &operator)?;
        match self.ports.operators.delete(id).await? {
            Write::Done => self.end_sessions(id).await,
            Write::Missing => Err(OperatorError::NotFound),
            Write::LastRoot => Err(OperatorError::LastRoot),
            Write::EmailTaken => Err(OperatorError::off_contract("delete answered EmailTaken")),
        }
    }

    /// Creates an operator without an actor (the first root from the configuration, or the
    /// CLI): the password policy, then `EmailTaken`. `created_by` says who (`configuration`,
    /// `cli`).
    pub async fn bootstrap(
        &self,
        email: OperatorEmail,
        password: &Password,
        role: Role,
        owner: Option<OrgId>,
        change_password: bool,
        created_by: &str,
    ) -> Result<Operator, OperatorError> {
        let mut operator = self
            .record(&email, Some(password), role, owner, created_by)
            .await?;
        operator.change_password = change_password;
        self.insert(&operator).await?;
        Ok(operator)
    }

    /// Whether there is no operator at all (the first root is then created at start).
    pub async fn is_empty(&self) -> Result<bool, OperatorError> {
        Ok(self
            .ports
            .operators
            .count(&OperatorQuery::default())
            .await?
            == 0)
    }

    /// The operator `id`, unchecked (for sign-in and token validation).
    pub async fn find(&self, id: Uuid) -> Result<Option<Operator>, OperatorError> {
        Ok(self.ports.operators.get(id).await?)
    }

    /// The operator with that e-mail, unchecked (for sign-in).
    pub async fn find_by_email(
        &self,
        email: &OperatorEmail,
    ) -> Result<Option<Operator>, OperatorError> {
        Ok(self.ports.operators.by_email(email).await?)
    }

    /// Records that the operator's e-mail address was proved (its verification link was
    /// followed): validated, no longer waiting for the check. `NotFound`.
    pub async fn mark_validated(&self, id: Uuid) -> Result<Operator, OperatorError> {
        let mut operator = self.load(id).await?;
        let now = self.ports.clock.now();
        operator.validated = true;
        operator.validation_date = Some(now);
        operator.waiting_for_email_check = false;
        operator.modified = now;
        operator.modified_by = operator.email.as_str().to_owned();
        self.update(&operator).await?;
        Ok(operator)
    }

    /// Ends every session of the operator (its refresh tokens die) and revokes every access
    /// token issued to it until now, on every server instance (`Revocation::Subject(id)`,
    /// recorded durably by the `Revocations` port). A token issued later in the same second is
    /// refused too: call it before a new sign-in, not after.
    pub async fn end_sessions(&self, id: Uuid) -> Result<(), OperatorError> {
        self.ports.sessions.delete_all(id).await?;
        self.ports
            .revocations
            .revoked(&Revocation::Subject(id.to_string()))
            .await?;
        Ok(())
    }

    pub(crate) async fn load(&self, id: Uuid) -> Result<Operator, OperatorError> {
        self.find(id).await?.ok_or(OperatorError::NotFound)
    }

    /// Writes every field of `operator`, as the store answers it.
    pub(crate) async fn update(&self, operator: &Operator) -> Result<(), OperatorError> {
        match self.ports.operators.update(operator).await? {
            Write::Done => Ok(()),
            Write::Missing => Err(OperatorError::NotFound),
            Write::EmailTaken => Err(OperatorError::EmailTaken),
            Write::LastRoot => Err(OperatorError::LastRoot),
        }
    }

    async fn insert(&self, operator: &Operator) -> Result<(), OperatorError> {
        match self.ports.operators.insert(operator).await? {
            Write::Done => Ok(()),
            Write::EmailTaken => Err(OperatorError::EmailTaken),
            Write::Missing | Write::LastRoot => Err(OperatorError::off_contract(
                "insert answered Missing or LastRoot",
            )),
        }
    }

    /// A new operator record with its password (checked against the policy and hashed; a
    /// random one when `None`), everything else empty.
    async fn record(
        &self,
        email: &OperatorEmail,
        password: Option<&Password>,
        role: Role,
        owner: Option<OrgId>,
        created_by: &str,
    ) -> Result<Operator, OperatorError> {
        let hash = match password {
            Some(password) => {
                crate::passwords::check_policy(password, email)?;
                self.hash(password).await?
            }
            None => {
                self.hash(&crate::passwords::unknowable(&*self.ports.random))
                    .await?
            }
        };
        let now = self.ports.clock.now();
        Ok(Operator {
            id: self.ports.random.uuid(),
            email: email.clone(),
            name: String::new(),
            description: String::new(),
            role,
            owner,
            locale: String::new(),
            location: String::new(),
            notes: Vec::new(),
            suspended: false,
            blacklisted: false,
            validated: false,
            validation_date: None,
            waiting_for_email_check: false,
            change_password: false,
            mfa: None,
            mobiles: Vec::new(),
            last_login: None,
            password: hash.clone(),
            password_history: vec![hash],
            last_password_change: now,
            created: now,
            created_by: created_by.to_owned(),
            modified: now,
            modified_by: created_by.to_owned(),
        })
    }

    pub(crate) async fn hash(&self, password: &Password) -> Result<PasswordHash, OperatorError> {
        self.ports
            .hasher
            .hash(password)
            .await
            .map_err(OperatorError::hashing)
    }

    /// Whether a change from `before` to `after` ends the operator's sessions: suspended,
    /// blacklisted, another role or owner, a new password.
    pub(crate) fn ends_sessions(before: &Operator, after: &Operator) -> bool {
        (after.suspended && !before.suspended)
            || (after.blacklisted && !before.blacklisted)
            || before.role != after.role
            || before.owner != after.owner
            || before.password != after.password
    }
}

/// `texts` as notes written by `actor` at `now`, blank ones skipped.
pub(crate) fn notes_by(
    actor: &Operator,
    texts: &[String],
    now: Timestamp,
) -> Result<Vec<Note>, OperatorError> {
    texts
        .iter()
        .filter(|text| !text.trim().is_empty())
        .map(|text| {
            Ok(Note {
                created: now,
                created_by: actor.email.as_str().to_owned(),
                note: crate::fields::note(text)?,
            })
        })
        .collect()
}
