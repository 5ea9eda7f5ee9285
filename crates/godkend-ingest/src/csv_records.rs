//! A delivery CSV's records, split straight from the decoded text, each with the line it starts on.
//!
//! The dialect is the `csv` crate's default with `;` as the separator: a field that begins with `"` is
//! quoted (`""` inside it is one `"`, and separators and line ends inside it are text; what follows the
//! closing quote up to the next separator is kept as it stands); a `"` elsewhere is an ordinary
//! character; `\r\n`, `\n` and `\r` each end a record; lines with no byte at all are skipped; one UTF-8
//! byte-order mark at the very start is dropped. The fields are exactly those the `csv` crate reads.
//!
//! The line is the one a text editor shows the record's first character on: every `\r\n`, `\n` and `\r`
//! before it ends one line, also inside quoted fields and on skipped empty lines. (The `csv` crate's own
//! position, used before, counts only `\n` bytes read when the record's read began: a `\r\n` file's second
//! record was reported on line 1, and a record after an empty line one line too early.)
//!
//! A record without a `"` — nearly every record of a real delivery — is read in one pass without copying:
//! its fields are slices of the text. Only a record with a quote is unescaped into a buffer that grows to the longest
//! one and is reused.

/// One record's fields.
pub(crate) struct Fields<'r> {
    text: &'r str,
    /// Each field's byte range in `text`.
    spans: &'r [(u32, u32)],
    /// Whether `text` is the record's line: its fields joined by one separator each.
    joined: bool,
}

impl<'r> Fields<'r> {
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The bytes of all fields together: no field is longer.
    pub(crate) fn text_len(&self) -> usize {
        self.spans.iter().map(|&(a, b)| (b - a) as usize).sum()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&'r str> {
        let &(start, end) = self.spans.get(i)?;
        Some(&self.text[start as usize..end as usize])
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'r str> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("within the record"))
    }

    /// The record's fields joined by one separator each, when they lie so in the text (a record without a
    /// quote): then [`Fields::ends`] are the fields' ends in it.
    pub(crate) fn joined(&self) -> Option<&'r str> {
        self.joined.then_some(self.text)
    }

    /// Each field's end in the text.
    pub(crate) fn ends(&self) -> impl Iterator<Item = usize> + '_ {
        self.spans.iter().map(|&(_, end)| end as usize)
    }
}

pub(crate) struct Records<'t> {
    /// The text not yet read.
    rest: &'t str,
    /// The line `rest` begins on (1-based).
    line: usize,
    /// The fields of the last record: ranges in `rest` before it was advanced, or in `unquoted`.
    spans: Vec<(u32, u32)>,
    /// The last quoted record's fields, unescaped one after another.
    unquoted: String,
}

const SEPARATOR: u8 = b';';
const QUOTE: u8 = b'"';

/// What a byte is to the one-pass reading of an unquoted record.
#[derive(Clone, Copy)]
enum Class {
    Text,
    Separator,
    LineEnd,
    Quote,
}

/// Each byte's [`Class`], by table: one load and one test per byte of text.
const CLASS: [Class; 256] = {
    let mut table = [Class::Text; 256];
    table[SEPARATOR as usize] = Class::Separator;
    table[b'\n' as usize] = Class::LineEnd;
    table[b'\r' as usize] = Class::LineEnd;
    table[QUOTE as usize] = Class::Quote;
    table
};

/// The bytes of `word` (little-endian: the first byte lowest) that are a separator, a line end or a
/// quote, as bit 7 of each such byte. Per byte exact: `zero` sets a byte's top bit only for a zero byte,
/// and no sum carries into the next byte.
fn specials(word: u64) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let every = |b: u8| u64::from_le_bytes([b; 8]);
    let zero = |x: u64| !(((x & LOW) + LOW) | x | LOW);
    zero(word ^ every(SEPARATOR)) | zero(word ^ every(b'\n')) | zero(word ^ every(b'\r')) | zero(word ^ every(QUOTE))
}

