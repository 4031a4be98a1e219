//! The `/` filter: fuzzy matching with nucleo-matcher (smart case, smart normalisation).

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

pub struct Fuzzy {
    pattern: Pattern,
    matcher: Matcher,
    buf: Vec<char>,
}

impl Fuzzy {
    /// `None` for an empty filter (everything matches).
    pub fn new(filter: &str) -> Option<Fuzzy> {
        if filter.trim().is_empty() {
            return None;
        }
        Some(Fuzzy {
            pattern: Pattern::parse(filter, CaseMatching::Smart, Normalization::Smart),
            matcher: Matcher::new(Config::DEFAULT),
            buf: Vec::new(),
        })
    }

    /// Match score (higher is better), or `None`.
    pub fn score(&mut self, text: &str) -> Option<u32> {
        self.pattern
            .score(Utf32Str::new(text, &mut self.buf), &mut self.matcher)
    }

    pub fn matches(&mut self, text: &str) -> bool {
        self.pattern
            .score(Utf32Str::new(text, &mut self.buf), &mut self.matcher)
            .is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::Fuzzy;

    #[test]
    fn fuzzy_and_smart_case() {
        let mut f = Fuzzy::new("frsc").unwrap();
        assert!(f.matches("payments/fraud-scorer"));
        assert!(!f.matches("payments/ledger"));
        let mut f = Fuzzy::new("Cart").unwrap();
        assert!(
            !f.matches("storefront/cart"),
            "an upper-case letter makes it case-sensitive"
        );
        assert!(Fuzzy::new("  ").is_none());
    }
}
