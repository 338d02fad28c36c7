//! Numbers as people read them in Markdown and HTML: durations (`4m 12s`, `1h 03m`), rates
//! (`12.5%`), intervals (`[5.2%–36.0%]`) and signed changes. JSON never goes through here: it
//! keeps full precision.

/// What stands for a value that cannot be computed.
pub const MISSING: &str = "–";

/// The minus sign used in signed changes (U+2212), easier to read than a hyphen.
const MINUS: char = '−';

/// A duration in seconds, rounded to the second: `38s`, `4m 12s`, `1h 03m`, `2d 04h`.
pub fn duration(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() => duration_magnitude(s.abs()),
        _ => MISSING.to_owned(),
    }
}

fn duration_magnitude(seconds: f64) -> String {
    // Rounded once, so that 59.6 s reads `1m 00s` rather than `60s`.
    let total = seconds.round() as u64;
    let (days, hours, minutes, secs) = (
        total / 86_400,
        total % 86_400 / 3_600,
        total % 3_600 / 60,
        total % 60,
    );
    if days > 0 {
        format!("{days}d {hours:02}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {secs:02}s")
    } else {
        format!("{secs}s")
    }
}

/// A signed duration change: `+38s`, `−3m 00s`, `±0s`.
pub fn duration_delta(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() => {
            let magnitude = duration_magnitude(s.abs());
            if s.abs().round() == 0.0 {
                format!("±{magnitude}")
            } else if s > 0.0 {
                format!("+{magnitude}")
            } else {
                format!("{MINUS}{magnitude}")
            }
        }
        _ => MISSING.to_owned(),
    }
}

/// A fraction as a percentage with one decimal: `0.125` → `12.5%`.
pub fn percent(fraction: Option<f64>) -> String {
    match fraction {
        Some(f) if f.is_finite() => format!("{:.1}%", f * 100.0),
        _ => MISSING.to_owned(),
    }
}

/// An interval of fractions: `[5.2%–36.0%]`.
pub fn interval(bounds: Option<[f64; 2]>) -> String {
    match bounds {
        Some([lo, hi]) => format!("[{}–{}]", percent(Some(lo)), percent(Some(hi))),
        None => MISSING.to_owned(),
    }
}

/// A change of a rate in percentage points: `+8.0 pp`, `−4.7 pp`.
pub fn points_delta(delta: Option<f64>) -> String {
    match delta {
        Some(d) if d.is_finite() => {
            let points = format!("{:.1}", (d * 100.0).abs());
            if points == "0.0" {
                "±0.0 pp".to_owned()
            } else if d > 0.0 {
                format!("+{points} pp")
            } else {
                format!("{MINUS}{points} pp")
            }
        }
        _ => MISSING.to_owned(),
    }
}

/// An interval of rate changes in percentage points: `[+0.4 pp, +23.9 pp]`.
pub fn points_interval(bounds: Option<[f64; 2]>) -> String {
    match bounds {
        Some([lo, hi]) => format!("[{}, {}]", points_delta(Some(lo)), points_delta(Some(hi))),
        None => MISSING.to_owned(),
    }
}

/// A signed count change: `+5`, `−3`, `±0`.
pub fn count_delta(delta: i64) -> String {
    match delta {
        0 => "±0".to_owned(),
        d if d > 0 => format!("+{d}"),
        d => format!("{MINUS}{}", d.unsigned_abs()),
    }
}

/// Runs per day with one decimal: `6.0`.
pub fn per_day(rate: f64) -> String {
    format!("{rate:.1}")
}

/// A window length in days: `7 days`, `1 day`, `0.5 days`.
pub fn days(days: f64) -> String {
    if days == 1.0 {
        "1 day".to_owned()
    } else if days.fract() == 0.0 {
        format!("{days:.0} days")
    } else {
        // Trailing zeros dropped: 0.50 reads `0.5 days`.
        let text = format!("{days:.2}");
        format!("{} days", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(duration(Some(38.0)), "38s");
        // 4·60 + 12 = 252.
        assert_eq!(duration(Some(252.0)), "4m 12s");
        // 3600 + 3·60 = 3780.
        assert_eq!(duration(Some(3_780.0)), "1h 03m");
        // 2·86400 + 4·3600 = 187200.
        assert_eq!(duration(Some(187_200.0)), "2d 04h");
        assert_eq!(duration(Some(59.6)), "1m 00s");
        assert_eq!(duration(Some(0.4)), "0s");
        assert_eq!(duration(None), "–");
        assert_eq!(duration(Some(f64::NAN)), "–");
    }

    #[test]
    fn duration_deltas_carry_a_sign() {
        assert_eq!(duration_delta(Some(38.0)), "+38s");
        assert_eq!(duration_delta(Some(-180.0)), "−3m 00s");
        assert_eq!(duration_delta(Some(0.2)), "±0s");
        assert_eq!(duration_delta(None), "–");
    }

    #[test]
    fn rates_and_intervals_have_one_decimal() {
        assert_eq!(percent(Some(0.125)), "12.5%");
        assert_eq!(percent(Some(0.0)), "0.0%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        // 3/20 = 0.15 with Wilson [0.0524, 0.3604] (metrics.md's example).
        assert_eq!(interval(Some([0.0524, 0.3604])), "[5.2%–36.0%]");
        assert_eq!(percent(None), "–");
        assert_eq!(interval(None), "–");
    }

    #[test]
    fn rate_changes_are_percentage_points() {
        // 0.25 − 0.054054 = 0.195946 → 19.6 pp.
        assert_eq!(points_delta(Some(0.195_946)), "+19.6 pp");
        assert_eq!(points_delta(Some(-0.046_667)), "−4.7 pp");
        assert_eq!(points_delta(Some(0.000_1)), "±0.0 pp");
        assert_eq!(
            points_interval(Some([0.032_18, 0.352_84])),
            "[+3.2 pp, +35.3 pp]"
        );
    }

    #[test]
    fn counts_and_days() {
        assert_eq!(count_delta(5), "+5");
        assert_eq!(count_delta(-3), "−3");
        assert_eq!(count_delta(0), "±0");
        // 42 runs / 7 days = 6.0.
        assert_eq!(per_day(42.0 / 7.0), "6.0");
        assert_eq!(days(7.0), "7 days");
        assert_eq!(days(1.0), "1 day");
        assert_eq!(days(0.5), "0.5 days");
    }
}
