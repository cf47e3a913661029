//! Sessions: the tokens of a sign-in, their rotating refresh (`grant_type=refresh_token`) and
//! sign-out (`DELETE /oauth2/{token}`).
//!
//! A refresh token is `<session id>.<secret>`: the id finds the session (its idle time is
//! judged before anything changes), the secret — 256 random bits, stored only as its hash —
//! proves it. Each refresh replaces it (the store's `rotate`: of two refreshes racing with one
//! token exactly one wins) and revokes the access token it replaces, so a session has one live
//! access token.

use super::password::usable;
use super::{OPERATOR_CLIENT_ID, OperatorSignIn, SignInError, WebToken};
use crate::service::secret;
use latchkey_access::AccessClaims;
use latchkey_core::{Revocation, SecretHash, SecretString, Timestamp};
use latchkey_operator::{Operator, OperatorSession, Role, Rotation};
use latchkey_tenancy::{OrgAccess, ScopeSet, SignIn};
use uuid::Uuid;

/// RFC 8176 `amr` of a password.
pub(super) const PASSWORD: &str = "pwd";

impl OperatorSignIn {
    /// Starts a session of `operator`, signed in by `amr`, and issues its first tokens; records
    /// the operator's `last_login`.
    pub(super) async fn start_session(
        &self,
        operator: &Operator,
        amr: &[&str],
    ) -> Result<WebToken, SignInError> {
        let now = self.now();
        let session_id = self.ports.directory.random.uuid();
        let refresh = refresh_token_of(session_id, &secret(self.ports.directory.random.as_ref()));
        let amr: Vec<String> = amr.iter().map(|m| (*m).to_owned()).collect();
        let (access, claims) = self.sign(operator, session_id, now, now, &amr)?;
        let session = OperatorSession {
            id: session_id,
            operator: operator.id,
            refresh: SecretHash::of(refresh.as_bytes()),
            access_jti: claims.jwt_id,
            access_expires: now + self.settings.access_ttl,
            created: now,
            amr,
            last_refresh: now,
            expires: now + self.settings.session_ttl,
        };
        self.ports.directory.sessions.insert(&session).await?;
        self.ports
            .directory
            .operators
            .record_login(operator.id, now)
            .await?;
        Ok(self.web_token(operator, &session, access, refresh))
    }

    /// New tokens for a refresh token (rotating: the one presented is refused from then on,
    /// and the access token it had issued is revoked). `CannotRefresh` for a token that is not
    /// live (unknown, used, unused for longer than the idle timeout, of a session over);
    /// `Suspended` for an operator suspended since.
    pub async fn refresh(&self, refresh_token: &str) -> Result<WebToken, SignInError> {
        let now = self.now();
        let session_id = refresh_token
            .split_once('.')
            .and_then(|(id, _)| Uuid::try_parse(id).ok())
            .ok_or(SignInError::CannotRefresh)?;
        let session = self
            .ports
            .directory
            .sessions
            .get(session_id)
            .await?
            .filter(|s| s.refresh.matches(refresh_token.as_bytes()))
            .filter(|s| s.expires > now && s.last_refresh + self.settings.idle_timeout > now)
            .ok_or(SignInError::CannotRefresh)?;
        let operator = self
            .ports
            .operators
            .find(session.operator)
            .await?
            .ok_or(SignInError::CannotRefresh)?;
        usable(&operator)?;
        let replacement =
            refresh_token_of(session_id, &secret(self.ports.directory.random.as_ref()));
        let (access, claims) =
            self.sign(&operator, session_id, session.created, now, &session.amr)?;
        let rotated = self
            .ports
            .directory
            .sessions
            .rotate(
                &SecretHash::of(refresh_token.as_bytes()),
                &SecretHash::of(replacement.as_bytes()),
                claims.jwt_id,
                now + self.settings.access_ttl,
                now,
            )
            .await?;
        let Rotation::Rotated(rotated) = rotated else {
            return Err(SignInError::CannotRefresh);
        };
        self.revoke_access(session.access_jti, session.access_expires)
            .await?;
        Ok(self.web_token(&operator, &rotated, access, replacement))
    }

