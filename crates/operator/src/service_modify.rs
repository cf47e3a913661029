//! `PUT /user/{id}`: an edit of an operator, as the caller's rights allow.

use crate::permissions::{self, Edit};
use crate::service::notes_by;
use crate::{Operator, OperatorChanges, OperatorError, OperatorService, fields};
use uuid::Uuid;

impl OperatorService {
    /// Applies `changes` to the operator `id` as `actor`: `NotFound`; `AccessDenied` unless
    /// [`permissions::can_modify`] allows every field that changes; `Invalid` for an unusable
    /// field; the password policy and `PasswordReused`; `LastRoot` (demoting or suspending the
    /// last live root); `EmailTaken` cannot happen (the e-mail does not change).
    ///
    /// An operator setting its own password also ends its forced change. Suspending,
    /// blacklisting, another role or owner, or a new password end the operator's sessions
    /// ([`OperatorService::end_sessions`]) once the change is stored.
    pub async fn modify(
        &self,
        actor: &Operator,
        id: Uuid,
        changes: OperatorChanges,
    ) -> Result<Operator, OperatorError> {
        let before = self.load(id).await?;
        let own = actor.id == before.id;
        let edit = edit_of(&before, &changes, own);
        permissions::can_modify(actor, &before, &edit)?;
        let now = self.ports.clock.now();
        let mut after = before.clone();
        apply_fields(&mut after, &changes)?;
        if let Some(role) = changes.role {
            after.role = role;
        }
        if let Some(owner) = &changes.owner {
            after.owner.clone_from(owner);
        }
        after.suspended = changes.suspended.unwrap_or(after.suspended);
        after.blacklisted = changes.blacklisted.unwrap_or(after.blacklisted);
        after.notes.extend(notes_by(actor, &changes.notes, now)?);
        if let Some(password) = &changes.password {
            self.replace_password(&mut after, password).await?;
        }
        after.change_password = if own && changes.password.is_some() {
            false
        } else {
            changes.change_password.unwrap_or(after.change_password)
        };
        after.modified = now;
        after.modified_by = actor.email.as_str().to_owned();
        self.update(&after).await?;
        if Self::ends_sessions(&before, &after) {
            self.end_sessions(id).await?;
        }
        Ok(after)
    }
}

/// What `changes` would change in `target` (fields sent with their current value do not
/// count). `own`: the operator edits itself, so a new password also ends its forced change and
/// `change_password: false` alongside it is no separate edit.
fn edit_of(target: &Operator, changes: &OperatorChanges, own: bool) -> Edit {
    let differs = |new: &Option<String>, old: &str| new.as_deref().is_some_and(|n| n.trim() != old);
    let own_fields = differs(&changes.name, &target.name)
        || differs(&changes.description, &target.description)
        || differs(&changes.location, &target.location)
        || differs(&changes.locale, &target.locale)
        || changes.password.is_some()
        || changes.mfa.is_some_and(|m| m != target.mfa)
        || changes
            .mobiles
            .as_ref()
            .is_some_and(|m| *m != target.mobiles);
    let change_password = match changes.change_password {
        Some(false) if own && changes.password.is_some() => false,
        Some(value) => value != target.change_password,
        None => false,
    };
    Edit {
        own_fields,
        role: changes.role.filter(|role| *role != target.role),
        owner: changes.owner.clone().filter(|owner| *owner != target.owner),
        status: changes.suspended.is_some_and(|s| s != target.suspended)
            || changes.blacklisted.is_some_and(|b| b != target.blacklisted),
        notes: changes.notes.iter().any(|note| !note.trim().is_empty()),
        change_password,
    }
}

/// Sets the profile fields `changes` carries, each checked.
fn apply_fields(operator: &mut Operator, changes: &OperatorChanges) -> Result<(), OperatorError> {
    if let Some(name) = &changes.name {
        operator.name = fields::name(name)?;
    }
    if let Some(description) = &changes.description {
        operator.description = fields::description(description)?;
    }
    if let Some(location) = &changes.location {
        operator.location = fields::location(location)?;
    }
    if let Some(locale) = &changes.locale {
        operator.locale = fields::locale(locale)?;
    }
    if let Some(mobiles) = &changes.mobiles {
        operator.mobiles.clone_from(mobiles);
    }
    if let Some(mfa) = changes.mfa {
        fields::check_mfa(mfa, operator.mfa, &operator.mobiles)?;
        operator.mfa = mfa;
    } else if changes.mobiles.is_some()
        && operator.mfa == Some(crate::MfaMethod::Sms)
        && operator.mobiles.is_empty()
    {
        // Removing the last mobile of an operator whose codes go by SMS would lock it out.
        return Err(OperatorError::Invalid("mobiles"));
    }
    Ok(())
}
