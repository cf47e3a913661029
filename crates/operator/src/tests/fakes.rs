//! In-memory fakes of the ports, as small as the service tests need, each following its
//! port's contract; and a fixture that wires them into the services.

use crate::{
    ApiKey, ApiKeyService, ApiKeyStore, Operator, OperatorEmail, OperatorPorts, OperatorQuery,
    OperatorService, OperatorSession, OperatorSessionStore, OperatorStore, Role, Rotation, Write,
};
use async_trait::async_trait;
use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom};
use latchkey_core::{BoxError, SecretHash, StoreError, Timestamp};
use latchkey_credential::{Password, PasswordHash, PasswordHasher};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

#[derive(Debug, Default)]
pub(crate) struct Operators(Mutex<HashMap<Uuid, Operator>>);

fn live_root(operator: &Operator) -> bool {
    operator.role == Role::Root && !operator.suspended
}

impl Operators {
    fn other_live_roots(map: &HashMap<Uuid, Operator>, id: Uuid) -> usize {
        map.values().filter(|o| o.id != id && live_root(o)).count()
    }

    fn select(map: &HashMap<Uuid, Operator>, query: &OperatorQuery) -> Vec<Operator> {
        let contains = |field: &str, part: &Option<String>| {
            part.as_ref()
                .is_none_or(|p| field.to_lowercase().contains(&p.to_lowercase()))
        };
        let mut found: Vec<Operator> = map
            .values()
            .filter(|o| {
                query
                    .owner
                    .as_ref()
                    .is_none_or(|org| o.owner.as_ref() == Some(org))
            })
            .filter(|o| query.ids.as_ref().is_none_or(|ids| ids.contains(&o.id)))
            .filter(|o| contains(&o.name, &query.name_contains))
            .filter(|o| contains(o.email.as_str(), &query.email_contains))
            .cloned()
            .collect();
        found.sort_by_key(|o| (o.created, o.id));
        if query.newest_first {
            found.reverse();
        }
        found
    }
}

#[async_trait]
impl OperatorStore for Operators {
    async fn insert(&self, operator: &Operator) -> Result<Write, StoreError> {
        let mut map = self.0.lock().unwrap();
        if map.contains_key(&operator.id) {
            return Err(StoreError::Conflict);
        }
        if map.values().any(|o| o.email == operator.email) {
            return Ok(Write::EmailTaken);
        }
        map.insert(operator.id, operator.clone());
        Ok(Write::Done)
    }

    async fn get(&self, id: Uuid) -> Result<Option<Operator>, StoreError> {
        Ok(self.0.lock().unwrap().get(&id).cloned())
    }

    async fn by_email(&self, email: &OperatorEmail) -> Result<Option<Operator>, StoreError> {
        let map = self.0.lock().unwrap();
        Ok(map.values().find(|o| o.email == *email).cloned())
    }

    async fn update(&self, operator: &Operator) -> Result<Write, StoreError> {
        let mut map = self.0.lock().unwrap();
        let Some(old) = map.get(&operator.id) else {
            return Ok(Write::Missing);
        };
        if map
            .values()
            .any(|o| o.id != operator.id && o.email == operator.email)
        {
            return Ok(Write::EmailTaken);
        }
        if live_root(old) && !live_root(operator) && Self::other_live_roots(&map, operator.id) == 0
        {
            return Ok(Write::LastRoot);
        }
        map.insert(operator.id, operator.clone());
        Ok(Write::Done)
    }

    async fn record_login(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
        let mut map = self.0.lock().unwrap();
        Ok(map.get_mut(&id).map(|o| o.last_login = Some(at)).is_some())
    }

    async fn delete(&self, id: Uuid) -> Result<Write, StoreError> {
        let mut map = self.0.lock().unwrap();
        let Some(old) = map.get(&id) else {
            return Ok(Write::Missing);
        };
        if live_root(old) && Self::other_live_roots(&map, id) == 0 {
            return Ok(Write::LastRoot);
        }
        map.remove(&id);
        Ok(Write::Done)
    }

    async fn list(&self, query: &OperatorQuery) -> Result<Vec<Operator>, StoreError> {
        let map = self.0.lock().unwrap();
        let offset = usize::try_from(query.offset).unwrap();
        let limit = query
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap());
        Ok(Self::select(&map, query)
            .into_iter()
            .skip(offset)
            .take(limit)
            .collect())
    }

    async fn count(&self, query: &OperatorQuery) -> Result<u64, StoreError> {
        let map = self.0.lock().unwrap();
        Ok(Self::select(&map, query).len() as u64)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Keys(Mutex<Vec<ApiKey>>);

#[async_trait]
impl ApiKeyStore for Keys {
    async fn insert(&self, key: &ApiKey) -> Result<(), StoreError> {
        let mut keys = self.0.lock().unwrap();
        if keys
            .iter()
            .any(|k| k.id == key.id || (k.operator == key.operator && k.name == key.name))
        {
            return Err(StoreError::Conflict);
        }
        keys.push(key.clone());
        Ok(())
    }

    async fn list(&self, operator: Uuid) -> Result<Vec<ApiKey>, StoreError> {
        let keys = self.0.lock().unwrap();
        Ok(keys
            .iter()
            .filter(|k| k.operator == operator)
            .cloned()
            .collect())
    }

    async fn by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        let keys = self.0.lock().unwrap();
        Ok(keys.iter().find(|k| k.hash == *hash).cloned())
    }

    async fn delete(&self, operator: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let mut keys = self.0.lock().unwrap();
        let before = keys.len();
        keys.retain(|k| !(k.operator == operator && k.id == id));
        Ok(keys.len() < before)
    }

    async fn touch(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
        let mut keys = self.0.lock().unwrap();
        Ok(keys
            .iter_mut()
            .find(|k| k.id == id)
            .map(|k| k.last_use = Some(at))
            .is_some())
    }

    async fn describe(
        &self,
        operator: Uuid,
        id: Uuid,
        description: &str,
    ) -> Result<Option<ApiKey>, StoreError> {
        let mut keys = self.0.lock().unwrap();
        Ok(keys
            .iter_mut()
            .find(|k| k.operator == operator && k.id == id)
            .map(|k| {
                description.clone_into(&mut k.description);
                k.clone()
            }))
    }
}

