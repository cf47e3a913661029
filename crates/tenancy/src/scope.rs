//! Scopes and org coverage: what a token lets its bearer do, and where.

use latchkey_core::OrgId;
use std::collections::BTreeSet;
use std::fmt;

/// One permission a token can carry (see "Authorization" in the Credentials API reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    CredentialsRead,
    CredentialsWrite,
    CredentialsAdmin,
    Tokens,
    Otp,
    Totp,
    TotpPasscode,
    Devices,
    TenantsAdmin,
    ClientsAdmin,
    KeysAdmin,
    /// OpenID Connect: the token request is an authentication request (an ID token is issued).
    Openid,
    /// OpenID Connect claims of the customer's profile (`preferred_username`, `updated_at`).
    Profile,
    /// OpenID Connect claims `email` and `email_verified`.
    Email,
    /// OpenID Connect claims `phone_number` and `phone_number_verified`.
    Phone,
    /// A refresh token is issued with the access token (OpenID Connect Core §11).
    OfflineAccess,
    /// A sibling service of the security service validates operators' tokens
    /// (`/api/v1/validateToken`) and reads the configured services (`/api/v1/systemServices`).
    TokensValidate,
}

/// A scope name that Latchkey does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope '{0}'")]
pub struct ScopeParseError(pub String);

impl Scope {
    /// Every scope, in canonical order.
    pub const ALL: [Scope; 17] = [
        Scope::CredentialsRead,
        Scope::CredentialsWrite,
        Scope::CredentialsAdmin,
        Scope::Tokens,
        Scope::Otp,
        Scope::Totp,
        Scope::TotpPasscode,
        Scope::Devices,
        Scope::TenantsAdmin,
        Scope::ClientsAdmin,
        Scope::KeysAdmin,
        Scope::Openid,
        Scope::Profile,
        Scope::Email,
        Scope::Phone,
        Scope::OfflineAccess,
        Scope::TokensValidate,
    ];

    /// The scope's wire name, e.g. `credentials:read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CredentialsRead => "credentials:read",
            Scope::CredentialsWrite => "credentials:write",
            Scope::CredentialsAdmin => "credentials:admin",
            Scope::Tokens => "tokens",
            Scope::Otp => "otp",
            Scope::Totp => "totp",
            Scope::TotpPasscode => "totp:passcode",
            Scope::Devices => "devices",
            Scope::TenantsAdmin => "tenants:admin",
            Scope::ClientsAdmin => "clients:admin",
            Scope::KeysAdmin => "keys:admin",
            Scope::Openid => "openid",
            Scope::Profile => "profile",
            Scope::Email => "email",
            Scope::Phone => "phone",
            Scope::OfflineAccess => "offline_access",
            Scope::TokensValidate => "tokens:validate",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Result<Self, ScopeParseError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| ScopeParseError(raw.to_owned()))
    }

    fn bit(self) -> u32 {
        self.bit_const()
    }

    const fn bit_const(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes (a bit set: membership checks are on every request's path).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct ScopeSet(u32);

impl ScopeSet {
    /// No scope at all.
    pub const EMPTY: ScopeSet = ScopeSet(0);

    /// Every scope.
    pub fn all() -> Self {
        Scope::ALL.into_iter().collect()
    }

    /// What a customer's own token may carry: the OpenID Connect scopes and the scopes of the
    /// Credentials API endpoints that act on the customer's own credential (devices, TOTP, OTP,
    /// magic link). Never an operator's scope.
    pub const CUSTOMER: ScopeSet = ScopeSet(
        Scope::Openid.bit_const()
            | Scope::Profile.bit_const()
            | Scope::Email.bit_const()
            | Scope::Phone.bit_const()
            | Scope::OfflineAccess.bit_const()
            | Scope::Devices.bit_const()
            | Scope::Totp.bit_const()
            | Scope::Otp.bit_const()
            | Scope::Tokens.bit_const(),
    );

    /// The OpenID Connect scopes (they say what an ID token and `/userinfo` carry, not what the
    /// Credentials API allows).
    pub const OIDC: ScopeSet = ScopeSet(
        Scope::Openid.bit_const()
            | Scope::Profile.bit_const()
            | Scope::Email.bit_const()
            | Scope::Phone.bit_const()
            | Scope::OfflineAccess.bit_const(),
    );

    /// What a customer's token carries when the application asks for no scope: the OpenID
    /// Connect scopes that describe the customer (as far as the client allows them), nothing
    /// that acts on second factors, devices or tokens, and no refresh token (RFC 9700 §2.3:
    /// a token carries the least privilege the application asked for).
    pub const CUSTOMER_DEFAULT: ScopeSet = ScopeSet(
        Scope::Openid.bit_const()
            | Scope::Profile.bit_const()
            | Scope::Email.bit_const()
            | Scope::Phone.bit_const(),
    );

    /// The scopes of `self` that are not in `other`.
    pub fn without(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & !other.0)
    }

    /// The scopes of either set.
    pub fn union(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 | other.0)
    }

    /// Parses a space-delimited list (RFC 6749 §3.3), rejecting unknown names.
    pub fn parse_space_delimited(raw: &str) -> Result<Self, ScopeParseError> {
        raw.split(' ')
            .filter(|s| !s.is_empty())
            .map(Scope::parse)
            .collect()
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn is_subset_of(self, other: ScopeSet) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn intersection(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & other.0)
    }

    /// The scopes in canonical order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The wire names in canonical order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Scope::as_str).collect()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        ScopeSet(iter.into_iter().fold(0, |acc, s| acc | s.bit()))
    }
}

