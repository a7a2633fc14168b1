//! `Date` ([RFC 3261 §20.17]).
//!
//! [RFC 3261 §20.17]: https://www.rfc-editor.org/rfc/rfc3261#section-20.17

use bytes::BytesMut;
use bytestring::ByteString;

use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::Cursor;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A day of the week, as `wkday` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    const ALL: [Self; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    /// The three-letter name (`Mon`).
    pub fn as_str(self) -> &'static str {
        WEEKDAYS[self as usize]
    }

    /// The weekday of a day counted from 1970-01-01, a Thursday.
    fn from_days(days: i64) -> Self {
        Self::ALL[(days + 3).rem_euclid(7) as usize]
    }
}

/// `Date = "Date" HCOLON SIP-date`, where `SIP-date = rfc1123-date`:
/// `wkday "," SP date1 SP time SP "GMT"` (RFC 3261 §20.17, §25.1), such as
/// `Sat, 13 Nov 2010 23:29:00 GMT`.
///
/// Only this form is accepted, with the single `SP`s of the grammar and the
/// time zone `GMT`: "SIP restricts the time zone in SIP-date to "GMT""
/// (§20.17). Fields are range-checked; `second` may be 60 for a leap
/// second. The weekday is kept as written and not checked against the date
/// (real phones get it wrong); see [`Date::weekday_is_consistent`].
///
/// The value is held as numbers rather than text: every field has a fixed
/// width, so nothing is lost, and a `Date` is `Copy`.
///
/// ```
/// use sip_message::{Date, TypedHeader, Weekday};
/// let d = Date::parse_str("Sat, 13 Nov 2010 23:29:00 GMT").unwrap();
/// assert_eq!((d.weekday(), d.day(), d.month(), d.year()), (Weekday::Sat, 13, 11, 2010));
/// assert_eq!(d.unix_seconds(), 1_289_690_940);
/// assert_eq!(Date::from_unix_seconds(1_289_690_940), Some(d));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    weekday: Weekday,
    day: u8,
    month: u8,
    year: u16,
    hour: u8,
    minute: u8,
    second: u8,
}

fn is_leap(year: u16) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: u16, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: `(year, month, day)`.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Date {
    /// A date from its fields; the weekday is computed.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDate`] if a field is out of range (year above
    /// 9999, a day the month does not have, hour above 23, ...).
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<Self, ParseError> {
        let ok = year <= 9999
            && (1..=days_in_month(year, month)).contains(&day)
            && hour <= 23
            && minute <= 59
            && second <= 60;
        if !ok {
            return Err(ParseError::new(ErrorKind::InvalidDate, 0));
        }
        Ok(Self {
            weekday: Weekday::from_days(days_from_civil(year, month, day)),
            day,
            month,
            year,
            hour,
            minute,
            second,
        })
    }

    /// The date `secs` seconds after 1970-01-01 00:00:00 UTC (negative is
    /// before), or `None` outside the years 0000-9999 a `SIP-date` can write.
    pub fn from_unix_seconds(secs: i64) -> Option<Self> {
        let days = secs.div_euclid(86_400);
        let rest = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let year = u16::try_from(year).ok().filter(|y| *y <= 9999)?;
        Some(Self {
            weekday: Weekday::from_days(days),
            day,
            month,
            year,
            hour: (rest / 3600) as u8,
            minute: (rest / 60 % 60) as u8,
            second: (rest % 60) as u8,
        })
    }

    /// Seconds since 1970-01-01 00:00:00 UTC (negative before it). A leap
    /// second `:60` counts as the first second of the next minute.
    pub fn unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The weekday as written.
    pub fn weekday(&self) -> Weekday {
        self.weekday
    }

    /// Whether the weekday written is the weekday of the date.
    pub fn weekday_is_consistent(&self) -> bool {
        self.weekday == Weekday::from_days(days_from_civil(self.year, self.month, self.day))
    }

    /// Day of the month, 1-31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Month, 1 (January) to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// Year, 0-9999.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// Hour, 0-23.
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// Minute, 0-59.
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// Second, 0-60.
    pub fn second(&self) -> u8 {
        self.second
    }
}

/// Takes one of `names` (three letters, compared case-insensitively as ABNF
/// literals are) and returns its index.
fn name3(c: &mut Cursor<'_>, names: &[&str]) -> Result<usize, ParseError> {
    let found = c.input.get(c.pos..c.pos + 3).and_then(|w| {
        names
            .iter()
            .position(|n| n.as_bytes().eq_ignore_ascii_case(w))
    });
    match found {
        Some(i) => {
            c.pos += 3;
            Ok(i)
        }
        None => Err(c.err(ErrorKind::InvalidDate)),
    }
}

/// Takes exactly `n` digits, checks the value is within `range`, and
/// returns it.
fn digits(
    c: &mut Cursor<'_>,
    n: usize,
    range: core::ops::RangeInclusive<u16>,
) -> Result<u16, ParseError> {
    let start = c.pos;
    let value = c
        .input
        .get(start..start + n)
        .filter(|d| d.iter().all(u8::is_ascii_digit))
        .map(|d| d.iter().fold(0u16, |v, d| v * 10 + u16::from(d - b'0')))
        .filter(|v| range.contains(v));
    match value {
        Some(v) => {
            c.pos += n;
            Ok(v)
        }
        None => Err(c.err(ErrorKind::InvalidDate)),
    }
}

