//! An in-memory [`Storage`]: for tests, benchmarks and single-process servers that may
//! forget every token on restart.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, NaiveDate, Utc};
use foldhash::fast::RandomState;
use tollgate_scope::Role;
use tollgate_token::TokenHash;

use crate::{
    AuditEntry, AuditEvent, AuditQuery, Authenticated, DayCount, NewToken, Rotation, SecretMatch,
    Storage, StoreError, TokenId, TokenRecord, User, UserName,
};

/// Users and tokens in process memory, behind one read-write lock.
///
/// Authentication is one hash-map probe by the token's SHA-256, whatever the number of tokens;
/// nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    /// By lowercase name; tokens share the key.
    users: BTreeMap<Arc<str>, User>,
    /// By the digest's bytes: the lookup every authentication makes. The keys are compared
    /// with plain, not constant-time, equality: how long a lookup takes can depend only on
    /// the digest, which tells nothing about the token it was made from (SHA-256 resists
    /// preimages), just as the SQL stores' index lookups by digest do. Each token is boxed so
    /// the table's slots stay small: a table sized for many tokens holds a digest and a
    /// pointer per slot, not a whole record.
    tokens: HashMap<[u8; 32], Box<StoredToken>, RandomState>,
    /// The id of each token by the secret its last rotation replaced, kept as long as the
    /// token is: whether that secret still authenticates is the record's to say.
    previous: HashMap<[u8; 32], TokenId, RandomState>,
    /// Every token's hash by id, in id (creation) order.
    by_id: BTreeMap<TokenId, TokenHash>,
    /// (owner key, token name key) pairs in use.
    names: HashSet<(Arc<str>, String)>,
    /// (owner key, id) of every token: an owner's tokens in id order, without a full scan.
    by_owner: BTreeSet<(Arc<str>, TokenId)>,
    /// Use counts by token and day.
    usage: BTreeMap<(TokenId, NaiveDate), u64>,
    last_id: i64,
    /// The audit log, oldest first.
    audit: Vec<AuditEntry>,
    /// The last audit entry's id: ids grow even when old entries are deleted.
    last_audit_id: i64,
}

#[derive(Debug)]
struct StoredToken {
    record: TokenRecord,
    /// The owner's role, copied at insert: a user's role never changes here ([`Storage`] has
    /// no operation for it), and authentication then reads no second map.
    role: Role,
    name_key: (Arc<str>, String),
    /// The digest of the secret the last rotation replaced, if any.
    previous_hash: Option<TokenHash>,
}