impl fmt::Display for ScopeSet {
    /// Space-delimited, as the `scope` claim and token response carry it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(" "))
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

/// The orgs a client or token may act on: all of them (`["*"]` on the wire) or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgAccess {
    All,
    Only(BTreeSet<OrgId>),
}

impl OrgAccess {
    /// The wire form of [`OrgAccess::All`].
    pub const WILDCARD: &'static str = "*";

    /// Parses the wire form: `["*"]` alone, or a non-empty list of valid org ids.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, latchkey_core::OrgIdError> {
        if items.iter().any(|s| s.as_ref() == Self::WILDCARD) {
            return if items.len() == 1 {
                Ok(Self::All)
            } else {
                Err(latchkey_core::OrgIdError)
            };
        }
        items
            .iter()
            .map(|s| OrgId::parse(s.as_ref()))
            .collect::<Result<_, _>>()
            .map(Self::Only)
    }

    pub fn covers(&self, org: &OrgId) -> bool {
        match self {
            Self::All => true,
            Self::Only(orgs) => orgs.contains(org),
        }
    }

    /// Whether every org `other` names is covered by `self`.
    pub fn covers_all(&self, other: &OrgAccess) -> bool {
        match (self, other) {
            (Self::All, _) => true,
            (Self::Only(_), Self::All) => false,
            (Self::Only(mine), Self::Only(theirs)) => theirs.is_subset(mine),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Only(orgs) if orgs.is_empty())
    }

    /// The wire form: `["*"]` or the org ids.
    pub fn to_strings(&self) -> Vec<String> {
        match self {
            Self::All => vec![Self::WILDCARD.to_owned()],
            Self::Only(orgs) => orgs.iter().map(ToString::to_string).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_names_round_trip() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Ok(scope));
        }
        assert!(Scope::parse("credentials:delete").is_err());
    }

    #[test]
    fn scope_set_parses_and_prints_space_delimited() {
        let set = ScopeSet::parse_space_delimited("tokens  credentials:read").unwrap_or_default();
        assert!(set.contains(Scope::Tokens) && set.contains(Scope::CredentialsRead));
        assert_eq!(set.to_string(), "credentials:read tokens");
        assert!(ScopeSet::parse_space_delimited("tokens bogus").is_err());
    }

    #[test]
    fn the_default_customer_scopes_touch_no_factor_device_or_token() {
        assert!(ScopeSet::CUSTOMER_DEFAULT.is_subset_of(ScopeSet::OIDC));
        for scope in [Scope::Totp, Scope::Otp, Scope::Tokens, Scope::Devices] {
            assert!(!ScopeSet::CUSTOMER_DEFAULT.contains(scope), "{scope}");
        }
        assert!(!ScopeSet::CUSTOMER_DEFAULT.contains(Scope::OfflineAccess));
    }

    #[test]
    fn subset_and_intersection() {
        let a: ScopeSet = [Scope::Tokens, Scope::Otp].into_iter().collect();
        let b: ScopeSet = [Scope::Tokens].into_iter().collect();
        assert!(b.is_subset_of(a) && !a.is_subset_of(b));
        assert_eq!(a.intersection(b), b);
    }

    #[test]
    fn org_access_wildcard_must_stand_alone() {
        assert_eq!(OrgAccess::parse(&["*"]), Ok(OrgAccess::All));
        assert!(OrgAccess::parse(&["*", "yoigo"]).is_err());
        assert!(OrgAccess::parse(&["Yoigo"]).is_err());
    }

    #[test]
    fn org_access_coverage() {
        let org = |s: &str| OrgId::parse(s).unwrap_or_else(|_| unreachable!());
        let masmovil = OrgAccess::Only([org("masmovil")].into());
        let both = OrgAccess::Only([org("masmovil"), org("yoigo")].into());
        assert!(masmovil.covers(&org("masmovil")) && !masmovil.covers(&org("yoigo")));
        assert!(both.covers_all(&masmovil) && !masmovil.covers_all(&both));
        assert!(!both.covers_all(&OrgAccess::All) && OrgAccess::All.covers_all(&both));
    }
}
