//! Links to the login server that carry a security token.

/// The login server's page where a customer chooses a password with a set-password token
/// (`?token=`): the reset and activation messages link to it.
pub const SET_PASSWORD_PATH: &str = "/password/set";

/// The login server's page that signs a customer in with a magic-link token (`?token=`).
pub const MAGIC_LINK_PATH: &str = "/magiclink";

/// `{base}{path}?token={token}`, the token percent-encoded (RFC 3986: all but unreserved
/// characters), `base` without its trailing `/`.
pub fn token_link(base: &str, path: &str, token: &str) -> String {
    let mut link = String::with_capacity(base.len() + path.len() + 7 + token.len() * 3);
    link.push_str(base.trim_end_matches('/'));
    link.push_str(path);
    link.push_str("?token=");
    for byte in token.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            link.push(char::from(byte));
        } else {
            link.push_str(&format!("%{byte:02X}"));
        }
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_percent_encoded_into_the_query() {
        assert_eq!(
            token_link(
                "https://login.example.com/",
                SET_PASSWORD_PATH,
                "ed7f4ab1-6234@masmovil@h7sn_38-1l=="
            ),
            "https://login.example.com/password/set?token=ed7f4ab1-6234%40masmovil%40h7sn_38-1l%3D%3D"
        );
    }
}
