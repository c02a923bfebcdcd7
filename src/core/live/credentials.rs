//! Credentials for a server that wants them (a Prometheus behind an authenticating proxy,
//! Grafana Cloud, Mimir): sent as the `Authorization` header. They never go into a
//! shareable link, the journal or an export; the page keeps them in memory unless the user
//! asks it to remember them.

use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::error::LiveError;

/// How to sign requests to one server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Credentials {
    /// HTTP Basic: a user and a password.
    Basic {
        /// The user name (no colon: Basic cannot carry one).
        user: String,
        /// The password.
        password: String,
    },
    /// A bearer token (an API key, an OAuth access token).
    Bearer {
        /// The token, as the server issued it.
        token: String,
    },
}

/// Redacted: credentials must not reach logs or panic messages.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { user, .. } => write!(f, "Basic({user}, ***)"),
            Credentials::Bearer { .. } => write!(f, "Bearer(***)"),
        }
    }
}

impl Credentials {
    /// Basic credentials, or why the server could not take them.
    ///
    /// ```
    /// use pipescope::core::live::Credentials;
    /// let c = Credentials::basic("ops", "s3cret").unwrap();
    /// assert_eq!(c.authorization(), "Basic b3BzOnMzY3JldA==");
    /// assert!(Credentials::basic("a:b", "x").is_err());
    /// ```
    pub fn basic(user: &str, password: &str) -> Result<Self, LiveError> {
        let user = user.trim();
        if user.is_empty() {
            return Err(setting("give the user name (or choose a token instead)"));
        }
        if user.contains(':') {
            return Err(setting(
                "a user name for Basic sign-in cannot hold a colon (':')",
            ));
        }
        if user.chars().chain(password.chars()).any(char::is_control) {
            return Err(setting(
                "the user name or password holds a line break or a control character",
            ));
        }
        Ok(Credentials::Basic {
            user: user.to_string(),
            password: password.to_string(),
        })
    }

    /// A bearer token (a pasted `Bearer ` prefix is dropped), or why it cannot be sent.
    pub fn bearer(token: &str) -> Result<Self, LiveError> {
        let token = token.trim();
        let token = token
            .strip_prefix("Bearer ")
            .or_else(|| token.strip_prefix("bearer "))
            .unwrap_or(token)
            .trim();
        if token.is_empty() {
            return Err(setting("give the token"));
        }
        // A header value cannot hold spaces inside a token, line breaks or non-ASCII.
        if !token.chars().all(|c| c.is_ascii_graphic()) {
            return Err(setting(
                "a token is one word of printable ASCII characters; this one holds spaces, \
                 line breaks or other characters a header cannot carry",
            ));
        }
        Ok(Credentials::Bearer {
            token: token.to_string(),
        })
    }

    /// The `Authorization` header's value.
    pub fn authorization(&self) -> String {
        match self {
            Credentials::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
            Credentials::Bearer { token } => format!("Bearer {token}"),
        }
    }

    /// How the sign-in is described on screen (never the secret).
    pub fn describe(&self) -> String {
        match self {
            Credentials::Basic { user, .. } => format!("user {user}"),
            Credentials::Bearer { .. } => "a token".to_string(),
        }
    }
}

fn setting(message: &str) -> LiveError {
    LiveError::Setting {
        field: "Sign-in",
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_what_servers_expect() {
        // RFC 7617's example.
        let c = Credentials::basic("Aladdin", "open sesame").unwrap();
        assert_eq!(c.authorization(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let t = Credentials::bearer("  Bearer glc_abc.DEF-123 ").unwrap();
        assert_eq!(t.authorization(), "Bearer glc_abc.DEF-123");
        // Non-ASCII passwords are sent as UTF-8 (RFC 7617's charset).
        let u = Credentials::basic("zoë", "pässword").unwrap();
        assert!(u.authorization().starts_with("Basic "));
    }

    #[test]
    fn bad_credentials_say_why() {
        for e in [
            Credentials::basic("", "x").unwrap_err(),
            Credentials::basic("a:b", "x").unwrap_err(),
            Credentials::basic("a", "x\ny").unwrap_err(),
            Credentials::bearer("").unwrap_err(),
            Credentials::bearer("two words").unwrap_err(),
        ] {
            assert!(e.to_string().starts_with("Sign-in: "), "{e}");
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let b = Credentials::basic("ops", "hunter2").unwrap();
        let t = Credentials::bearer("tok-very-secret").unwrap();
        assert!(!format!("{b:?}").contains("hunter2"));
        assert!(!format!("{t:?}").contains("very-secret"));
    }
}
