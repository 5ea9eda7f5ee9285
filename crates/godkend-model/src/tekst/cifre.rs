//! The digits of every script: what a CPR number may be written in. Generated from Unicode's digit
//! property (Python's `unicodedata.digit`, Unicode 14, plus Unicode 15's Kawi and Nag Mundari digits):
//! decimal digits (Arabic-Indic, Devanagari, fullwidth, mathematical, …), super- and subscripts, circled
//! and parenthesised digits.

/// (first code point, its digit, how many follow in order).
const RUNS: [(u32, u8, u8); 89] = [
    (0x30, 0, 10),
    (0xB2, 2, 2),
    (0xB9, 1, 1),
    (0x660, 0, 10),
    (0x6F0, 0, 10),
    (0x7C0, 0, 10),
    (0x966, 0, 10),
    (0x9E6, 0, 10),
    (0xA66, 0, 10),
    (0xAE6, 0, 10),
    (0xB66, 0, 10),
    (0xBE6, 0, 10),
    (0xC66, 0, 10),
    (0xCE6, 0, 10),
    (0xD66, 0, 10),
    (0xDE6, 0, 10),
    (0xE50, 0, 10),
    (0xED0, 0, 10),
    (0xF20, 0, 10),
    (0x1040, 0, 10),
    (0x1090, 0, 10),
    (0x1369, 1, 9),
    (0x17E0, 0, 10),
    (0x1810, 0, 10),
    (0x1946, 0, 10),
    (0x19D0, 0, 10),
    (0x19DA, 1, 1),
    (0x1A80, 0, 10),
    (0x1A90, 0, 10),
    (0x1B50, 0, 10),
    (0x1BB0, 0, 10),
    (0x1C40, 0, 10),
    (0x1C50, 0, 10),
    (0x2070, 0, 1),
    (0x2074, 4, 6),
    (0x2080, 0, 10),
    (0x2460, 1, 9),
    (0x2474, 1, 9),
    (0x2488, 1, 9),
    (0x24EA, 0, 1),
    (0x24F5, 1, 9),
    (0x24FF, 0, 1),
    (0x2776, 1, 9),
    (0x2780, 1, 9),
    (0x278A, 1, 9),
    (0xA620, 0, 10),
    (0xA8D0, 0, 10),
    (0xA900, 0, 10),
    (0xA9D0, 0, 10),
    (0xA9F0, 0, 10),
    (0xAA50, 0, 10),
    (0xABF0, 0, 10),
    (0xFF10, 0, 10),
    (0x104A0, 0, 10),
    (0x10A40, 1, 4),
    (0x10D30, 0, 10),
    (0x10E60, 1, 9),
    (0x11052, 1, 9),
    (0x11066, 0, 10),
    (0x110F0, 0, 10),
    (0x11136, 0, 10),
    (0x111D0, 0, 10),
    (0x112F0, 0, 10),
    (0x11450, 0, 10),
    (0x114D0, 0, 10),
    (0x11650, 0, 10),
    (0x116C0, 0, 10),
    (0x11730, 0, 10),
    (0x118E0, 0, 10),
    (0x11950, 0, 10),
    (0x11C50, 0, 10),
    (0x11D50, 0, 10),
    (0x11DA0, 0, 10),
    (0x11F50, 0, 10),
    (0x16A60, 0, 10),
    (0x16AC0, 0, 10),
    (0x16B50, 0, 10),
    (0x1D7CE, 0, 10),
    (0x1D7D8, 0, 10),
    (0x1D7E2, 0, 10),
    (0x1D7EC, 0, 10),
    (0x1D7F6, 0, 10),
    (0x1E140, 0, 10),
    (0x1E2F0, 0, 10),
    (0x1E4F0, 0, 10),
    (0x1E950, 0, 10),
    (0x1F100, 0, 1),
    (0x1F101, 0, 10),
    (0x1FBF0, 0, 10),
];

/// The digit `c` stands for, in any script.
pub fn value(c: char) -> Option<u8> {
    let cp = u32::from(c);
    if c.is_ascii() {
        return c.to_digit(10).map(|d| d as u8);
    }
    let i = RUNS.partition_point(|&(first, _, _)| first <= cp).checked_sub(1)?;
    let (first, digit, len) = RUNS[i];
    (cp - first < u32::from(len)).then(|| digit + (cp - first) as u8)
}

#[cfg(test)]
mod tests {
    use super::value;

    #[test]
    fn digits_of_other_scripts() {
        assert_eq!(value('7'), Some(7));
        assert_eq!(value('\u{FF13}'), Some(3), "fullwidth three");
        assert_eq!(value('\u{0669}'), Some(9), "Arabic-Indic nine");
        assert_eq!(value('\u{06F4}'), Some(4), "Persian four");
        assert_eq!(value('\u{0966}'), Some(0), "Devanagari zero");
        assert_eq!(value('\u{00B2}'), Some(2), "superscript two");
        assert_eq!(value('\u{2468}'), Some(9), "circled nine");
        assert_eq!(value('\u{1D7D9}'), Some(1), "mathematical double-struck one");
        assert_eq!(value('a'), None);
        assert_eq!(value('\u{00BD}'), None, "one half is not a digit");
        assert_eq!(value('\u{10FFFF}'), None);
    }
}
