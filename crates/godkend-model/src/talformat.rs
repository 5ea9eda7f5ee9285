//! Numbers as a Danish reader sees them (`1.234`, `12,5`, `+12,5 %`), and the rounding of stored
//! figures: one definition for the rules' sentences and the outputs.

/// Danish number formatting: `1.234`, `12,5`.
pub fn tal(n: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, n.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let sign = if n < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "−" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped},{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// The space that keeps a number and its unit on one line (`20 %`, `§ 103`).
pub const NBSP: char = '\u{a0}';

/// A signed percentage: `+12,5 %`, `−20,0 %` (a non-breaking space before `%`).
pub fn pct(p: f64) -> String {
    let sign = if p > 0.0 { "+" } else { "" };
    format!("{sign}{}{NBSP}%", tal(p, 1))
}

/// A count with its noun in the right number: `1 kvartal`, `3 kvartaler`, `0 kvartaler`.
pub fn antal(n: usize, ental: &str, flertal: &str) -> String {
    format!("{}{NBSP}{}", tal(n as f64, 0), if n == 1 { ental } else { flertal })
}

/// Figures are stored to two decimals (shares in percent, full-time equivalents); a rule compares the
/// stored value, so a report and its flags never disagree about a figure.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One decimal, as a flag's figures show a percentage.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(tal(1234567.0, 0), "1.234.567");
        assert_eq!(tal(12.345, 1), "12,3");
        assert_eq!(tal(-5.0, 0), "−5");
        assert_eq!(tal(-0.0, 1), "0,0");
        assert_eq!(pct(12.54), "+12,5\u{a0}%");
        assert_eq!(pct(-20.0), "−20,0\u{a0}%");
        assert_eq!(antal(1, "kvartal", "kvartaler"), "1\u{a0}kvartal");
        assert_eq!(antal(0, "kommune", "kommuner"), "0\u{a0}kommuner");
        assert_eq!(antal(1200, "sag", "sager"), "1.200\u{a0}sager");
    }
}