impl MemoryStorage {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    // A poisoned lock only means another thread panicked mid-operation; every operation
    // below leaves the state consistent before it can panic, so the data is still sound.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn token(&self, id: TokenId) -> Option<&StoredToken> {
        let hash = self.by_id.get(&id)?;
        self.tokens.get(hash.as_bytes()).map(Box::as_ref)
    }

    fn token_mut(&mut self, id: TokenId) -> Option<&mut StoredToken> {
        let hash = self.by_id.get(&id)?;
        self.tokens.get_mut(hash.as_bytes()).map(Box::as_mut)
    }

    fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        let key = user.name.key();
        if self.users.contains_key(key.as_str()) {
            return Err(StoreError::DuplicateUser);
        }
        self.users.insert(Arc::from(key), user.clone());
        Ok(())
    }

    fn insert_token(&mut self, token: &NewToken<'_>) -> Result<TokenRecord, StoreError> {
        let request = token.request;
        let (owner_key, owner) = self
            .users
            .get_key_value(request.owner.key().as_str())
            .ok_or(StoreError::UnknownUser)?;
        let (owner_key, role, owner) = (Arc::clone(owner_key), owner.role, owner.name.clone());
        // Under the same write lock as the insert: a revocation either ran before (refused
        // here) or runs after and finds this token among the parent's descendants.
        if let Some(parent) = token.parent
            && !self.presents(parent.token.id, parent.hash, parent.secret)
        {
            return Err(StoreError::ParentNotActive);
        }
        let name_key = (owner_key, request.name.uniqueness_key());
        // A repeated digest is refused as the SQL backends' UNIQUE constraint refuses it:
        // keyed by digest, the second would replace the first.
        if self.names.contains(&name_key) || self.knows(&token.hash) {
            return Err(StoreError::DuplicateTokenName);
        }
        // Counted and inserted under the one write lock: concurrent inserts never pass the cap.
        // A store holding fewer tokens than the cap, in all, needs no count; the count stops
        // at the cap.
        let max = usize::try_from(token.max_live_tokens).unwrap_or(usize::MAX);
        if self.tokens.len() >= max {
            let live = self
                .ids_of(&name_key.0, None)
                .filter_map(|id| self.token(id))
                .filter(|held| {
                    held.record.revoked_at.is_none()
                        && held.record.limits.is_live_at(token.created_at)
                })
                .take(max)
                .count();
            if live >= max {
                return Err(StoreError::TooManyTokens {
                    max: token.max_live_tokens,
                });
            }
        }
        self.last_id += 1;
        let id = TokenId(self.last_id);
        let record = TokenRecord {
            id,
            owner,
            name: request.name.clone(),
            limits: request.limits.clone(),
            parent_id: token.parent.map(|parent| parent.token.id),
            ancestors: token.ancestors.clone(),
            hint: token.hint,
            created_at: token.created_at,
            last_used_at: None,
            revoked_at: None,
            rotated_at: None,
            previous_secret_until: None,
        };
        self.names.insert(name_key.clone());
        self.by_owner.insert((Arc::clone(&name_key.0), id));
        self.by_id.insert(id, token.hash);
        self.tokens.insert(
            *token.hash.as_bytes(),
            Box::new(StoredToken {
                record: record.clone(),
                role,
                name_key,
                previous_hash: None,
            }),
        );
        Ok(record)
    }

    /// Revokes at `at` every token descending from `ancestor` that is not revoked yet. A token
    /// is made after its parent, so one pass in id order finds every generation.
    fn revoke_descendants(&mut self, ancestor: TokenId, at: DateTime<Utc>) {
        let mut lineage = BTreeSet::from([ancestor]);
        let ids: Vec<TokenId> = self.by_id.range(ancestor..).map(|(&id, _)| id).collect();
        for id in ids {
            if let Some(token) = self.token_mut(id)
                && token
                    .record
                    .parent_id
                    .is_some_and(|parent| lineage.contains(&parent))
            {
                lineage.insert(id);
                if token.record.revoked_at.is_none() {
                    token.record.revoked_at = Some(at);
                    self.forget_previous(id);
                }
            }
        }
    }

    /// The ids of the owner with key `owner_key`'s tokens after `after`, in id order.
    fn ids_of<'s>(
        &'s self,
        owner_key: &str,
        after: Option<TokenId>,
    ) -> impl Iterator<Item = TokenId> + 's {
        let owner: Arc<str> = Arc::from(owner_key);
        let start = match after {
            Some(id) => Bound::Excluded((Arc::clone(&owner), id)),
            None => Bound::Included((Arc::clone(&owner), TokenId(i64::MIN))),
        };
        let end = Bound::Included((owner, TokenId(i64::MAX)));
        self.by_owner.range((start, end)).map(|&(_, id)| id)
    }

    fn remove(&mut self, id: TokenId) {
        if let Some(hash) = self.by_id.remove(&id)
            && let Some(token) = self.tokens.remove(hash.as_bytes())
        {
            self.by_owner.remove(&(Arc::clone(&token.name_key.0), id));
            self.names.remove(&token.name_key);
            if let Some(previous) = token.previous_hash {
                self.previous.remove(previous.as_bytes());
            }
        }
    }

    /// Whether token `id` exists, is not revoked, and has the secret with digest `hash` as the
    /// `secret` it was when it authenticated.
    fn presents(&self, id: TokenId, hash: TokenHash, secret: SecretMatch) -> bool {
        let Some(token) = self
            .token(id)
            .filter(|token| token.record.revoked_at.is_none())
        else {
            return false;
        };
        match secret {
            SecretMatch::Current => self.by_id.get(&id) == Some(&hash),
            SecretMatch::Previous => token.previous_hash == Some(hash),
        }
    }

    /// Forgets token `id`'s replaced secret: a revoked token, once restored, takes back its
    /// current secret only.
    fn forget_previous(&mut self, id: TokenId) {
        let replaced = self.token_mut(id).and_then(|token| {
            token.record.previous_secret_until = None;
            token.previous_hash.take()
        });
        if let Some(replaced) = replaced {
            self.previous.remove(replaced.as_bytes());
        }
    }

    /// Whether some token has, or had until its last rotation, the secret with this digest.
    fn knows(&self, hash: &TokenHash) -> bool {
        self.tokens.contains_key(hash.as_bytes()) || self.previous.contains_key(hash.as_bytes())
    }

    fn rotate(&mut self, id: TokenId, rotation: &Rotation) -> Result<TokenRecord, StoreError> {
        let current = *self.by_id.get(&id).ok_or(StoreError::UnknownToken)?;
        let revoked = self
            .token(id)
            .is_none_or(|token| token.record.revoked_at.is_some());
        if revoked {
            return Err(StoreError::AlreadyRevoked);
        }
        if !self.presents(rotation.by.0, rotation.by.1, SecretMatch::Current) {
            return Err(StoreError::RotationNotAllowed);
        }
        // As the SQL backends' UNIQUE constraints: a digest names one token, in either role.
        if self.knows(&rotation.hash) {
            return Err(StoreError::DuplicateTokenName);
        }
        let mut token = self
            .tokens
            .remove(current.as_bytes())
            .ok_or(StoreError::UnknownToken)?;
        if let Some(replaced) = token.previous_hash.take() {
            self.previous.remove(replaced.as_bytes());
        }
        if rotation.previous_until.is_some() {
            self.previous.insert(*current.as_bytes(), id);
            token.previous_hash = Some(current);
        }
        token.record.hint = rotation.hint;
        token.record.rotated_at = Some(rotation.at);
        token.record.previous_secret_until = rotation.previous_until;
        let record = token.record.clone();
        self.by_id.insert(id, rotation.hash);
        self.tokens.insert(*rotation.hash.as_bytes(), token);
        Ok(record)
    }
}