impl TypedHeader for Date {
    const NAME: HeaderName = HeaderName::Date;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_sws();
        // wkday "," SP
        let weekday = Weekday::ALL[name3(&mut c, &WEEKDAYS)?];
        c.expect(b',', ErrorKind::InvalidDate)?;
        c.expect(b' ', ErrorKind::InvalidDate)?;
        // date1 = 2DIGIT SP month SP 4DIGIT
        let day_at = c.pos;
        let day = digits(&mut c, 2, 1..=31)? as u8;
        c.expect(b' ', ErrorKind::InvalidDate)?;
        let month = name3(&mut c, &MONTHS)? as u8 + 1;
        c.expect(b' ', ErrorKind::InvalidDate)?;
        let year = digits(&mut c, 4, 0..=9999)?;
        if day > days_in_month(year, month) {
            return Err(c.err_at(ErrorKind::InvalidDate, day_at));
        }
        c.expect(b' ', ErrorKind::InvalidDate)?;
        // time = 2DIGIT ":" 2DIGIT ":" 2DIGIT
        let hour = digits(&mut c, 2, 0..=23)? as u8;
        c.expect(b':', ErrorKind::InvalidDate)?;
        let minute = digits(&mut c, 2, 0..=59)? as u8;
        c.expect(b':', ErrorKind::InvalidDate)?;
        let second = digits(&mut c, 2, 0..=60)? as u8;
        c.expect(b' ', ErrorKind::InvalidDate)?;
        // "SIP restricts the time zone in SIP-date to "GMT"" (§20.17).
        name3(&mut c, &["GMT"])?;
        c.finish()?;
        Ok(Self {
            weekday,
            day,
            month,
            year,
            hour,
            minute,
            second,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        let month = MONTHS
            .get(usize::from(self.month).wrapping_sub(1))
            .unwrap_or(&"Jan");
        out.extend_from_slice(
            format!(
                "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                self.weekday.as_str(),
                self.day,
                month,
                self.year,
                self.hour,
                self.minute,
                self.second
            )
            .as_bytes(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        Date::parse_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// RFC 3261 §20.17: `Date: Sat, 13 Nov 2010 23:29:00 GMT`.
    #[test]
    fn rfc3261_20_17_example() {
        let d = date("Sat, 13 Nov 2010 23:29:00 GMT");
        assert_eq!(d.weekday(), Weekday::Sat);
        assert_eq!((d.day(), d.month(), d.year()), (13, 11, 2010));
        assert_eq!((d.hour(), d.minute(), d.second()), (23, 29, 0));
        assert!(d.weekday_is_consistent());
        assert_eq!(d.to_value_string(), "Sat, 13 Nov 2010 23:29:00 GMT");
        assert_eq!(Date::parse_str(&d.to_value_string()).unwrap(), d);
        assert_eq!(Date::new(2010, 11, 13, 23, 29, 0).unwrap(), d);
    }

    /// RFC 4475 §3.1.2.12 (baddate): `Date: Fri, 01 Jan 2010 16:00:00 EST`;
    /// "SIP restricts the time zone in SIP-date to "GMT"" (RFC 3261 §20.17).
    #[test]
    fn rfc4475_baddate_est_is_rejected() {
        let e = Date::parse_str("Fri, 01 Jan 2010 16:00:00 EST").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidDate);
        assert_eq!(e.offset(), 26);
        assert!(date("Fri, 01 Jan 2010 16:00:00 GMT").weekday_is_consistent());
    }

    /// RFC 3261 §25.1: `rfc1123-date = wkday "," SP date1 SP time SP "GMT"`,
    /// `date1 = 2DIGIT SP month SP 4DIGIT`, `time = 2DIGIT ":" 2DIGIT ":" 2DIGIT`.
    #[test]
    fn rfc3261_rfc1123_date_grammar() {
        for bad in [
            "",
            "Sat 13 Nov 2010 23:29:00 GMT",
            "Sat,13 Nov 2010 23:29:00 GMT",
            "Sat,  13 Nov 2010 23:29:00 GMT",
            "Sat, 3 Nov 2010 23:29:00 GMT",
            "Sat, 13 November 2010 23:29:00 GMT",
            "Sat, 13 Nov 10 23:29:00 GMT",
            "Sat, 13 Nov 2010 23:29 GMT",
            "Sat, 13 Nov 2010 23:29:00",
            "Sat, 13 Nov 2010 23:29:00 UTC",
            "Sat, 13 Nov 2010 23:29:00 GMTX",
            "Sat, 13 Nov 2010 23:29:00 +0000",
            "Saturday, 13 Nov 2010 23:29:00 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sat, 13 Nov 2010\r\n 23:29:00 GMT",
        ] {
            assert!(Date::parse_str(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranges_are_checked() {
        for bad in [
            "Mon, 00 Jan 2024 00:00:00 GMT",
            "Mon, 32 Jan 2024 00:00:00 GMT",
            "Fri, 30 Feb 2024 00:00:00 GMT",
            "Fri, 29 Feb 2023 00:00:00 GMT",
            "Fri, 31 Apr 2024 00:00:00 GMT",
            "Mon, 01 Jan 2024 24:00:00 GMT",
            "Mon, 01 Jan 2024 23:60:00 GMT",
            "Mon, 01 Jan 2024 23:59:61 GMT",
            "Mon, 01 Foo 2024 23:59:59 GMT",
        ] {
            assert!(Date::parse_str(bad).is_err(), "{bad:?}");
        }
        assert_eq!(date("Thu, 29 Feb 2024 00:00:00 GMT").day(), 29);
        assert_eq!(date("Tue, 29 Feb 2000 00:00:00 GMT").day(), 29);
        assert!(Date::parse_str("Thu, 29 Feb 1900 00:00:00 GMT").is_err());
        assert_eq!(date("Sat, 31 Dec 2016 23:59:60 GMT").second(), 60);
        assert!(Date::new(2024, 13, 1, 0, 0, 0).is_err());
        assert!(Date::new(2024, 2, 30, 0, 0, 0).is_err());
        assert!(Date::new(10000, 1, 1, 0, 0, 0).is_err());
    }

    /// A Pingtel phone sent `Date: Sun, 09 Jul 2002 16:22:37 GMT`, though
    /// 9 July 2002 was a Tuesday: the weekday is kept, not checked.
    #[test]
    fn inconsistent_weekday_is_kept() {
        let d = date("Sun, 09 Jul 2002 16:22:37 GMT");
        assert_eq!(d.weekday(), Weekday::Sun);
        assert!(!d.weekday_is_consistent());
        assert_eq!(
            Date::new(2002, 7, 9, 16, 22, 37).unwrap().weekday(),
            Weekday::Tue
        );
        assert_eq!(d.to_value_string(), "Sun, 09 Jul 2002 16:22:37 GMT");
    }

    #[test]
    fn unix_seconds_both_ways() {
        let epoch = date("Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(epoch.unix_seconds(), 0);
        assert_eq!(Date::from_unix_seconds(0), Some(epoch));
        assert_eq!(date("Wed, 31 Dec 1969 23:59:59 GMT").unix_seconds(), -1);
        assert_eq!(
            date("Tue, 19 Jan 2038 03:14:08 GMT").unix_seconds(),
            1 << 31
        );
        assert_eq!(
            date("Sat, 01 Jan 0000 00:00:00 GMT").unix_seconds(),
            -62_167_219_200
        );
        assert_eq!(
            date("Fri, 31 Dec 9999 23:59:59 GMT").unix_seconds(),
            253_402_300_799
        );
        for secs in [
            -62_167_219_200,
            -86_401,
            -1,
            0,
            951_782_400,
            1_709_164_800,
            253_402_300_799,
        ] {
            let d = Date::from_unix_seconds(secs).unwrap();
            assert!(d.weekday_is_consistent());
            assert_eq!(d.unix_seconds(), secs);
            assert_eq!(Date::parse_str(&d.to_value_string()).unwrap(), d);
        }
        assert_eq!(Date::from_unix_seconds(253_402_300_800), None);
        assert_eq!(Date::from_unix_seconds(-62_167_219_201), None);
        assert_eq!(Date::from_unix_seconds(i64::MAX), None);
        assert_eq!(Date::from_unix_seconds(i64::MIN), None);
    }

    #[test]
    fn lowercase_names_are_abnf_literals() {
        let d = date("sat, 13 nov 2010 23:29:00 gmt");
        assert_eq!(d.to_value_string(), "Sat, 13 Nov 2010 23:29:00 GMT");
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Parsing never panics; what parses encodes back to itself.
        #[test]
        fn parse_never_panics_and_round_trips(
            s in "(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Xyz), [0-3][0-9] \
                  (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Foo) [0-9]{4} \
                  [0-2][0-9]:[0-6][0-9]:[0-6][0-9] (GMT|gmt|EST)"
        ) {
            if let Ok(d) = Date::parse_str(&s) {
                prop_assert_eq!(Date::parse_str(&d.to_value_string()).ok(), Some(d));
                prop_assert_eq!(d.to_value_string().to_ascii_lowercase(), s.to_ascii_lowercase());
            }
        }

        /// Every second of years 0000-9999 survives Unix time and text.
        #[test]
        fn unix_seconds_round_trip(secs in -62_167_219_200i64..=253_402_300_799) {
            let d = Date::from_unix_seconds(secs);
            prop_assert!(d.is_some());
            if let Some(d) = d {
                prop_assert_eq!(d.unix_seconds(), secs);
                prop_assert!(d.weekday_is_consistent());
                prop_assert_eq!(Date::parse_str(&d.to_value_string()).ok(), Some(d));
            }
        }
    }
}
