//! The value worked out for the row before, kept for the next row with the same text: a delivery's
//! records and a store's cases come mostly service by service and municipality by municipality, and
//! comparing a few bytes is cheaper than a look-up per row (docs/PERFORMANCE.md, "Eleventh round").

/// The last text asked about and what it gave.
pub struct Forrige<'a, T> {
    last: Option<(&'a str, T)>,
}

impl<'a, T: Copy> Default for Forrige<'a, T> {
    fn default() -> Self {
        Forrige { last: None }
    }
}

impl<'a, T: Copy> Forrige<'a, T> {
    /// `find(text)`, or what it gave the row before when that row's text was the same.
    pub fn get(&mut self, text: &'a str, find: impl FnOnce(&'a str) -> T) -> T {
        match self.last {
            Some((before, value)) if before == text => value,
            _ => self.last.insert((text, find(text))).1,
        }
    }

    /// [`Forrige::get`] for a look-up that can fail: a failure is returned and not kept.
    pub fn try_get<E>(&mut self, text: &'a str, find: impl FnOnce(&'a str) -> Result<T, E>) -> Result<T, E> {
        match self.last {
            Some((before, value)) if before == text => Ok(value),
            _ => Ok(self.last.insert((text, find(text)?)).1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_like_the_row_befores_is_not_looked_up_again_and_a_failure_is_not_kept() {
        let mut calls = 0;
        let mut forrige = Forrige::default();
        let mut len = |t: &'static str| {
            forrige.get(t, |t| {
                calls += 1;
                t.len()
            })
        };
        assert_eq!([len("ab"), len("ab"), len("abc"), len("ab")], [2, 2, 3, 2]);
        assert_eq!(calls, 3, "only a change of text looks up");

        let mut checked = Forrige::default();
        let parse = |t: &str| t.parse::<u16>().map_err(|_| t.to_string());
        assert_eq!(checked.try_get("101", parse), Ok(101));
        assert_eq!(checked.try_get("x", parse), Err("x".to_string()));
        assert_eq!(checked.try_get("x", parse), Err("x".to_string()), "a failure is looked up again");
        assert_eq!(checked.try_get("101", parse), Ok(101));
    }
}
