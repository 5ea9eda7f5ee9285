//! Text from outside (comments, file names) on its way to a terminal, a PDF or a workbook: CPR-shaped
//! numbers masked, control characters dropped, and length capped with a visible marker.

use chrono::NaiveDate;
use std::borrow::Cow;
use std::ops::Range;

/// What the reader sees where a CPR-shaped number stood.
pub const CPR_MASKE: &str = "[CPR skjult]";

/// The most characters an XLSX cell holds; a longer comment is cut to fit, with [`AFKORTET`].
pub const XLSX_CELLE_MAX: usize = 32_767;

/// Ends a text that was cut.
pub const AFKORTET: &str = " … [afkortet]";

mod cifre;

/// Whether `value` contains a CPR-shaped number anywhere (docs/leveringer.md): ten digits whose first six
/// form a real date (DDMMYY), written in any script's digits, with or without separators where people put
/// them — after the date (`010180-1234`, `010180/1234`, `010180 1234`) and inside it (`01.01.80-1234`,
/// `0101 80 1234`). Digit runs longer than ten are searched at every offset: `S-01018012345` still carries
/// `0101801234`.
pub fn contains_cpr(value: &str) -> bool {
    has_cpr_window(value, Datotjek::Ja)
}

/// Replaces every number that carries a CPR-shaped number by [`CPR_MASKE`] (the whole of its digit groups).
pub fn mask_cpr(value: &str) -> Cow<'_, str> {
    let spans = cpr_spans(value, Datotjek::Ja);
    if spans.is_empty() {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&value[at..span.start]);
        out.push_str(CPR_MASKE);
        at = span.end;
    }
    out.push_str(&value[at..]);
    Cow::Owned(out)
}

/// Whether ten digits are only taken for a CPR number when their first six form a real date.
#[derive(Clone, Copy, PartialEq)]
enum Datotjek {
    Ja,
    Nej,
}

/// At most this many separators in a row between two groups of digits of one number (`010180 - 1234`).
const MAX_SKILLETEGN: usize = 3;

/// Where a separator between digit groups may fall in a CPR number: after the day, the month, the year.
const SKILLEPLADSER: [usize; 3] = [2, 4, 6];

/// One digit of a number being read: its value, which group of digits it belongs to, its bytes.
struct Ciffer {
    value: u8,
    group: usize,
    bytes: Range<usize>,
}

/// The byte ranges of `value` holding a CPR-shaped number, in order and not overlapping.
fn cpr_spans(value: &str, datotjek: Datotjek) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut number: Vec<Ciffer> = Vec::new();
    let mut separators = 0;
    for (at, c) in value.char_indices() {
        if let Some(digit) = cifre::value(c) {
            let group = match number.last() {
                Some(last) if separators > 0 => last.group + 1,
                Some(last) => last.group,
                None => 0,
            };
            number.push(Ciffer { value: digit, group, bytes: at..at + c.len_utf8() });
            separators = 0;
        } else if is_invisible(c) {
            // A soft hyphen or zero-width space inside a number neither splits nor ends it.
        } else if !c.is_alphanumeric() && !number.is_empty() && separators < MAX_SKILLETEGN {
            separators += 1;
        } else {
            spans_in_number(&number, datotjek, &mut spans);
            number.clear();
            separators = 0;
        }
    }
    spans_in_number(&number, datotjek, &mut spans);
    spans
}

/// Adds the CPR-shaped parts of one number (its digit groups) to `spans`.
fn spans_in_number(number: &[Ciffer], datotjek: Datotjek, spans: &mut Vec<Range<usize>>) {
    // The bytes of each group, found once: a long run of digits has as many windows as digits.
    let mut groups: Vec<Range<usize>> = Vec::new();
    for d in number {
        match groups.get_mut(d.group) {
            Some(g) => g.end = d.bytes.end,
            None => groups.push(d.bytes.clone()),
        }
    }
    for window in number.windows(10) {
        let splits_where_cpr_does =
            (1..10).filter(|&j| window[j].group != window[j - 1].group).all(|j| SKILLEPLADSER.contains(&j));
        if !splits_where_cpr_does || (datotjek == Datotjek::Ja && !is_date(window)) {
            continue;
        }
        let (start, end) = (groups[window[0].group].start, groups[window[9].group].end);
        match spans.last_mut() {
            Some(previous) if previous.end >= start => previous.end = previous.end.max(end),
            _ => spans.push(start..end),
        }
    }
}

/// Whether the first six digits are a real date DDMMYY, in either century (the year only decides 29 February).
fn is_date(digits: &[Ciffer]) -> bool {
    is_date_values(std::array::from_fn(|j| digits[j].value))
}

/// [`is_date`] on the digits' values.
fn is_date_values(digits: [u8; 10]) -> bool {
    let two = |j: usize| u32::from(digits[j]) * 10 + u32::from(digits[j + 1]);
    let (dd, mm, yy) = (two(0), two(2), two(4) as i32);
    NaiveDate::from_ymd_opt(2000 + yy, mm, dd).is_some() || NaiveDate::from_ymd_opt(1900 + yy, mm, dd).is_some()
}

/// Format characters a reader does not see: soft hyphen, zero-width space and joiners, word joiner, BOM.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
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

/// Whether `value` contains ten digits written as a CPR number is, date or not: wider than
/// [`contains_cpr`], for what is echoed back in messages.
fn contains_cpr_like(value: &str) -> bool {
    has_cpr_window(value, Datotjek::Nej)
}

