//! The one shape of RFC 3339 Twitch writes (`2023-11-06T18:11:47.492253549Z`: UTC, `T` and `Z`
//! in capitals, up to nine fraction digits), read directly. Events carry two or three timestamps
//! each, and `time`'s general RFC 3339 parser costs more than the rest of a small event; any
//! other shape (an offset, lower case, a leap second) is left to that parser.

use time::{Date, Month, OffsetDateTime, Time};

/// The date-time `text` names when it has Twitch's shape and is valid; `None` otherwise, which
/// tells the caller to use the general parser (which then accepts it or says why not).
pub(crate) fn parse_utc(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[b.len() - 1] != b'Z' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = Month::try_from(u8::try_from(digits(&b[5..7])?).ok()?).ok()?;
    let day = digits(&b[8..10])?;
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let date = Date::from_calendar_date(year as i32, month, day as u8).ok()?;
    // 60 seconds (a leap second) fails here and goes to the general parser, which knows it.
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos).ok()?;
    Some(date.with_time(time).assume_utc())
}

/// The number ASCII digits spell; `None` if any byte is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use time::format_description::well_known::Rfc3339;

    use super::*;

    fn general(text: &str) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(text, &Rfc3339).ok()
    }

    #[test]
    fn agrees_with_the_general_parser_wherever_it_answers() {
        let mut texts = vec![
            "2023-11-06T18:11:47.492253549Z".to_owned(),
            "2021-03-10T15:04:21Z".to_owned(),
            "2024-02-29T00:00:00.5Z".to_owned(),
            "0000-01-01T00:00:00Z".to_owned(),
            "9999-12-31T23:59:59.999999999Z".to_owned(),
        ];
        // A spread of dates and times, fraction lengths 0 to 9, plus invalid days and hours.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = |m: u64, s: u32| (seed >> s) % m;
            let fraction = match n(10, 40) {
                0 => String::new(),
                len => format!(
                    ".{:0width$}",
                    n(10u64.pow(len as u32), 20),
                    width = len as usize
                ),
            };
            texts.push(format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}Z",
                1900 + n(300, 0),
                1 + n(12, 8),
                1 + n(31, 12),
                n(25, 16),
                n(60, 24),
                n(61, 32),
            ));
        }
        let mut answered = 0;
        for text in &texts {
            if let Some(fast) = parse_utc(text) {
                answered += 1;
                assert_eq!(Some(fast), general(text), "{text}");
            } else {
                // What it declines is either invalid or a leap second the general parser reads.
                assert!(general(text).is_none() || text.contains(":60"), "{text}");
            }
        }
        assert!(
            answered > texts.len() * 8 / 10,
            "{answered} of {}",
            texts.len()
        );
    }

    #[test]
    fn other_shapes_are_left_to_the_general_parser() {
        for text in [
            "2023-11-06T18:11:47+01:00",
            "2023-11-06t18:11:47z",
            "2023-11-06 18:11:47Z",
            "2023-11-06T18:11:47.1234567890Z",
            "2023-11-06T18:11:47.Z",
            "2023-02-30T18:11:47Z",
            "2016-12-31T23:59:60Z",
            "+2023-11-06T18:11:47Z",
            "2023-11-06T18:11:4xZ",
            "",
            "Z",
        ] {
            assert_eq!(parse_utc(text), None, "{text}");
        }
    }
}
