//! The configuration of `sip-proxy` (a registrar + stateful proxy), kept
//! apart from its command line so tests can check it.
//!
//! A configuration file is TOML; every key is optional and the command
//! line adds to it or overrides it:
//!
//! ```toml
//! # UDP and TCP on each address, on the same port.
//! listen = ["127.0.0.1:5060", "[::1]:5060"]
//! # Domains the registrar and the proxy are responsible for, besides the
//! # listening addresses themselves.
//! domains = ["example.com"]
//! record_route = true
//! # Digest realm; the first domain, or the first listening address.
//! realm = "example.com"
//! # Also challenge (407) requests our own users send out of a dialog.
//! challenge_calls = false
//! # Registration intervals, in seconds.
//! min_expires = 60
//! max_expires = 3600
//! # With users, REGISTERs are challenged (401) and must authenticate.
//! [users]
//! alice = "wonderland"
//! bob = "zanzibar"
//! # Next hops for domains that are not ours ("udp:" or "tcp:" address).
//! [routes]
//! "atlanta.example.com" = "udp:127.0.0.1:5062"
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Deserialize;
use sip_dialog::{
    Authenticator, MemoryCredentials, MemoryLocation, Proxy, ProxyConfig, Registrar,
    RegistrarConfig,
};
use sip_transaction::{IdGenerator, Target, TransactionLayer, Transport};

/// The server's settings, from a file and the command line.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The addresses to listen on, UDP and TCP each (default
    /// `127.0.0.1:5060`).
    #[serde(default)]
    pub listen: Vec<SocketAddr>,
    /// The domains served, besides the listening addresses.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Whether to Record-Route (default yes).
    pub record_route: Option<bool>,
    /// The digest realm.
    pub realm: Option<String>,
    /// User name to password. Empty: no authentication.
    #[serde(default)]
    pub users: BTreeMap<String, String>,
    /// Challenge our users' requests out of a dialog with 407.
    #[serde(default)]
    pub challenge_calls: bool,
    /// The shortest registration interval granted.
    pub min_expires: Option<u32>,
    /// The longest registration interval granted.
    pub max_expires: Option<u32>,
    /// Static next hops for other domains.
    #[serde(default)]
    pub routes: BTreeMap<String, String>,
}

/// A configuration the server cannot run with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not valid TOML or has unknown keys.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// A `user:password` argument without the colon.
    #[error("a user is given as NAME:PASSWORD, not {0:?}")]
    User(String),
    /// A route target that is not `udp:ADDR`, `tcp:ADDR` or `ADDR`.
    #[error("route target {0:?} is not udp:IP:PORT, tcp:IP:PORT or IP:PORT")]
    Route(String),
    /// A route given on the command line without `=`.
    #[error("a route is given as DOMAIN=TARGET, not {0:?}")]
    RouteArg(String),
}

/// The address `sip-proxy` listens on when nothing else is configured.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5060";

