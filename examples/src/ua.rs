//! The configuration of `sip-ua`, kept apart from its command line so
//! tests can check it.
//!
//! A configuration file is TOML; every key is optional and the command
//! line overrides it:
//!
//! ```toml
//! aor = "sip:alice@example.com"
//! display_name = "Alice"
//! # Digest credentials (the user defaults to the AOR's user part).
//! user = "alice"
//! password = "wonderland"
//! # The outbound proxy: every request outside a dialog goes there, and
//! # REGISTERs too. "udp:" (default) or "tcp:".
//! proxy = "udp:127.0.0.1:5060"
//! # The registrar's URI (default: the AOR's domain).
//! registrar = "sip:example.com"
//! # Where to listen (port 0: any free port).
//! listen = "127.0.0.1:0"
//! expires = 3600
//! ```

use std::net::SocketAddr;

use serde::Deserialize;
use sip_dialog::{Credential, RegisterConfig, UaConfig};
use sip_message::Uri;
use sip_transaction::{Target, Transport};

use crate::server::parse_target;

/// The user agent's settings, from a file and the command line.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UaFileConfig {
    /// The address-of-record (default `sip:user@127.0.0.1`).
    pub aor: Option<String>,
    /// The display name in From.
    pub display_name: Option<String>,
    /// The digest user name.
    pub user: Option<String>,
    /// The digest password.
    pub password: Option<String>,
    /// The outbound proxy, `udp:IP:PORT` or `tcp:IP:PORT`.
    pub proxy: Option<String>,
    /// The registrar's URI.
    pub registrar: Option<String>,
    /// The local address.
    pub listen: Option<SocketAddr>,
    /// The registration interval asked for.
    pub expires: Option<u32>,
}

/// A configuration the UA cannot run with.
#[derive(Debug, thiserror::Error)]
pub enum UaConfigError {
    /// The file is not valid TOML or has unknown keys.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// A URI that does not parse.
    #[error("{what} {value:?} is not a SIP URI")]
    Uri {
        /// Which setting.
        what: &'static str,
        /// Its value.
        value: String,
    },
    /// A bad proxy address.
    #[error(transparent)]
    Proxy(#[from] crate::server::ConfigError),
}

/// The local address `sip-ua` binds when nothing else is configured.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:0";

impl UaFileConfig {
    /// Parses a TOML configuration file.
    ///
    /// # Errors
    /// [`UaConfigError::Toml`] with the position of the mistake.
    pub fn from_toml(text: &str) -> Result<Self, UaConfigError> {
        Ok(toml::from_str(text)?)
    }