#[derive(Debug, Default)]
pub(crate) struct Sessions(Mutex<Vec<OperatorSession>>);

#[async_trait]
impl OperatorSessionStore for Sessions {
    async fn insert(&self, session: &OperatorSession) -> Result<(), StoreError> {
        self.0.lock().unwrap().push(session.clone());
        Ok(())
    }

    async fn get(&self, id: Uuid) -> Result<Option<OperatorSession>, StoreError> {
        let sessions = self.0.lock().unwrap();
        Ok(sessions.iter().find(|s| s.id == id).cloned())
    }

    async fn rotate(
        &self,
        _presented: &SecretHash,
        _replacement: &SecretHash,
        _access_jti: Uuid,
        _access_expires: Timestamp,
        _now: Timestamp,
    ) -> Result<Rotation, StoreError> {
        // Not a use case of this crate: no test rotates.
        Err(StoreError::Unavailable("the fake does not rotate".into()))
    }

    async fn delete(&self, id: Uuid) -> Result<Option<OperatorSession>, StoreError> {
        let mut sessions = self.0.lock().unwrap();
        let index = sessions.iter().position(|s| s.id == id);
        Ok(index.map(|i| sessions.remove(i)))
    }

    async fn delete_all(&self, operator: Uuid) -> Result<Vec<OperatorSession>, StoreError> {
        let mut sessions = self.0.lock().unwrap();
        let (gone, kept) = sessions.drain(..).partition(|s| s.operator == operator);
        *sessions = kept;
        Ok(gone)
    }
}

/// Hashes as `fake$<n>$<password>` (a counter for the salt) and counts verifications.
#[derive(Debug, Default)]
pub(crate) struct Hasher {
    salts: AtomicUsize,
    pub(crate) verifications: AtomicUsize,
}

#[async_trait]
impl PasswordHasher for Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError> {
        let salt = self.salts.fetch_add(1, Ordering::SeqCst);
        Ok(PasswordHash::from_phc(format!(
            "fake${salt}${}",
            password.expose()
        )))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError> {
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let mut parts = hash.as_phc().splitn(3, '$');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("fake"), Some(_), Some(clear)) => Ok(clear == password.expose()),
            _ => Err("not a fake hash".into()),
        }
    }
}

/// The services over fresh fakes, with the fakes at hand.
pub(crate) struct Fixture {
    pub(crate) operators: Arc<Operators>,
    pub(crate) sessions: Arc<Sessions>,
    pub(crate) hasher: Arc<Hasher>,
    pub(crate) revocations: Arc<HeardRevocations>,
    pub(crate) clock: Arc<FixedClock>,
    pub(crate) service: OperatorService,
    pub(crate) api_keys: ApiKeyService,
}

impl Fixture {
    pub(crate) fn new() -> Self {
        let operators = Arc::new(Operators::default());
        let keys = Arc::new(Keys::default());
        let sessions = Arc::new(Sessions::default());
        let hasher = Arc::new(Hasher::default());
        let revocations = Arc::new(HeardRevocations::default());
        let clock = Arc::new(FixedClock::default());
        let ports = OperatorPorts {
            operators: operators.clone(),
            sessions: sessions.clone(),
            api_keys: keys.clone(),
            hasher: hasher.clone(),
            revocations: revocations.clone(),
            clock: clock.clone(),
            random: Arc::new(SeededRandom::new(7)),
        };
        Self {
            operators,
            sessions,
            hasher,
            revocations,
            clock,
            service: OperatorService::new(ports.clone()),
            api_keys: ApiKeyService::new(ports),
        }
    }

    /// Stores `operator` with `password` as its password, as it is.
    pub(crate) async fn seed(&self, mut operator: Operator, password: &str) -> Operator {
        let hash = self.hasher.hash(&Password::new(password)).await.unwrap();
        operator.password = hash.clone();
        operator.password_history = vec![hash];
        assert_eq!(self.operators.insert(&operator).await.unwrap(), Write::Done);
        operator
    }

    /// A session of `operator`, stored.
    pub(crate) async fn session(&self, operator: Uuid) {
        let now = latchkey_core::testing::T0;
        let session = OperatorSession {
            id: Uuid::new_v4(),
            operator,
            refresh: SecretHash::of(Uuid::new_v4().as_bytes()),
            access_jti: Uuid::new_v4(),
            access_expires: now,
            created: now,
            amr: vec!["pwd".to_owned()],
            last_refresh: now,
            expires: now,
        };
        self.sessions.insert(&session).await.unwrap();
    }

    pub(crate) fn sessions_of(&self, operator: Uuid) -> usize {
        let sessions = self.sessions.0.lock().unwrap();
        sessions.iter().filter(|s| s.operator == operator).count()
    }

    pub(crate) fn verifications(&self) -> usize {
        self.hasher.verifications.load(Ordering::SeqCst)
    }

    /// How many hashes the hasher made.
    pub(crate) fn hashes(&self) -> usize {
        self.hasher.salts.load(Ordering::SeqCst)
    }
}
