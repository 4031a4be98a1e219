//! Kubernetes resource quantities (`500m`, `128Mi`, `1e3`, `0.5`), parsed to plain numbers.

/// Parses a quantity into base units (cores for cpu, bytes for memory).
///
/// Returns `None` for text the API server would reject. Follows the suffix table of
/// `k8s.io/apimachinery/pkg/api/resource` (binary `Ki`..`Ei`, decimal `n`..`E`, and `e`/`E` exponents).
pub fn parse(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let split = t
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || ((*c == '+' || *c == '-') && *i == 0)))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let (num, suffix) = t.split_at(split);
    if num.is_empty() || num == "+" || num == "-" {
        return None;
    }
    let value: f64 = num.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with('e') || s.starts_with('E') => {
            let exp: i32 = s[1..].parse().ok()?;
            10f64.powi(exp)
        }
        _ => return None,
    };
    let v = value * factor;
    v.is_finite().then_some(v)
}

/// Formats a ratio such as `2.5` without trailing noise.
pub fn ratio_text(r: f64) -> String {
    let s = format!("{r:.1}");
    s.trim_end_matches(".0").to_string()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn cpu_and_memory_forms() {
        assert_eq!(parse("500m"), Some(0.5));
        assert_eq!(parse("2"), Some(2.0));
        assert_eq!(parse("0.25"), Some(0.25));
        assert_eq!(parse("128Mi"), Some(128.0 * 1024.0 * 1024.0));
        assert_eq!(parse("1G"), Some(1e9));
        assert_eq!(parse("1e3"), Some(1000.0));
        assert_eq!(parse("12E2"), Some(1200.0));
        assert_eq!(parse("1Ki"), Some(1024.0));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("abc"), None);
        assert_eq!(parse("10 Mi"), None);
        assert_eq!(parse("5mb"), None);
        assert_eq!(parse("m"), None);
    }
}
