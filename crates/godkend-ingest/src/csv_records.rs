//! A delivery CSV's records, parsed with `csv_core` straight from the decoded text. The parser's
//! tables are built once per thread and the parser is reset for each file: building them costs about as
//! much as reading a small delivery, and a national ingest reads 13,000 files. (Not cloned: csv-core
//! 0.1's `Clone` for its tables copies only the transitions, and a clone reads every byte as a record.) Each record's fields are borrowed
//! from one buffer that grows to the longest record and is reused.
//!
//! The dialect is the `csv` crate's default with `;` as the separator (quotes, `""` inside quotes, any of
//! `\r`, `\n`, `\r\n` ending a record, blank lines skipped), and a record's line is the line it starts
//! on, as `csv`'s own position gives it.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

pub(crate) struct Records<'t> {
    /// Always `Some` until dropped, when it goes back to the thread's [`PARSER`].
    parser: Option<Reader>,
    input: &'t [u8],
    fields: Vec<u8>,
    ends: Vec<usize>,
}

thread_local! {
    /// The thread's parser between files.
    static PARSER: std::cell::Cell<Option<Reader>> = const { std::cell::Cell::new(None) };
}

impl Drop for Records<'_> {
    fn drop(&mut self) {
        if let Some(mut parser) = self.parser.take() {
            parser.reset();
            PARSER.with(|p| p.set(Some(parser)));
        }
    }
}

/// One record's fields.
pub(crate) struct Fields<'r> {
    text: &'r str,
    ends: &'r [usize],
}

impl<'r> Fields<'r> {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes of all fields together: no field is longer.
    pub(crate) fn text_len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    pub(crate) fn get(&self, i: usize) -> Option<&'r str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'r str> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("within the record"))
    }
}

impl<'t> Records<'t> {
    pub(crate) fn new(text: &'t str) -> Records<'t> {
        let parser = PARSER.with(|p| p.take()).unwrap_or_else(|| ReaderBuilder::new().delimiter(b';').build());
        Records { parser: Some(parser), input: text.as_bytes(), fields: vec![0; 512], ends: vec![0; 16] }
    }

    /// The next record with the line it starts on (1-based), or `None` at the end of the text.
    pub(crate) fn next_record(&mut self) -> Option<(usize, Fields<'_>)> {
        let parser = self.parser.as_mut().expect("until dropped");
        let line = usize::try_from(parser.line()).expect("a delivery has far fewer lines than usize holds");
        let (mut nout, mut nend) = (0, 0);
        loop {
            // Once the text is used up, the empty input tells the parser that the text has ended.
            let (result, nin, out, end) =
                parser.read_record(self.input, &mut self.fields[nout..], &mut self.ends[nend..]);
            self.input = &self.input[nin..];
            nout += out;
            nend += end;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.fields.resize(self.fields.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    // The text was valid UTF-8 and is split only at ASCII bytes (`;`, `"`, line ends).
                    let text = std::str::from_utf8(&self.fields[..nout]).expect("fields of valid UTF-8 text");
                    return Some((line, Fields { text, ends: &self.ends[..nend] }));
                }
                ReadRecordResult::End => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the `csv` crate (configured as ingest configured it before) reads from the same text: the
    /// fields and each record's line.
    fn by_csv(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut reader =
            csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut out = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).unwrap() {
            let line = record.position().map_or(0, |p| p.line() as usize);
            out.push((line, record.iter().map(str::to_string).collect()));
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

    #[test]
    fn reads_as_the_csv_crate_reads() {
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
        ];
        // Twice over: the second time each text gets the parser the one before it left.
        for text in texts.iter().chain(&texts) {
            assert_eq!(by_records(text), by_csv(text), "{text:?}");
        }
        // A text left half read hands on a parser that starts afresh.
        let mut half = Records::new("a;\"b\n");
        assert!(half.next_record().is_some_and(|(line, f)| line == 1 && f.len() == 2));
        drop(half);
        assert_eq!(by_records(&texts[0]), by_csv(&texts[0]));
    }
}
