//! The security service's operators, their API keys and sign-in sessions in process memory.

use crate::{read, write};
use async_trait::async_trait;
use latchkey_core::{SecretHash, StoreError, Timestamp};
use latchkey_operator::{
    ApiKey, ApiKeyStore, Operator, OperatorEmail, OperatorQuery, OperatorSession,
    OperatorSessionStore, OperatorStore, Role, Rotation, Write,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

#[derive(Debug, Default)]
struct State {
    operators: HashMap<Uuid, Operator>,
    /// The operator of each e-mail (the unique index of PostgreSQL's).
    emails: HashMap<OperatorEmail, Uuid>,
    keys: HashMap<Uuid, ApiKey>,
    /// The key of each secret's hash: every request with `X-API-KEY` looks one up.
    key_hashes: HashMap<[u8; 32], Uuid>,
    sessions: HashMap<Uuid, OperatorSession>,
    /// The session of each live refresh token's hash.
    refresh: HashMap<[u8; 32], Uuid>,
}

/// Operators, API keys and sessions behind one lock, as the three tables of one schema: it
/// implements [`OperatorStore`], [`ApiKeyStore`] and [`OperatorSessionStore`], so a deleted
/// operator takes its keys and sessions in the same step, and the last-root check and the
/// write it guards are one step too. Clones share the data: hand one to each port.
#[derive(Debug, Default, Clone)]
pub struct MemOperators {
    state: Arc<RwLock<State>>,
}

impl MemOperators {
    /// Whether the operator `id` exists (what the foreign keys of its avatar and preferences
    /// require on PostgreSQL).
    pub(crate) fn has(&self, id: Uuid) -> bool {
        read(&self.state).operators.contains_key(&id)
    }
}

fn is_live_root(operator: &Operator) -> bool {
    operator.role == Role::Root && !operator.suspended
}

impl State {
    fn email_taken(&self, operator: &Operator) -> bool {
        self.emails
            .get(&operator.email)
            .is_some_and(|id| *id != operator.id)
    }

    /// Stores `operator` in place of the one with its id, if any, and indexes its e-mail.
    fn put(&mut self, operator: &Operator) {
        if let Some(old) = self.operators.insert(operator.id, operator.clone()) {
            self.emails.remove(&old.email);
        }
        self.emails.insert(operator.email.clone(), operator.id);
    }

    fn remove_key(&mut self, id: Uuid) {
        if let Some(key) = self.keys.remove(&id) {
            self.key_hashes.remove(key.hash.as_bytes());
        }
    }

    fn remove_session(&mut self, id: Uuid) -> Option<OperatorSession> {
        let session = self.sessions.remove(&id)?;
        self.refresh.remove(session.refresh.as_bytes());
        Some(session)
    }

    /// Removes the operator with its keys and sessions.
    fn remove_operator(&mut self, id: Uuid) {
        if let Some(old) = self.operators.remove(&id) {
            self.emails.remove(&old.email);
        }
        let keys: Vec<Uuid> = self
            .keys
            .values()
            .filter(|k| k.operator == id)
            .map(|k| k.id)
            .collect();
        for key in keys {
            self.remove_key(key);
        }
        for session in self.sessions_of(id) {
            self.remove_session(session);
        }
    }

    fn sessions_of(&self, operator: Uuid) -> Vec<Uuid> {
        self.sessions
            .values()
            .filter(|s| s.operator == operator)
            .map(|s| s.id)
            .collect()
    }

    /// Whether `id` is a live root and no other is.
    fn is_last_live_root(&self, id: Uuid) -> bool {
        self.operators.get(&id).is_some_and(is_live_root)
            && !self
                .operators
                .values()
                .any(|o| o.id != id && is_live_root(o))
    }
}

fn selects(query: &OperatorQuery, operator: &Operator) -> bool {
    let contains = |haystack: &str, needle: &Option<String>| {
        needle
            .as_ref()
            .is_none_or(|n| haystack.to_lowercase().contains(&n.to_lowercase()))
    };
    query
        .owner
        .as_ref()
        .is_none_or(|o| operator.owner.as_ref() == Some(o))
        && query
            .ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&operator.id))
        && contains(&operator.name, &query.name_contains)
        && contains(operator.email.as_str(), &query.email_contains)
}

#[async_trait]
impl OperatorStore for MemOperators {
    async fn insert(&self, operator: &Operator) -> Result<Write, StoreError> {
        let mut state = write(&self.state);
        if state.operators.contains_key(&operator.id) {
            return Err(StoreError::Conflict);
        }
        if state.email_taken(operator) {
            return Ok(Write::EmailTaken);
        }
        state.put(operator);
        Ok(Write::Done)
    }

    async fn get(&self, id: Uuid) -> Result<Option<Operator>, StoreError> {
        Ok(read(&self.state).operators.get(&id).cloned())
    }

    async fn by_email(&self, email: &OperatorEmail) -> Result<Option<Operator>, StoreError> {
        let state = read(&self.state);
        let id = state.emails.get(email);
        Ok(id.and_then(|id| state.operators.get(id)).cloned())
    }

    async fn update(&self, operator: &Operator) -> Result<Write, StoreError> {
        let mut state = write(&self.state);
        if !state.operators.contains_key(&operator.id) {
            return Ok(Write::Missing);
        }
        // In the order PostgreSQL finds them: the last root before the e-mail.
        if !is_live_root(operator) && state.is_last_live_root(operator.id) {
            return Ok(Write::LastRoot);
        }
        if state.email_taken(operator) {
            return Ok(Write::EmailTaken);
        }
        state.put(operator);
        Ok(Write::Done)
    }

