//! An operator's authenticator app as its second factor. The app is enrolled and proved through
//! `/totp` (`latchkey_otp::Authenticators`); only then does the record name it, so it never
//! names an authenticator nobody holds (a request cannot choose it: `fields::check_mfa`).

use crate::{MfaMethod, Operator, OperatorError, OperatorService};
use uuid::Uuid;

impl OperatorService {
    /// The operator's authenticator app proved itself (the set-up check of `/totp`): it becomes
    /// the operator's second factor, recorded as changed by the operator itself. `NotFound`.
    pub async fn use_authenticator(&self, id: Uuid) -> Result<Operator, OperatorError> {
        let mut operator = self.load(id).await?;
        operator.mfa = Some(MfaMethod::Authenticator);
        operator.modified = self.ports.clock.now();
        operator.modified_by = operator.email.as_str().to_owned();
        self.update(&operator).await?;
        Ok(operator)
    }
}