impl Storage for MemoryStorage {
    async fn create_user(&self, user: &User, _at: DateTime<Utc>) -> Result<(), StoreError> {
        self.write().insert_user(user)
    }

    async fn user(&self, name: &UserName) -> Result<Option<User>, StoreError> {
        Ok(self.read().users.get(name.key().as_str()).cloned())
    }

    async fn users_named(&self, names: &[UserName]) -> Result<Vec<User>, StoreError> {
        let keys: BTreeSet<String> = names.iter().map(UserName::key).collect();
        let state = self.read();
        let found = keys.iter().filter_map(|key| state.users.get(key.as_str()));
        Ok(found.cloned().collect())
    }

    async fn users(&self, after: Option<&UserName>, limit: usize) -> Result<Vec<User>, StoreError> {
        let after = after.map(UserName::key);
        let start = after.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let state = self.read();
        let users = state.users.range::<str, _>((start, Bound::Unbounded));
        Ok(users.take(limit).map(|(_, user)| user.clone()).collect())
    }

    async fn insert_token(&self, token: NewToken<'_>) -> Result<TokenRecord, StoreError> {
        self.write().insert_token(&token)
    }

    async fn create_user_with_token(
        &self,
        user: &User,
        _at: DateTime<Utc>,
        token: NewToken<'_>,
    ) -> Result<TokenRecord, StoreError> {
        let mut state = self.write();
        state.insert_user(user)?;
        let inserted = state.insert_token(&token);
        if inserted.is_err() {
            state.users.remove(user.name.key().as_str());
        }
        inserted
    }

    async fn token_by_hash(&self, hash: &TokenHash) -> Result<Option<Authenticated>, StoreError> {
        let state = self.read();
        let (token, secret) = match state.tokens.get(hash.as_bytes()) {
            Some(token) => (Some(&**token), SecretMatch::Current),
            None => {
                let id = state.previous.get(hash.as_bytes());
                (id.and_then(|&id| state.token(id)), SecretMatch::Previous)
            }
        };
        Ok(token.map(|token| Authenticated {
            token: token.record.clone(),
            role: token.role,
            secret,
            hash: *hash,
        }))
    }