    async fn record_login(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
        let mut state = write(&self.state);
        let found = state.operators.get_mut(&id);
        let exists = found.is_some();
        if let Some(operator) = found {
            operator.last_login = Some(at);
        }
        Ok(exists)
    }

    async fn delete(&self, id: Uuid) -> Result<Write, StoreError> {
        let mut state = write(&self.state);
        if !state.operators.contains_key(&id) {
            return Ok(Write::Missing);
        }
        if state.is_last_live_root(id) {
            return Ok(Write::LastRoot);
        }
        state.remove_operator(id);
        Ok(Write::Done)
    }

    async fn list(&self, query: &OperatorQuery) -> Result<Vec<Operator>, StoreError> {
        let state = read(&self.state);
        let mut found: Vec<&Operator> = state
            .operators
            .values()
            .filter(|o| selects(query, o))
            .collect();
        found.sort_by_key(|o| (o.created, o.id));
        if query.newest_first {
            found.reverse();
        }
        let skip = usize::try_from(query.offset).unwrap_or(usize::MAX);
        let take = query
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        Ok(found.into_iter().skip(skip).take(take).cloned().collect())
    }

    async fn count(&self, query: &OperatorQuery) -> Result<u64, StoreError> {
        let state = read(&self.state);
        let n = state
            .operators
            .values()
            .filter(|o| selects(query, o))
            .count();
        Ok(n as u64)
    }
}

#[async_trait]
impl ApiKeyStore for MemOperators {
    async fn insert(&self, key: &ApiKey) -> Result<(), StoreError> {
        let mut state = write(&self.state);
        if !state.operators.contains_key(&key.operator) {
            return Err(StoreError::NotFound);
        }
        // The hash is unique too (as on PostgreSQL): `by_hash` answers one key.
        let clash = state.keys.contains_key(&key.id)
            || state.key_hashes.contains_key(key.hash.as_bytes())
            || state
                .keys
                .values()
                .any(|k| k.operator == key.operator && k.name == key.name);
        if clash {
            return Err(StoreError::Conflict);
        }
        state.key_hashes.insert(*key.hash.as_bytes(), key.id);
        state.keys.insert(key.id, key.clone());
        Ok(())
    }

    async fn list(&self, operator: Uuid) -> Result<Vec<ApiKey>, StoreError> {
        let state = read(&self.state);
        let mut found: Vec<ApiKey> = state
            .keys
            .values()
            .filter(|k| k.operator == operator)
            .cloned()
            .collect();
        found.sort_by_key(|k| (k.created, k.id));
        Ok(found)
    }

    async fn by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        let state = read(&self.state);
        let id = state.key_hashes.get(hash.as_bytes());
        Ok(id.and_then(|id| state.keys.get(id)).cloned())
    }

    async fn delete(&self, operator: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let mut state = write(&self.state);
        let owned = state.keys.get(&id).is_some_and(|k| k.operator == operator);
        if owned {
            state.remove_key(id);
        }
        Ok(owned)
    }

    async fn touch(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
        let mut state = write(&self.state);
        let found = state.keys.get_mut(&id);
        let exists = found.is_some();
        if let Some(key) = found {
            key.last_use = Some(at);
        }
        Ok(exists)
    }

    async fn describe(
        &self,
        operator: Uuid,
        id: Uuid,
        description: &str,
    ) -> Result<Option<ApiKey>, StoreError> {
        let mut state = write(&self.state);
        let key = state.keys.get_mut(&id).filter(|k| k.operator == operator);
        Ok(key.map(|key| {
            description.clone_into(&mut key.description);
            key.clone()
        }))
    }
}

#[async_trait]
impl OperatorSessionStore for MemOperators {
    async fn insert(&self, session: &OperatorSession) -> Result<(), StoreError> {
        let mut state = write(&self.state);
        if !state.operators.contains_key(&session.operator) {
            return Err(StoreError::NotFound);
        }
        // The refresh hash is unique too (as on PostgreSQL): `rotate` finds one session.
        let clash = state.sessions.contains_key(&session.id)
            || state.refresh.contains_key(session.refresh.as_bytes());
        if clash {
            return Err(StoreError::Conflict);
        }
        state
            .refresh
            .insert(*session.refresh.as_bytes(), session.id);
        state.sessions.insert(session.id, session.clone());
        Ok(())
    }

    async fn get(&self, id: Uuid) -> Result<Option<OperatorSession>, StoreError> {
        Ok(read(&self.state).sessions.get(&id).cloned())
    }

    async fn rotate(
        &self,
        presented: &SecretHash,
        replacement: &SecretHash,
        access_jti: Uuid,
        access_expires: Timestamp,
        now: Timestamp,
    ) -> Result<Rotation, StoreError> {
        let mut state = write(&self.state);
        let id = state.refresh.get(presented.as_bytes()).copied();
        let Some(session) = id.and_then(|id| state.sessions.get_mut(&id)) else {
            return Ok(Rotation::Refused);
        };
        if session.expires <= now {
            return Ok(Rotation::Refused);
        }
        session.refresh = replacement.clone();
        session.access_jti = access_jti;
        session.access_expires = access_expires;
        session.last_refresh = now;
        let rotated = session.clone();
        state.refresh.remove(presented.as_bytes());
        state.refresh.insert(*replacement.as_bytes(), rotated.id);
        Ok(Rotation::Rotated(rotated))
    }

    async fn delete(&self, id: Uuid) -> Result<Option<OperatorSession>, StoreError> {
        Ok(write(&self.state).remove_session(id))
    }

    async fn delete_all(&self, operator: Uuid) -> Result<Vec<OperatorSession>, StoreError> {
        let mut state = write(&self.state);
        let ids = state.sessions_of(operator);
        Ok(ids
            .into_iter()
            .filter_map(|id| state.remove_session(id))
            .collect())
    }
}
