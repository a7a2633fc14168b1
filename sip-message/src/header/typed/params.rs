//! `*( SEMI generic-param )` lists as they follow Via, From, To, Contact and others.

use std::borrow::Cow;

use bytes::BytesMut;

use crate::text::unquote;

/// A view of a header's `;name=value` parameters, in the order written.
///
/// Names compare case-insensitively. Values are returned as written
/// (quoted values keep their quotes); [`Params::get_unquoted`] removes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<'a> {
    raw: &'a str,
}

impl<'a> Params<'a> {
    pub(crate) fn new(raw: &'a str) -> Self {
        Self { raw }
    }

    /// The parameter text as written, from the first `;` (empty if none).
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Iterates over `(name, value)` pairs.
    pub fn iter(&self) -> ParamIter<'a> {
        ParamIter { rest: self.raw }
    }

    /// Looks a parameter up by name. `Some(None)` means present without a value.
    pub fn get(&self, name: &str) -> Option<Option<&'a str>> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Like [`Params::get`] with quotes and quoted-pairs removed from the value.
    pub fn get_unquoted(&self, name: &str) -> Option<Cow<'a, str>> {
        self.get(name).flatten().map(unquote)
    }

    /// Whether a parameter is present, with or without a value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Writes the parameters in canonical form: `;name=value` each.
    pub(crate) fn encode(&self, out: &mut BytesMut) {
        self.encode_except(out, &[]);
    }

    /// Writes the parameters except those named in `skip`.
    pub(crate) fn encode_except(&self, out: &mut BytesMut, skip: &[&str]) {
        for (n, v) in self.iter() {
            if skip.iter().any(|s| s.eq_ignore_ascii_case(n)) {
                continue;
            }
            out.extend_from_slice(b";");
            out.extend_from_slice(n.as_bytes());
            if let Some(v) = v {
                out.extend_from_slice(b"=");
                out.extend_from_slice(v.as_bytes());
            }
        }
    }
}

impl<'a> IntoIterator for Params<'a> {
    type Item = (&'a str, Option<&'a str>);
    type IntoIter = ParamIter<'a>;
    fn into_iter(self) -> ParamIter<'a> {
        self.iter()
    }
}

/// Iterator over the parameters of a [`Params`].
#[derive(Debug, Clone)]
pub struct ParamIter<'a> {
    rest: &'a str,
}

const LWS: [char; 4] = [' ', '\t', '\r', '\n'];

impl<'a> Iterator for ParamIter<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.rest.trim_start_matches(LWS);
        let s = s.strip_prefix(';')?;
        // The list was validated when the header was parsed; here we only
        // need to find where this parameter ends, skipping quoted values.
        let b = s.as_bytes();
        let mut i = 0;
        let mut quoted = false;
        while i < b.len() {
            match b[i] {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b';' if !quoted => break,
                _ => {}
            }
            i += 1;
        }
        let i = i.min(b.len());
        let item = &s[..i];
        self.rest = &s[i..];
        Some(match item.split_once('=') {
            Some((n, v)) => (n.trim_matches(LWS), Some(v.trim_matches(LWS))),
            None => (item.trim_matches(LWS), None),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterates_with_lws_and_quotes() {
        let p = Params::new(" ; branch = z9hG4bK1 ;rport; x=\"a;b\"");
        let v: Vec<_> = p.iter().collect();
        assert_eq!(
            v,
            vec![
                ("branch", Some("z9hG4bK1")),
                ("rport", None),
                ("x", Some("\"a;b\""))
            ]
        );
        assert_eq!(p.get("BRANCH"), Some(Some("z9hG4bK1")));
        assert_eq!(p.get_unquoted("x").as_deref(), Some("a;b"));
        assert!(p.contains("rport") && !p.contains("received"));
    }
}