    async fn token_by_id(&self, id: TokenId) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self.read().token(id).map(|token| token.record.clone()))
    }

    async fn tokens_of(
        &self,
        owner: &UserName,
        after: Option<TokenId>,
        limit: usize,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        let state = self.read();
        let owned = state
            .ids_of(&owner.key(), after)
            .take(limit)
            .filter_map(|id| state.token(id));
        Ok(owned.map(|token| token.record.clone()).collect())
    }

    async fn revoke(&self, id: TokenId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut state = self.write();
        let token = state.token_mut(id).ok_or(StoreError::UnknownToken)?;
        if token.record.revoked_at.is_some() {
            return Err(StoreError::AlreadyRevoked);
        }
        token.record.revoked_at = Some(at);
        state.forget_previous(id);
        state.revoke_descendants(id, at);
        Ok(())
    }

    async fn rotate(&self, id: TokenId, rotation: &Rotation) -> Result<TokenRecord, StoreError> {
        self.write().rotate(id, rotation)
    }

    async fn restore(&self, id: TokenId) -> Result<(), StoreError> {
        let mut state = self.write();
        let token = state.token(id).ok_or(StoreError::UnknownToken)?;
        if token.record.revoked_at.is_none() {
            return Err(StoreError::NotRevoked);
        }
        if let Some(parent) = token.record.parent_id {
            let active = state
                .token(parent)
                .is_some_and(|parent| parent.record.revoked_at.is_none());
            if !active {
                return Err(StoreError::ParentNotActive);
            }
        }
        if let Some(token) = state.token_mut(id) {
            token.record.revoked_at = None;
        }
        Ok(())
    }

    async fn delete_token(
        &self,
        id: TokenId,
        owner: &UserName,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.write();
        let owned = state
            .token(id)
            .is_some_and(|token| *token.name_key.0 == *owner.key());
        if owned {
            state.revoke_descendants(id, at);
            state.remove(id);
        }
        Ok(owned)
    }

    async fn record_use(
        &self,
        id: TokenId,
        at: DateTime<Utc>,
        stale_since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.write();
        let Some(token) = state.token_mut(id) else {
            return Ok(false);
        };
        let stale = token
            .record
            .last_used_at
            .is_none_or(|last| last <= stale_since);
        if stale {
            token.record.last_used_at = Some(at);
        }
        Ok(stale)
    }

    async fn purge_unused_since(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.write();
        let unused: Vec<TokenId> = state
            .tokens
            .values()
            .filter(|token| token.record.last_used_at.unwrap_or(token.record.created_at) < cutoff)
            .map(|token| token.record.id)
            .collect();
        for &id in &unused {
            state.remove(id);
        }
        Ok(unused.len() as u64)
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        let mut state = self.write();
        for event in events {
            state.last_audit_id += 1;
            let id = state.last_audit_id;
            state.audit.push(AuditEntry {
                id,
                event: event.clone(),
            });
        }
        Ok(())
    }

    async fn audit_entries(
        &self,
        query: &AuditQuery,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let state = self.read();
        Ok(state
            .audit
            .iter()
            .rev()
            .filter(|entry| query.admits(entry))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn delete_audit_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.write();
        let before = state.audit.len();
        state.audit.retain(|entry| entry.event.at >= cutoff);
        Ok((before - state.audit.len()) as u64)
    }

    async fn add_usage(&self, counts: &[DayCount]) -> Result<(), StoreError> {
        let mut state = self.write();
        for count in counts {
            let uses = state.usage.entry((count.token, count.day)).or_default();
            *uses = uses.saturating_add(count.uses);
        }
        Ok(())
    }

    async fn delete_usage_before(&self, day: NaiveDate) -> Result<u64, StoreError> {
        let mut state = self.write();
        let before = state.usage.len();
        state.usage.retain(|&(_, on), _| on >= day);
        Ok((before - state.usage.len()) as u64)
    }

    async fn usage_since(
        &self,
        ids: &[TokenId],
        since: NaiveDate,
    ) -> Result<Vec<DayCount>, StoreError> {
        let state = self.read();
        let mut found = Vec::new();
        for &token in ids {
            let days = state.usage.range((token, since)..=(token, NaiveDate::MAX));
            found.extend(days.map(|(&(token, day), &uses)| DayCount { token, day, uses }));
        }
        Ok(found)
    }
}