    /// Signs out the session of `access_token` (which must be a live operator's token): the
    /// session is gone, so is its refresh token, and its access token is refused by every
    /// instance at once. `InvalidToken` / `ExpiredToken` as [`OperatorSignIn::validate`]
    /// would answer.
    pub async fn sign_out(&self, access_token: &str) -> Result<(), SignInError> {
        let claims = self.genuine(access_token).await?;
        let session_id = claims
            .sign_in
            .as_ref()
            .and_then(|s| s.session)
            .ok_or(SignInError::InvalidToken)?;
        let expires = timestamp(claims.expires_at)?;
        // Tokens are signed here with their own session's id: the one deleted is this
        // operator's.
        if let Some(session) = self.ports.directory.sessions.delete(session_id).await?
            && session.access_jti != claims.jwt_id
        {
            self.revoke_access(session.access_jti, session.access_expires)
                .await?;
        }
        // Already over or not, this token dies.
        self.revoke_access(claims.jwt_id, expires).await
    }

    /// Revokes one access token (durably, then announced: every instance's cache forgets it).
    pub(super) async fn revoke_access(
        &self,
        jti: Uuid,
        expires: Timestamp,
    ) -> Result<(), SignInError> {
        self.ports.revoked.revoke(jti, expires).await?;
        self.ports
            .directory
            .revocations
            .revoked(&Revocation::Token(jti))
            .await?;
        Ok(())
    }

    /// An access token of `operator` for session `session`, issued at `now`.
    fn sign(
        &self,
        operator: &Operator,
        session: Uuid,
        auth_time: Timestamp,
        now: Timestamp,
        amr: &[String],
    ) -> Result<(SecretString, AccessClaims), SignInError> {
        let issued_at = now.unix_timestamp();
        let claims = AccessClaims {
            issuer: self.settings.issuer.clone(),
            subject: operator.id.to_string(),
            audience: self.settings.audience.clone(),
            client_id: OPERATOR_CLIENT_ID.to_owned(),
            issued_at,
            expires_at: issued_at + self.settings.access_ttl.whole_seconds(),
            jwt_id: self.ports.directory.random.uuid(),
            scopes: ScopeSet::default(),
            orgs: orgs_of(operator),
            credential: None,
            sign_in: Some(SignIn {
                auth_time: auth_time.unix_timestamp(),
                amr: amr.to_vec(),
                session: Some(session),
            }),
        };
        let token = self
            .ports
            .codec
            .sign(&claims)
            .map_err(SignInError::unavailable)?;
        Ok((SecretString::from(token), claims))
    }

    fn web_token(
        &self,
        operator: &Operator,
        session: &OperatorSession,
        access: SecretString,
        refresh: String,
    ) -> WebToken {
        WebToken {
            access_token: access,
            refresh_token: SecretString::from(refresh),
            expires_in: self.settings.access_ttl.whole_seconds(),
            idle_timeout: self.settings.idle_timeout.whole_seconds(),
            created: session.created.unix_timestamp(),
            username: operator.email.as_str().to_owned(),
            user_must_change_password: operator.change_password,
            last_refresh: session.last_refresh.unix_timestamp(),
        }
    }
}

/// The orgs an operator's token acts in: every org for a `root`, else its own (none without).
pub(super) fn orgs_of(operator: &Operator) -> OrgAccess {
    match (&operator.role, &operator.owner) {
        (Role::Root, _) => OrgAccess::All,
        (_, Some(org)) => OrgAccess::Only([org.clone()].into()),
        (_, None) => OrgAccess::Only(Default::default()),
    }
}

/// `<session id>.<secret>`.
fn refresh_token_of(session: Uuid, secret: &str) -> String {
    format!("{}.{secret}", session.simple())
}

/// A token's `exp` as a timestamp (a genuine token's always is one).
pub(super) fn timestamp(unix: i64) -> Result<Timestamp, SignInError> {
    Timestamp::from_unix_timestamp(unix).map_err(|_| SignInError::InvalidToken)
}
