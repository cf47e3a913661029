//! `/userinfo` (OpenID Connect Core §5.3): the signed-in customer's claims, by scope.

use super::Grants;
use latchkey_access::AccessClaims;
use latchkey_oauth::TokenError;
use latchkey_tenancy::{OrgAccess, Scope};
use serde_json::json;

impl Grants {
    /// The claims of `/userinfo` (OpenID Connect Core §5.3) for a customer's access token
    /// with the `openid` scope: `sub` always, the rest by scope.
    pub async fn userinfo(&self, claims: &AccessClaims) -> Result<serde_json::Value, TokenError> {
        let (Some(id), OrgAccess::Only(orgs)) = (claims.credential, &claims.orgs) else {
            return Err(TokenError::InvalidRequest("not a customer's token"));
        };
        if !claims.scopes.contains(Scope::Openid) {
            return Err(TokenError::InvalidScope("the token lacks the openid scope"));
        }
        let org = orgs
            .iter()
            .next()
            .ok_or(TokenError::InvalidRequest("not a customer's token"))?;
        let credential = self.live_credential(org, id).await?;
        let mut info = json!({ "sub": credential.id.to_string() });
        let name = credential.username.as_str();
        if claims.scopes.contains(Scope::Profile) {
            info["preferred_username"] = json!(name);
            info["updated_at"] = json!(credential.updated_at.unix_timestamp());
        }
        if claims.scopes.contains(Scope::Email) && name.contains('@') {
            info["email"] = json!(name);
            // Proven only by a link or code sent to the address and used (OIDC Core §5.1): an
            // address given to the API proves nothing.
            info["email_verified"] = json!(credential.email_verified_at.is_some());
        }
        if claims.scopes.contains(Scope::Phone) {
            let phone = credential
                .attrs
                .msisdn
                .as_ref()
                .map(|m| m.as_str().to_owned())
                .or_else(|| name.starts_with('+').then(|| name.to_owned()));
            if let Some(phone) = phone {
                info["phone_number"] = json!(phone);
                info["phone_number_verified"] = json!(false);
            }
        }
        Ok(info)
    }
}