impl<'t> Records<'t> {
    pub(crate) fn new(text: &'t str) -> Records<'t> {
        let rest = text.strip_prefix('\u{feff}').unwrap_or(text);
        Records { rest, line: 1, spans: Vec::with_capacity(16), unquoted: String::new() }
    }

    /// The next record with the line it starts on (1-based), or `None` at the end of the text.
    pub(crate) fn next_record(&mut self) -> Option<(usize, Fields<'_>)> {
        self.skip_empty_lines();
        if self.rest.is_empty() {
            return None;
        }
        let line = self.line;
        let bytes = self.rest.as_bytes();
        self.spans.clear();
        // One pass over the line (a record is some 60 bytes: a loop beats a search call per separator),
        // given up at the first quote: eight bytes at a time, each word's separators, line ends and quotes
        // found at once ([`specials`]), then byte by byte for the last few.
        let (mut start, mut end, mut quoted) = (0, bytes.len(), false);
        let mut at = 0;
        // Whether the byte at `i` ends the unquoted reading (a line end or a quote); a separator ends a field.
        let mut stops = |i: usize, spans: &mut Vec<(u32, u32)>| match CLASS[usize::from(bytes[i])] {
            Class::Text => false,
            Class::Separator => {
                spans.push((offset(start), offset(i)));
                start = i + 1;
                false
            }
            Class::LineEnd => {
                end = i;
                true
            }
            Class::Quote => {
                quoted = true;
                true
            }
        };
        'line: {
            while let Some(word) = bytes.get(at..at + 8) {
                let mut found = specials(u64::from_le_bytes(word.try_into().expect("eight bytes")));
                while found != 0 {
                    if stops(at + (found.trailing_zeros() / 8) as usize, &mut self.spans) {
                        break 'line;
                    }
                    found &= found - 1;
                }
                at += 8;
            }
            for i in at..bytes.len() {
                if stops(i, &mut self.spans) {
                    break;
                }
            }
        }
        if !quoted {
            self.spans.push((offset(start), offset(end)));
            let text = self.rest;
            self.rest = &text[end..];
            self.end_line();
            return Some((line, Fields { text: &text[..end], spans: &self.spans, joined: true }));
        }
        self.spans.clear();
        self.read_quoted();
        Some((line, Fields { text: &self.unquoted, spans: &self.spans, joined: false }))
    }

    /// Skips the line ends at the start of `rest` (empty lines), counting them.
    fn skip_empty_lines(&mut self) {
        while self.rest.starts_with(['\n', '\r']) {
            self.end_line();
        }
    }

    /// Consumes one line end (`\r\n`, `\n` or `\r`) at the start of `rest`, if there is one.
    fn end_line(&mut self) {
        let n = match self.rest.as_bytes() {
            [b'\r', b'\n', ..] => 2,
            [b'\r' | b'\n', ..] => 1,
            _ => return,
        };
        self.rest = &self.rest[n..];
        self.line += 1;
    }

    /// Reads a record that holds a quote into `unquoted` and `spans`, as the `csv` crate's reader does.
    fn read_quoted(&mut self) {
        self.unquoted.clear();
        let bytes = self.rest.as_bytes();
        let mut at = 0;
        // Runs of text are copied whole; `at` and `run` are always at ASCII bytes (separators, quotes, line
        // ends) or the ends of the text, so every slice below is on character boundaries.
        loop {
            let start = self.unquoted.len();
            if bytes.get(at) == Some(&QUOTE) {
                at += 1;
                loop {
                    let run = memchr::memchr(QUOTE, &bytes[at..]).map_or(bytes.len(), |i| at + i);
                    self.take_text(at, run);
                    if run == bytes.len() {
                        // Not closed: the field runs to the end of the text.
                        at = run;
                        break;
                    }
                    if bytes.get(run + 1) == Some(&QUOTE) {
                        self.unquoted.push('"');
                        at = run + 2;
                    } else {
                        at = run + 1;
                        break;
                    }
                }
            }
            // Unquoted text (or what follows a closing quote) up to the separator or the line end.
            let run = memchr::memchr3(SEPARATOR, b'\n', b'\r', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            self.take_text(at, run);
            self.spans.push((offset(start), offset(self.unquoted.len())));
            at = run;
            if bytes.get(at) == Some(&SEPARATOR) {
                at += 1;
                continue;
            }
            break;
        }
        self.rest = &self.rest[at..];
        self.end_line();
    }

    /// Appends `rest[from..to]` to `unquoted`, counting the line ends in it (quoted fields hold them).
    fn take_text(&mut self, from: usize, to: usize) {
        let text = &self.rest[from..to];
        self.line += godkend_model::tekst::line_ends(text.as_bytes());
        self.unquoted.push_str(text);
    }
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("a delivery is far below 4 GB")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields the `csv` crate (configured as ingest configured it before) reads from the same text.
    fn by_csv(text: &str) -> Vec<Vec<String>> {
        let mut reader =
            csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut out = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).unwrap() {
            out.push(record.iter().map(str::to_string).collect());
        }
        out
    }

    fn by_records(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut records = Records::new(text);
        let mut out = Vec::new();
        while let Some((line, fields)) = records.next_record() {
            out.push((line, fields.iter().map(str::to_string).collect()));
        }
        out
    }

