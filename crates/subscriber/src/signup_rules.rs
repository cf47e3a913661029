//! The state machine of a self-registration (`/signup`), as a pure rule.
//!
//! ```text
//!   POST /signup ──► inprogress ──(the e-mailed link, a password chosen)──► emailVerified
//!                      │                                                      │
//!                      ├─ cancel ─► cancel   (the pending credential removed)  ├─ success ─► success
//!                      └─ failed ─► failed   (the pending credential removed)  ├─ failed  ─► failed
//!                                                                             └─ cancel  ─► cancel
//! ```
//!
//! `success`, `failed` and `cancel` are final. Only the link moves `inprogress` to
//! `emailVerified`: nobody can declare an address proven. Asking for the state a registration
//! is already in changes nothing (a retried request is answered as the first was); any other
//! move is refused.

use crate::SignupStatus;

/// What an accepted move does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The registration is already there: nothing changes.
    Stay,
    /// The status becomes the one asked for.
    To(SignupStatus),
    /// The status becomes the one asked for, and the credential, which never got a password,
    /// is removed: an unverified registration leaves no account behind.
    Withdraw(SignupStatus),
}

/// The move from `from` to `to` asked by the registering party; `None` when it is refused.
pub fn advance(from: SignupStatus, to: SignupStatus) -> Option<Move> {
    use SignupStatus::*;
    match (from, to) {
        (a, b) if a == b => Some(Move::Stay),
        (InProgress, Cancel | Failed) => Some(Move::Withdraw(to)),
        (EmailVerified, Success | Failed | Cancel) => Some(Move::To(to)),
        // The link alone proves the address; final states stay final; nothing goes back.
        (InProgress, EmailVerified | Success)
        | (EmailVerified, InProgress)
        | (Success | Failed | Cancel, _) => None,
        // Listed so that a new status does not compile until its moves are decided.
        (InProgress, InProgress) | (EmailVerified, EmailVerified) => Some(Move::Stay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SignupStatus::*;

    const ALL: [SignupStatus; 5] = [InProgress, EmailVerified, Success, Failed, Cancel];

    #[test]
    fn an_unverified_registration_can_only_be_cancelled_or_failed_and_leaves_no_account() {
        assert_eq!(advance(InProgress, Cancel), Some(Move::Withdraw(Cancel)));
        assert_eq!(advance(InProgress, Failed), Some(Move::Withdraw(Failed)));
        assert_eq!(advance(InProgress, Success), None);
        assert_eq!(advance(InProgress, EmailVerified), None);
    }

    #[test]
    fn a_verified_registration_ends_in_success_failed_or_cancel_keeping_the_account() {
        for to in [Success, Failed, Cancel] {
            assert_eq!(advance(EmailVerified, to), Some(Move::To(to)));
        }
        assert_eq!(advance(EmailVerified, InProgress), None);
    }

    #[test]
    fn final_states_stay_final_and_asking_for_the_current_state_changes_nothing() {
        for from in [Success, Failed, Cancel] {
            for to in ALL {
                let expected = (from == to).then_some(Move::Stay);
                assert_eq!(advance(from, to), expected, "{from:?} -> {to:?}");
            }
        }
        for state in ALL {
            assert_eq!(advance(state, state), Some(Move::Stay));
        }
    }
}
