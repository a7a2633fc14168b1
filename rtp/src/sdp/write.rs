//! Writing a description back to RFC 8866 text, CRLF line ends, lines in
//! §5 order, unknown lines where they were.

use std::fmt::{self, Write};

use super::fields::UnknownLine;
use super::media::Media;
use super::session::Sdp;

/// Puts the unknown lines of one section back between its known lines.
struct Section<'u, 'a> {
    unknown: &'u [UnknownLine<'a>],
    next: usize,
    known: u16,
}

impl<'u, 'a> Section<'u, 'a> {
    fn new(unknown: &'u [UnknownLine<'a>]) -> Self {
        Self {
            unknown,
            next: 0,
            known: 0,
        }
    }

    /// Writes the unknown lines due before the next known line, then that
    /// line's type letter.
    #[inline]
    fn start<W: Write>(&mut self, w: &mut W, letter: &str) -> fmt::Result {
        while let Some(u) = self.unknown.get(self.next) {
            if u.position > self.known {
                break;
            }
            write_unknown(w, u)?;
            self.next += 1;
        }
        self.known = self.known.saturating_add(1);
        w.write_str(letter)
    }

    /// A known line with a text value.
    #[inline]
    fn text<W: Write>(&mut self, w: &mut W, letter: &str, value: &str) -> fmt::Result {
        self.start(w, letter)?;
        w.write_str(value)?;
        w.write_str("\r\n")
    }

    /// A known line with a formatted value.
    #[inline]
    fn display<W: Write>(
        &mut self,
        w: &mut W,
        letter: &str,
        value: impl fmt::Display,
    ) -> fmt::Result {
        self.start(w, letter)?;
        write!(w, "{value}\r\n")
    }

    /// The unknown lines left at the end of the section.
    fn finish<W: Write>(&mut self, w: &mut W) -> fmt::Result {
        for u in self.unknown.get(self.next..).unwrap_or_default() {
            write_unknown(w, u)?;
        }
        self.next = self.unknown.len();
        Ok(())
    }
}

fn write_unknown<W: Write>(w: &mut W, u: &UnknownLine<'_>) -> fmt::Result {
    w.write_char(u.letter)?;
    w.write_char('=')?;
    w.write_str(&u.value)?;
    w.write_str("\r\n")
}

impl Sdp<'_> {
    /// Appends the description to `out` as RFC 8866 text with CRLF line
    /// ends.
    pub fn write_to(&self, out: &mut String) {
        // Writing to a `String` cannot fail.
        let _ = self.emit(out);
    }

    fn emit<W: Write>(&self, w: &mut W) -> fmt::Result {
        let mut s = Section::new(&self.unknown);
        s.text(w, "v=", "0")?;
        s.display(w, "o=", &self.origin)?;
        s.text(w, "s=", &self.session_name)?;
        if let Some(i) = &self.information {
            s.text(w, "i=", i)?;
        }
        if let Some(u) = &self.uri {
            s.text(w, "u=", u)?;
        }
        for e in &self.emails {
            s.text(w, "e=", e)?;
        }
        for p in &self.phones {
            s.text(w, "p=", p)?;
        }
        if let Some(c) = &self.connection {
            s.display(w, "c=", c)?;
        }
        for b in &self.bandwidths {
            s.start(w, "b=")?;
            write!(w, "{}:{}\r\n", b.bwtype, b.bandwidth)?;
        }
        for t in &self.times {
            s.start(w, "t=")?;
            write!(w, "{} {}\r\n", t.start, t.stop)?;
            for r in &t.repeats {
                s.display(w, "r=", r)?;
            }
            if !t.zone.is_empty() {
                s.start(w, "z=")?;
                for (i, z) in t.zone.iter().enumerate() {
                    if i > 0 {
                        w.write_char(' ')?;
                    }
                    write!(w, "{z}")?;
                }
                w.write_str("\r\n")?;
            }
        }
        if let Some(k) = &self.key {
            s.text(w, "k=", k)?;
        }
        for a in &self.attributes {
            s.display(w, "a=", a)?;
        }
        s.finish(w)?;
        for m in &self.media {
            m.emit(w)?;
        }
        Ok(())
    }
}

impl Media<'_> {
    fn emit<W: Write>(&self, w: &mut W) -> fmt::Result {
        let mut s = Section::new(&self.unknown);
        s.start(w, "m=")?;
        write!(w, "{} {}", self.media, self.port)?;
        if let Some(count) = self.port_count {
            write!(w, "/{count}")?;
        }
        write!(w, " {} {}\r\n", self.proto, self.formats)?;
        if let Some(i) = &self.title {
            s.text(w, "i=", i)?;
        }
        for c in &self.connections {
            s.display(w, "c=", c)?;
        }
        for b in &self.bandwidths {
            s.start(w, "b=")?;
            write!(w, "{}:{}\r\n", b.bwtype, b.bandwidth)?;
        }
        if let Some(k) = &self.key {
            s.text(w, "k=", k)?;
        }
        for a in &self.attributes {
            s.display(w, "a=", a)?;
        }
        s.finish(w)
    }
}

impl fmt::Display for Sdp<'_> {
    /// The description as RFC 8866 text, CRLF line ends.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.emit(f)
    }
}