    fn fields(text: &str) -> Vec<Vec<String>> {
        by_records(text).into_iter().map(|(_, f)| f).collect()
    }

    fn lines(text: &str) -> Vec<usize> {
        by_records(text).into_iter().map(|(l, _)| l).collect()
    }

    /// Every byte value at every place of a word, among every other: marked exactly when the table
    /// calls it a separator, a line end or a quote.
    #[test]
    fn a_words_specials_are_the_tables() {
        for background in 0..=255u8 {
            for v in 0..=255u8 {
                for place in 0..8 {
                    let mut word = [background; 8];
                    word[place] = v;
                    let want: u64 = (0..8)
                        .filter(|&i| !matches!(CLASS[usize::from(word[i])], Class::Text))
                        .map(|i| 0x80u64 << (8 * i))
                        .sum();
                    assert_eq!(specials(u64::from_le_bytes(word)), want, "{word:?}");
                }
            }
        }
    }

    #[test]
    fn reads_the_fields_the_csv_crate_reads() {
        let long = "x".repeat(3000);
        let texts = [
            "a;b;c\n1;2;3\n".to_string(),
            "a;b\r\n1;2\r\n\r\n\n3;4".to_string(),
            "a;b\n\"1;x\";\"sagt \"\"ja\"\"\"\n\"to\nlinjer\";2\n3;4\n".to_string(),
            "a;b\n;\n;;;\n \n1\n".to_string(),
            format!("a;b\n{long};æøå\n\"{long}\";Å\n"),
            "\n\nkommunekode;sagsid\r101;x\r\r102;y".to_string(),
            "a;b\n\"ikke afsluttet;2\n3;4\n".to_string(),
            String::new(),
            format!("{}\n", ["f"; 40].join(";")),
            "\u{feff}a;b\n1;2\n".to_string(),
            "a\"b;\"c\"d;\"\"\n\"x\"\r\n\"\"\"\";\"æ\rø\"\n".to_string(),
            "\"a\"\"\n".to_string(),
            ";\n;\"\n".to_string(),
        ];
        for text in &texts {
            assert_eq!(fields(text), by_csv(text), "{text:?}");
        }
    }

    /// Every text of up to five characters from the bytes that matter (and one of two bytes in UTF-8),
    /// 9^5 ≈ 59,000 texts, and 20,000 longer ones drawn at random from them, each read as the `csv` crate
    /// reads it.
    #[test]
    fn reads_every_short_text_and_random_long_ones_as_the_csv_crate_does() {
        let alphabet = ["a", ";", "\"", "\r", "\n", "æ", " ", "\u{feff}", "1"];
        let mut text = String::new();
        let mut digits = [0usize; 5];
        for len in 0..=digits.len() {
            digits.iter_mut().for_each(|d| *d = 0);
            loop {
                text.clear();
                digits[..len].iter().for_each(|&d| text.push_str(alphabet[d]));
                assert_eq!(fields(&text), by_csv(&text), "{text:?}");
                let Some(i) = (0..len).find(|&i| digits[i] + 1 < alphabet.len()) else { break };
                digits[i] += 1;
                digits[..i].iter_mut().for_each(|d| *d = 0);
            }
        }
        let mut state: u64 = 2026;
        let mut next = |n: usize| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        for _ in 0..20_000 {
            text.clear();
            for _ in 0..6 + next(35) {
                text.push_str(alphabet[next(alphabet.len())]);
            }
            assert_eq!(fields(&text), by_csv(&text), "{text:?}");
        }
    }

    #[test]
    fn a_record_is_on_the_line_an_editor_shows_it_on() {
        assert_eq!(lines("a;b\n1;2\n3;4\n"), [1, 2, 3]);
        assert_eq!(lines("a;b\r\n1;2\r\n3;4\r\n"), [1, 2, 3], "Windows line ends");
        assert_eq!(lines("a;b\r1;2\r3;4"), [1, 2, 3], "old Mac line ends");
        assert_eq!(lines("a;b\n\n1;2\n\r\n\r3;4\n"), [1, 3, 6], "empty lines count");
        assert_eq!(lines("\n\nkommunekode;sagsid\r101;x\r\r102;y"), [3, 4, 6]);
        assert_eq!(lines("a;b\n\"to\r\nlinjer\";2\n3;4\n"), [1, 2, 4], "a line end inside quotes");
        assert_eq!(lines("a;\"x\ny\nz\"\n\n3"), [1, 5]);
        assert_eq!(lines("\u{feff}a\n1"), [1, 2]);
    }
}
