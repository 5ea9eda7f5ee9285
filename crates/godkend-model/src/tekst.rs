//! Text from outside (comments, file names) on its way to a terminal, a PDF or a workbook: CPR-shaped
//! numbers masked, control characters dropped, and length capped with a visible marker.

use chrono::NaiveDate;
use std::borrow::Cow;

/// What the reader sees where a CPR-shaped number stood.
pub const CPR_MASKE: &str = "[CPR skjult]";

/// The most characters an XLSX cell holds; a longer comment is cut to fit, with [`AFKORTET`].
pub const XLSX_CELLE_MAX: usize = 32_767;

/// Ends a text that was cut.
pub const AFKORTET: &str = " … [afkortet]";

/// Whether `value` contains a CPR-shaped number anywhere (docs/leveringer.md): ten digits, or six and four
/// around a dash, whose first six form a real date (DDMMYY). Digit runs longer than ten are searched
/// at every offset: `S-01018012345` still carries `0101801234`.
pub fn contains_cpr(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |from: usize, n: usize| b.len() >= from + n && b[from..from + n].iter().all(u8::is_ascii_digit);
    let real_date = |i: usize| {
        let two = |j: usize| u32::from(b[j] - b'0') * 10 + u32::from(b[j + 1] - b'0');
        let (dd, mm, yy) = (two(i), two(i + 2), two(i + 4) as i32);
        // Either century: the year only decides 29 February.
        NaiveDate::from_ymd_opt(2000 + yy, mm, dd).is_some() || NaiveDate::from_ymd_opt(1900 + yy, mm, dd).is_some()
    };
    (0..b.len())
        .any(|i| (digits(i, 10) || (digits(i, 6) && b.get(i + 6) == Some(&b'-') && digits(i + 7, 4))) && real_date(i))
}

/// Replaces every run of digits and dashes that carries a CPR-shaped number by [`CPR_MASKE`].
pub fn mask_cpr(value: &str) -> Cow<'_, str> {
    if !contains_cpr(value) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        out.push_str(if contains_cpr(token) { CPR_MASKE } else { token });
        token.clear();
    };
    for c in value.chars() {
        if c.is_ascii_digit() || c == '-' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    Cow::Owned(out)
}

/// Drops control characters (NUL, escape sequences, …); line breaks and tabs become spaces.
pub fn without_control(value: &str) -> Cow<'_, str> {
    if !value.chars().any(char::is_control) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(
        value
            .chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// At most `max` characters; a longer text is cut and ends in [`AFKORTET`] (within `max`).
pub fn capped(value: &str, max: usize) -> Cow<'_, str> {
    if value.chars().count() <= max {
        return Cow::Borrowed(value);
    }
    let keep = max.saturating_sub(AFKORTET.chars().count());
    Cow::Owned(value.chars().take(keep).collect::<String>() + AFKORTET)
}

/// A municipality's text fit for every output: CPR masked, no control characters, fits a cell.
pub fn renset(value: &str) -> String {
    capped(&mask_cpr(&without_control(value)), XLSX_CELLE_MAX).into_owned()
}

/// A value fit to echo in a message: short, and never something that looks like a CPR number.
pub fn shown(value: &str) -> Cow<'_, str> {
    if contains_cpr_like(value) {
        return Cow::Borrowed("<skjult: ligner et CPR-nummer>");
    }
    if value.chars().count() > 40 {
        return Cow::Owned(format!("{}…", value.chars().take(40).collect::<String>()));
    }
    Cow::Borrowed(value)
}

/// Whether `value` contains ten digits in a row, optionally with a dash after the sixth: wider
/// than [`contains_cpr`] (no date check), for what is echoed back in messages.
fn contains_cpr_like(value: &str) -> bool {
    let b = value.as_bytes();
    (0..b.len()).any(|i| {
        let run = |from: usize, n: usize| b.len() >= from + n && b[from..from + n].iter().all(u8::is_ascii_digit);
        run(i, 10) || (run(i, 6) && b.get(i + 6) == Some(&b'-') && run(i + 7, 4))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(renset(input), expected, "{input:?}");
    }

    #[test]
    fn cpr_shapes() {
        assert!(contains_cpr("0101801234"));
        assert!(contains_cpr("S-0101801234"));
        assert!(contains_cpr("010180-1234"));
        assert!(contains_cpr("x01018012345"), "eleven digits carry ten");
        assert!(contains_cpr("2902001234"), "29 February 2000");
        assert!(!contains_cpr("3202801234"), "no 32nd day");
        assert!(!contains_cpr("0113801234"), "no 13th month");
        assert!(!contains_cpr("010180123"), "nine digits");
        assert!(!contains_cpr("101-0000001"));
        assert!(!contains_cpr("010180 1234"));
    }

    #[test]
    fn comments_are_cleaned() {
        check("Borger 0101801234 er flyttet", "Borger [CPR skjult] er flyttet");
        check("cpr 010180-1234.", "cpr [CPR skjult].");
        check("sag 101-0000001 og 9999999999", "sag 101-0000001 og 9999999999");
        check("a\u{0}b\u{1b}[31mc\nd", "ab[31mc d");
        let long = "x".repeat(40_000);
        let cut = renset(&long);
        assert_eq!(cut.chars().count(), XLSX_CELLE_MAX);
        assert!(cut.ends_with(AFKORTET));
        check(&"y".repeat(XLSX_CELLE_MAX), &"y".repeat(XLSX_CELLE_MAX));
    }
}