impl ServerConfig {
    /// Parses a TOML configuration file.
    ///
    /// # Errors
    /// [`ConfigError::Toml`] with the position of the mistake.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let cfg: Self = toml::from_str(text)?;
        for target in cfg.routes.values() {
            parse_target(target)?;
        }
        Ok(cfg)
    }

    /// Adds a `NAME:PASSWORD` user (from the command line).
    ///
    /// # Errors
    /// [`ConfigError::User`] without a colon.
    pub fn add_user(&mut self, arg: &str) -> Result<(), ConfigError> {
        let (name, password) = arg
            .split_once(':')
            .filter(|(n, _)| !n.is_empty())
            .ok_or_else(|| ConfigError::User(arg.to_owned()))?;
        self.users.insert(name.to_owned(), password.to_owned());
        Ok(())
    }

    /// Adds a `DOMAIN=TARGET` route (from the command line).
    ///
    /// # Errors
    /// [`ConfigError::RouteArg`] or [`ConfigError::Route`].
    pub fn add_route(&mut self, arg: &str) -> Result<(), ConfigError> {
        let (domain, target) = arg
            .split_once('=')
            .ok_or_else(|| ConfigError::RouteArg(arg.to_owned()))?;
        parse_target(target)?;
        self.routes.insert(domain.to_owned(), target.to_owned());
        Ok(())
    }

    /// The addresses to bind: the configured ones, or [`DEFAULT_LISTEN`].
    pub fn listen_addrs(&self) -> Vec<SocketAddr> {
        if self.listen.is_empty() {
            vec![DEFAULT_LISTEN.parse().expect("a valid default")]
        } else {
            self.listen.clone()
        }
    }

    /// The domains served: the configured ones, then every specific
    /// listening address (a URI naming the server by address, such as
    /// `sip:alice@127.0.0.1:5060`, is for its registrar, as with
    /// Kamailio's `myself`).
    pub fn served_domains(&self, bound: &[(Transport, SocketAddr)]) -> Vec<String> {
        let mut out = self.domains.clone();
        for (_, a) in bound {
            if a.ip().is_unspecified() {
                continue;
            }
            let host = match a.ip() {
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                v4 => v4.to_string(),
            };
            if !out.contains(&host) {
                out.push(host);
            }
        }
        out
    }

    /// The digest realm: the configured one, else the first domain served.
    pub fn realm(&self, bound: &[(Transport, SocketAddr)]) -> String {
        self.realm.clone().unwrap_or_else(|| {
            self.served_domains(bound)
                .into_iter()
                .next()
                .unwrap_or_else(|| "localhost".to_owned())
        })
    }

    /// The proxy and registrar this configuration describes, over `layer`
    /// (which listens on `bound`). Tags and nonces come from fresh random
    /// [`IdGenerator`]s.
    ///
    /// # Errors
    /// [`ConfigError::Route`] for a bad route target.
    pub fn build(
        &self,
        layer: TransactionLayer,
        bound: &[(Transport, SocketAddr)],
    ) -> Result<Proxy<MemoryLocation, MemoryCredentials>, ConfigError> {
        let mut cfg = ProxyConfig::default();
        cfg.record_route(self.record_route.unwrap_or(true));
        for (domain, target) in &self.routes {
            cfg.add_route(domain, parse_target(target)?);
        }
        let mut reg = RegistrarConfig::default();
        for d in self.served_domains(bound) {
            reg.add_domain(&d);
        }
        if let Some(s) = self.min_expires {
            reg.min_expires(s);
        }
        if let Some(s) = self.max_expires {
            reg.max_expires(s);
        }
        let registrar = Registrar::new(reg, MemoryLocation::new()).with_ids(IdGenerator::default());
        let proxy = Proxy::with_registrar(cfg, layer, registrar);
        if self.users.is_empty() {
            return Ok(proxy.with_auth::<MemoryCredentials>(None, None));
        }
        let users: MemoryCredentials = self.users.clone().into_iter().collect();
        let realm = self.realm(bound);
        let register = Authenticator::new(realm.clone(), users.clone(), IdGenerator::default());
        let calls = self
            .challenge_calls
            .then(|| Authenticator::new(realm, users, IdGenerator::default()));
        Ok(proxy.with_auth(Some(register), calls))
    }
}

/// `udp:ADDR`, `tcp:ADDR` or `ADDR` (UDP).
///
/// # Errors
/// [`ConfigError::Route`] otherwise.
pub fn parse_target(s: &str) -> Result<Target, ConfigError> {
    let bad = || ConfigError::Route(s.to_owned());
    let (transport, addr) = match s.split_once(':') {
        Some((t, rest)) if t.eq_ignore_ascii_case("udp") => (Transport::Udp, rest),
        Some((t, rest)) if t.eq_ignore_ascii_case("tcp") => (Transport::Tcp, rest),
        _ => (Transport::Udp, s),
    };
    let addr: SocketAddr = addr.parse().map_err(|_| bad())?;
    Ok(Target { transport, addr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_file_parses() {
        let doc = include_str!("server.rs");
        let start = doc.find("```toml").unwrap() + "```toml".len();
        let end = start + doc[start..].find("```").unwrap();
        let text: String = doc[start..end]
            .lines()
            .map(|l| l.trim_start_matches("//!").trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let cfg = ServerConfig::from_toml(&text).unwrap();
        assert_eq!(cfg.listen.len(), 2);
        assert_eq!(cfg.domains, ["example.com"]);
        assert_eq!(cfg.users.len(), 2);
        assert_eq!(cfg.max_expires, Some(3600));
        assert_eq!(
            parse_target(&cfg.routes["atlanta.example.com"]).unwrap(),
            Target::udp("127.0.0.1:5062".parse().unwrap())
        );
    }

    #[test]
    fn unknown_keys_and_bad_targets_are_refused_with_their_position() {
        let e = ServerConfig::from_toml("listen = [\"127.0.0.1:5060\"]\nrecord_rout = true\n")
            .unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(ServerConfig::from_toml("[routes]\n\"a.test\" = \"sctp:1.2.3.4:5\"\n").is_err());
        let mut c = ServerConfig::default();
        assert!(c.add_user("alice").is_err());
        assert!(c.add_route("a.test").is_err());
        c.add_user("alice:pw:with:colons").unwrap();
        assert_eq!(c.users["alice"], "pw:with:colons");
    }

    #[test]
    fn listening_addresses_are_served_domains_and_the_default_realm() {
        let c = ServerConfig::default();
        let bound = [
            (Transport::Udp, "127.0.0.1:5060".parse().unwrap()),
            (Transport::Tcp, "127.0.0.1:5060".parse().unwrap()),
            (Transport::Udp, "[::1]:5060".parse().unwrap()),
            (Transport::Udp, "0.0.0.0:5060".parse().unwrap()),
        ];
        assert_eq!(c.served_domains(&bound), ["127.0.0.1", "[::1]"]);
        assert_eq!(c.realm(&bound), "127.0.0.1");
        assert_eq!(c.listen_addrs(), [DEFAULT_LISTEN.parse().unwrap()]);
    }
}