/// Whether [`cpr_spans`] would find anything, read in one pass without allocating: only the last ten
/// digits of the number being read are kept (value and digit group), and the first window that passes
/// ends the search. Ingest asks this of every sagsid, so it must cost next to nothing.
fn has_cpr_window(value: &str, datotjek: Datotjek) -> bool {
    // The number's last ten digits, the newest at `(count - 1) % 10`.
    let mut last = [(0u8, 0usize); 10];
    let (mut count, mut group, mut separators) = (0usize, 0usize, 0usize);
    for c in value.chars() {
        if let Some(digit) = cifre::value(c) {
            if count > 0 && separators > 0 {
                group += 1;
            }
            last[count % 10] = (digit, group);
            count += 1;
            separators = 0;
            if count >= 10 {
                let window: [(u8, usize); 10] = std::array::from_fn(|k| last[(count - 10 + k) % 10]);
                let splits_where_cpr_does =
                    (1..10).filter(|&j| window[j].1 != window[j - 1].1).all(|j| SKILLEPLADSER.contains(&j));
                if splits_where_cpr_does && (datotjek == Datotjek::Nej || is_date_values(window.map(|d| d.0))) {
                    return true;
                }
            }
        } else if is_invisible(c) {
            // As in `cpr_spans`: neither splits nor ends a number.
        } else if !c.is_alphanumeric() && count > 0 && separators < MAX_SKILLETEGN {
            separators += 1;
        } else {
            (count, group, separators) = (0, 0, 0);
        }
    }
    false
}

/// How many lines `bytes` ends, as a text editor counts them: each `\r\n`, `\n` and lone `\r` once. A
/// delivery's and a comments file's line numbers both count this way.
pub fn line_ends(bytes: &[u8]) -> usize {
    bytes.iter().enumerate().filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).count()
}

/// An IO error as a Danish reader understands it: a Danish line for the common kinds, the system's own
/// text (English) in brackets for the others.
pub fn io_fejl(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    // An error godkend made itself already says what is wrong, in Danish.
    if e.raw_os_error().is_none() && e.get_ref().is_some() {
        return e.to_string();
    }
    let dansk = match e.kind() {
        K::NotFound => "findes ikke",
        K::PermissionDenied => "adgang nægtet",
        K::AlreadyExists => "findes allerede",
        K::StorageFull | K::QuotaExceeded => "disken er fuld",
        K::ReadOnlyFilesystem => "filsystemet er skrivebeskyttet",
        K::IsADirectory => "er en mappe",
        K::NotADirectory => "er ikke en mappe",
        K::InvalidData => "ugyldige data",
        _ => return format!("fejl ved læsning eller skrivning ({e})"),
    };
    dansk.to_string()
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
    }

    #[test]
    fn cpr_as_people_write_it() {
        for written in [
            "010180 1234",
            "0101 80 1234",
            "010180/1234",
            "01.01.80-1234",
            "01 01 80 1234",
            "010180 - 1234",
            "010180\u{2013}1234",
            "010180\u{A0}1234",
            "\u{FF10}\u{FF11}\u{FF10}\u{FF11}\u{FF18}\u{FF10}\u{FF0D}\u{FF11}\u{FF12}\u{FF13}\u{FF14}",
            "\u{660}\u{661}\u{660}\u{661}\u{668}\u{660}\u{661}\u{662}\u{663}\u{664}",
            "0101\u{200B}801234",
            "01018\u{AD}01234",
            "1012 34 5678",
        ] {
            assert!(contains_cpr(written), "{written:?}");
            assert_eq!(mask_cpr(&format!("cpr {written}.")), "cpr [CPR skjult].", "{written:?}");
        }
    }

    #[test]
    fn numbers_that_are_not_cpr() {
        for other in [
            "101-0000001",
            "+45 12 34 56 78",
            "01.01.2024-1234",
            "12 34 56 7890",
            "2019, 2020 og 2021: 1.234.567",
            "010180    1234",
            "010180123",
        ] {
            assert!(!contains_cpr(other), "{other:?}");
        }
        assert_eq!(mask_cpr("2019, 2020, 0101801234"), "2019, [CPR skjult]");
    }

    #[test]
    fn a_long_run_of_digits_is_one_span_found_in_linear_time() {
        // Before: every window of the run searched the run again, 6 s for 40,000 digits (debug); this
        // run would have taken hours.
        let run = "9".repeat(400_000);
        assert_eq!(shown(&run), "<skjult: ligner et CPR-nummer>");
        let spans = cpr_spans(&run, Datotjek::Nej);
        assert_eq!((spans.len(), spans[0].clone()), (1, 0..400_000), "one span, the whole run");
    }

    /// The one-pass search ([`has_cpr_window`]) against the spans' definition, on strings drawn from what
    /// makes the rules differ: digits of two scripts, every kind of separator, letters, invisible characters.
    #[test]
    fn the_one_pass_search_agrees_with_the_spans() {
        let alphabet: Vec<char> =
            "0123456789012345678901010180-/. \u{A0}\u{2013}a\u{AD}\u{200B}\u{FF11}\u{661}\u{B2}x9".chars().collect();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut found, mut tried) = (0, 0);
        for _ in 0..200_000 {
            let len = (next() % 24) as usize;
            let s: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            for datotjek in [Datotjek::Ja, Datotjek::Nej] {
                let expected = !cpr_spans(&s, datotjek).is_empty();
                assert_eq!(has_cpr_window(&s, datotjek), expected, "{s:?}");
                found += usize::from(expected);
                tried += 1;
            }
        }
        // Both answers are common enough for the comparison to mean something.
        assert!(found > tried / 50 && found < tried / 2, "{found} of {tried}");
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