    /// The local address to bind.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
            .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("a valid default"))
    }

    /// The outbound proxy, if any.
    ///
    /// # Errors
    /// [`UaConfigError::Proxy`] for a bad address.
    pub fn proxy_target(&self) -> Result<Option<Target>, UaConfigError> {
        Ok(self.proxy.as_deref().map(parse_target).transpose()?)
    }

    /// The address-of-record.
    ///
    /// # Errors
    /// [`UaConfigError::Uri`] if it does not parse.
    pub fn aor_uri(&self) -> Result<Uri, UaConfigError> {
        let s = self
            .aor
            .clone()
            .unwrap_or_else(|| format!("sip:{}@127.0.0.1", self.user.as_deref().unwrap_or("ua")));
        uri("aor", &s)
    }

    /// The UA core's configuration once bound at `local` with `transport`:
    /// the Contact is `sip:USER@LOCAL` (`;transport=tcp` over TCP).
    ///
    /// # Errors
    /// [`UaConfigError`] for a bad AOR or proxy.
    pub fn ua_config(
        &self,
        local: SocketAddr,
        transport: Transport,
    ) -> Result<UaConfig, UaConfigError> {
        let aor = self.aor_uri()?;
        let user = aor
            .as_sip()
            .and_then(|s| s.user().map(|u| u.into_owned()))
            .unwrap_or_else(|| "ua".to_owned());
        let param = if transport == Transport::Tcp {
            ";transport=tcp"
        } else {
            ""
        };
        let contact = uri("contact", &format!("sip:{user}@{local}{param}"))?;
        let mut cfg = UaConfig::new(aor, contact);
        cfg.display_name.clone_from(&self.display_name);
        cfg.outbound_proxy = self.proxy_target()?;
        cfg.user_agent = Some(format!("sip-ua/{}", env!("CARGO_PKG_VERSION")));
        Ok(cfg)
    }

    /// The digest credential, when a password is set.
    ///
    /// # Errors
    /// [`UaConfigError::Uri`] for a bad AOR.
    pub fn credential(&self) -> Result<Option<Credential>, UaConfigError> {
        let Some(password) = &self.password else {
            return Ok(None);
        };
        let user = match &self.user {
            Some(u) => u.clone(),
            None => self
                .aor_uri()?
                .as_sip()
                .and_then(|s| s.user().map(|u| u.into_owned()))
                .unwrap_or_default(),
        };
        Ok(Some(Credential::new(user, password.clone())))
    }

    /// What REGISTER needs: the registrar URI (the AOR's domain unless
    /// set) and where to send (the proxy, else the registrar's address).
    ///
    /// # Errors
    /// [`UaConfigError`] when neither gives an address to send to.
    pub fn register_config(&self) -> Result<RegisterConfig, UaConfigError> {
        let aor = self.aor_uri()?;
        let registrar = match &self.registrar {
            Some(r) => uri("registrar", r)?,
            None => {
                let host = aor
                    .as_sip()
                    .map(|s| match s.port() {
                        Some(p) => format!("{}:{p}", s.host()),
                        None => s.host().to_owned(),
                    })
                    .unwrap_or_default();
                uri("registrar", &format!("sip:{host}"))?
            }
        };
        let target = match self.proxy_target()? {
            Some(t) => t,
            None => {
                let sip = registrar.as_sip().ok_or_else(|| UaConfigError::Uri {
                    what: "registrar",
                    value: registrar.to_string(),
                })?;
                let addr = format!("{}:{}", sip.host(), sip.port().unwrap_or(5060));
                parse_target(&addr)?
            }
        };
        let mut cfg = RegisterConfig::new(registrar, target);
        if let Some(e) = self.expires {
            cfg.expires = e;
        }
        Ok(cfg)
    }
}

fn uri(what: &'static str, value: &str) -> Result<Uri, UaConfigError> {
    Uri::parse(value).map_err(|_| UaConfigError::Uri {
        what,
        value: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_file_parses_into_a_ua_and_a_registration() {
        let doc = include_str!("ua.rs");
        let start = doc.find("```toml").unwrap() + "```toml".len();
        let end = start + doc[start..].find("```").unwrap();
        let text: String = doc[start..end]
            .lines()
            .map(|l| l.trim_start_matches("//!").trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let f = UaFileConfig::from_toml(&text).unwrap();
        let ua = f
            .ua_config("127.0.0.1:5070".parse().unwrap(), Transport::Udp)
            .unwrap();
        assert_eq!(ua.aor.to_string(), "sip:alice@example.com");
        assert_eq!(ua.contact.to_string(), "sip:alice@127.0.0.1:5070");
        assert_eq!(
            ua.outbound_proxy,
            Some(Target::udp("127.0.0.1:5060".parse().unwrap()))
        );
        let reg = f.register_config().unwrap();
        assert_eq!(reg.registrar.to_string(), "sip:example.com");
        assert_eq!(reg.target, Target::udp("127.0.0.1:5060".parse().unwrap()));
        assert!(f.credential().unwrap().is_some());
    }

    #[test]
    fn without_a_proxy_registers_at_the_aor_domain_and_tcp_marks_the_contact() {
        let f = UaFileConfig {
            aor: Some("sip:bob@127.0.0.1:5099".into()),
            ..UaFileConfig::default()
        };
        let reg = f.register_config().unwrap();
        assert_eq!(reg.registrar.to_string(), "sip:127.0.0.1:5099");
        assert_eq!(reg.target, Target::udp("127.0.0.1:5099".parse().unwrap()));
        let ua = f
            .ua_config("127.0.0.1:6000".parse().unwrap(), Transport::Tcp)
            .unwrap();
        assert_eq!(
            ua.contact.to_string(),
            "sip:bob@127.0.0.1:6000;transport=tcp"
        );
        assert!(f.credential().unwrap().is_none());
        assert!(UaFileConfig::from_toml("aor = 3").is_err());
        assert!(UaFileConfig::from_toml("colour = \"blue\"").is_err());
    }
}
