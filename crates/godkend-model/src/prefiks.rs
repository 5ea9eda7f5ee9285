//! A text key's first 16 bytes as one integer, for sorting many keys (sagsids, person keys, series)
//! without following a pointer to each string at every comparison: a sort that reaches the strings
//! themselves waits for memory at nearly every step once the keys outnumber the cache.

use std::cmp::Ordering;

/// The first 16 bytes of a string (zero-padded, big-endian) and its length. Compared as a tuple they
/// order two strings as the strings order, and are equal only for equal strings, whenever both are at
/// most 16 bytes; otherwise equal prefixes must be settled by the strings ([`Prefiks::cmp_with`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefiks {
    /// The first 16 bytes, big-endian, in two halves (so that a `Prefiks` is 8-byte aligned: 24 bytes,
    /// not the 32 an `u128` would make it).
    high: u64,
    low: u64,
    /// The length, or 17 for any string longer than 16 bytes (those are settled by the strings).
    len: u8,
}

impl Prefiks {
    pub fn of<S: AsRef<[u8]> + ?Sized>(s: &S) -> Prefiks {
        let b = s.as_ref();
        let mut a = [0u8; 16];
        let n = b.len().min(16);
        a[..n].copy_from_slice(&b[..n]);
        let (high, low) = a.split_at(8);
        Prefiks {
            high: u64::from_be_bytes(high.try_into().expect("8 bytes")),
            low: u64::from_be_bytes(low.try_into().expect("8 bytes")),
            len: b.len().min(17) as u8,
        }
    }

    /// Whether the prefix is the whole string.
    pub fn is_whole(self) -> bool {
        self.len <= 16
    }

    /// The order of strings `a` and `b`, given their prefixes: the strings are read only when the
    /// prefixes are equal in their first 16 bytes and one of them is longer.
    pub fn cmp_with<S: AsRef<[u8]> + ?Sized>(self, a: &S, other: Prefiks, b: &S) -> Ordering {
        match (self.high, self.low).cmp(&(other.high, other.low)) {
            Ordering::Equal if self.is_whole() && other.is_whole() => self.len.cmp(&other.len),
            Ordering::Equal => a.as_ref().cmp(b.as_ref()),
            unequal => unequal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Prefiks;

    #[test]
    fn is_small() {
        assert_eq!(std::mem::size_of::<(Prefiks, i32, u32)>(), 32);
    }

    #[test]
    fn orders_as_the_strings_do() {
        let keys = [
            "",
            "a",
            "a\0",
            "a\0\0",
            "ab",
            "101-0000001",
            "101-0000002",
            "101-00000010",
            "C0101801234",
            "0123456789abcdef",
            "0123456789abcdeg",
            "0123456789abcdef\0",
            "0123456789abcdefX",
            "0123456789abcdefY",
            "0123456789abcdefXY",
            "\u{FF}",
            "æ",
            "ø",
            "å",
            "zzzzzzzzzzzzzzzzzzzz",
        ];
        for a in keys {
            for b in keys {
                let (pa, pb) = (Prefiks::of(a), Prefiks::of(b));
                assert_eq!(pa.cmp_with(a, pb, b), a.cmp(b), "{a:?} {b:?}");
                if pa.is_whole() && pb.is_whole() {
                    assert_eq!(pa.cmp(&pb), a.cmp(b), "{a:?} {b:?}");
                }
            }
        }
    }
}
