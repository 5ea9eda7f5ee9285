//! Mutations of an input: what a mutation fuzzer does to bytes (flip, replace, insert, delete, duplicate,
//! splice) plus the tokens careless and hostile files are made of (separators, quotes, BOMs, CPR numbers in
//! every notation, long runs, digits of other scripts).

use godkend_model::rng::Rng;

/// The largest input a mutation may make; larger ones are cut.
pub const MAX_INPUT: usize = 1 << 20;

const BYTES: &[u8] = &[0, 0xFF, 0xFE, 0xC3, 0xE2, 0x80, b';', b',', b'\t', b'\n', b'\r', b'"', b'-', b'0', b'9', b' '];

const TOKENS: &[&str] = &[
    "0101801234",
    "010180-1234",
    "010180 1234",
    "01.01.80-1234",
    "0101 80 1234",
    "\u{FF10}\u{FF11}\u{FF10}\u{FF11}\u{FF18}\u{FF10}\u{FF11}\u{FF12}\u{FF13}\u{FF14}",
    "\u{660}\u{661}\u{660}\u{661}\u{668}\u{660}\u{661}\u{662}\u{663}\u{664}",
    "\u{FEFF}",
    "\"",
    "\"\"",
    ";;;;",
    "\n101;",
    "\r\n",
    "99999999999999999999",
    "-1",
    "2024-13-45",
    "2024-02-29",
    "+2026-03-20",
    "\u{10FFFF}",
    "😀",
    "\u{1b}[2J",
    "æøå",
    "kommunekode",
    "sagsid",
    "slettet",
    "1.1",
    "BL90-2",
];

/// One to four mutations of `input`; `others` are the seeds a splice may take from.
pub fn mutate(rng: &mut Rng, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = |rng: &mut Rng, len: usize| rng.below(len as u64 + 1) as usize;
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = at(rng, out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = at(rng, out.len() - 1);
                out[i] = BYTES[rng.below(BYTES.len() as u64) as usize];
            }
            2 => {
                let i = at(rng, out.len());
                let n = 1 + rng.below(8) as usize;
                let random: Vec<u8> = (0..n).map(|_| rng.below(256) as u8).collect();
                out.splice(i..i, random);
            }
            3 if !out.is_empty() => {
                let i = at(rng, out.len() - 1);
                let n = (1 + rng.below(64) as usize).min(out.len() - i);
                out.drain(i..i + n);
            }
            4 if !out.is_empty() => {
                let i = at(rng, out.len() - 1);
                let n = (1 + rng.below(256) as usize).min(out.len() - i);
                let chunk = out[i..i + n].to_vec();
                let j = at(rng, out.len());
                out.splice(j..j, chunk);
            }
            5 => {
                let i = at(rng, out.len());
                let token = TOKENS[rng.below(TOKENS.len() as u64) as usize];
                out.splice(i..i, token.bytes());
            }
            6 => {
                let i = at(rng, out.len());
                let n = 1000 + rng.below(40_000) as usize;
                let byte = [b'x', b'9', b';', b'"', b'\n'][rng.below(5) as usize];
                out.splice(i..i, std::iter::repeat_n(byte, n));
            }
            7 if !others.is_empty() => {
                let other = &others[rng.below(others.len() as u64) as usize];
                let cut = at(rng, out.len());
                let from = at(rng, other.len());
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            _ => {}
        }
    }
    out.truncate(MAX_INPUT);
    out
}
