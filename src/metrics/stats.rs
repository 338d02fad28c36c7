//! The statistics behind failure rates and changes: the Wilson score interval of a rate, the
//! Newcombe hybrid score interval of a difference of rates, and the two-sided Mann–Whitney U test
//! of two duration samples (normal approximation with tie and continuity correction).
//!
//! statrs supplies the normal CDF only; everything else is written out so it matches
//! `docs/metrics.md` formula by formula.

use statrs::distribution::{ContinuousCDF, Normal};

use super::percentile::finite;

/// The 97.5th percentile of the standard normal, as the metric definitions fix it.
pub const Z95: f64 = 1.959964;

/// The Wilson score interval (95 %) of `failures` out of `decided`; `None` when `decided = 0`.
///
/// The bounds are clamped to `[0, 1]`: mathematically they lie there already, and clamping only
/// removes rounding residue such as `-1e-17` at a rate of 0.
pub fn wilson(failures: u64, decided: u64) -> Option<[f64; 2]> {
    if decided == 0 {
        return None;
    }
    let n = decided as f64;
    let p = failures as f64 / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half_width = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    let lower = finite((centre - half_width).clamp(0.0, 1.0))?;
    let upper = finite((centre + half_width).clamp(0.0, 1.0))?;
    Some([lower, upper])
}

/// The Newcombe hybrid score interval of `p1 − p2`, built from each rate's Wilson interval
/// (`ci1` for `p1`, the current window; `ci2` for `p2`, the previous one).
pub fn newcombe(p1: f64, ci1: [f64; 2], p2: f64, ci2: [f64; 2]) -> Option<[f64; 2]> {
    let [l1, u1] = ci1;
    let [l2, u2] = ci2;
    let delta = p1 - p2;
    let lower = delta - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let upper = delta + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Some([finite(lower)?, finite(upper)?])
}

/// Whether an interval of a difference excludes 0, i.e. the difference has a definite sign.
pub fn excludes_zero([lower, upper]: [f64; 2]) -> bool {
    lower > 0.0 || upper < 0.0
}

/// The two-sided p-value of the Mann–Whitney U test comparing `current` with `previous`.
///
/// `None` when a sample is empty or the variance is zero (every value equal), where the normal
/// approximation says nothing. Ranks come from one sort of the pooled values, so the cost is
/// O(n log n).
pub fn mann_whitney_p(current: &[f64], previous: &[f64]) -> Option<f64> {
    let (n1, n2) = (current.len(), previous.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    // Each value tagged with whether it belongs to the current window's sample.
    let mut pooled: Vec<(f64, bool)> = current
        .iter()
        .map(|&x| (x, true))
        .chain(previous.iter().map(|&x| (x, false)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));

    let n = pooled.len();
    let mut rank_sum_current = 0.0;
    // Σ(t³ − t) over tie groups; integers keep the all-equal case exactly zero variance.
    let mut tie_term: u128 = 0;
    let mut start = 0;
    while start < n {
        let value = pooled[start].0;
        let end = start
            + pooled[start..]
                .iter()
                .take_while(|(x, _)| x.total_cmp(&value).is_eq())
                .count();
        // Positions start..end hold ranks start+1 ..= end; a tie group shares their average.
        let average_rank = (start + 1 + end) as f64 / 2.0;
        let in_current = pooled[start..end].iter().filter(|(_, cur)| *cur).count();
        rank_sum_current += average_rank * in_current as f64;
        let t = (end - start) as u128;
        tie_term += t * t * t - t;
        start = end;
    }

    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let u = rank_sum_current - n1f * (n1f + 1.0) / 2.0;
    let mu = n1f * n2f / 2.0;
    // σ² = n1·n2/12 · ((n+1) − Σ(t³−t)/(n(n−1))) = n1·n2/12 · ((n+1)·n(n−1) − Σ(t³−t)) / (n(n−1))
    let nn = n as u128;
    let pairs = nn * (nn - 1);
    let bracket = (nn + 1) * pairs - tie_term;
    if bracket == 0 {
        return None;
    }
    let variance = n1f * n2f / 12.0 * (bracket as f64 / pairs as f64);
    let sigma = variance.sqrt();
    if !(sigma > 0.0 && sigma.is_finite()) {
        return None;
    }
    let z = ((u - mu).abs() - 0.5).max(0.0) / sigma;
    finite(2.0 * (1.0 - Normal::standard().cdf(z)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    #[test]
    fn wilson_spec_example() {
        // 3 of 20, p = 0.15, z² = 3.841459, 1 + z²/n = 1.1920729
        // c = (0.15 + 3.841459/40) / 1.1920729 = 0.2460365 / 1.1920729 = 0.2063938
        // h = 1.959964 · sqrt(0.1275/20 + 3.841459/1600) / 1.1920729
        //   = 1.959964 · sqrt(0.006375 + 0.0024009) / 1.1920729 = 0.1540251
        // [c − h, c + h] = [0.0524, 0.3604]
        let [lo, hi] = wilson(3, 20).expect("decided > 0");
        assert!(close(lo, 0.0524, 1e-4), "{lo}");
        assert!(close(hi, 0.3604, 1e-4), "{hi}");
    }

    #[test]
    fn wilson_of_no_decided_runs_is_none() {
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn wilson_at_zero_rate_starts_at_zero() {
        // 0 of 10: c = h = (3.841459/20)/1.3841459 = 0.1387664, so [0, 0.2775328].
        let [lo, hi] = wilson(0, 10).expect("decided > 0");
        assert_eq!(lo, 0.0);
        assert!(close(hi, 0.2775328, 1e-6), "{hi}");
    }

    #[test]
    fn newcombe_by_hand_is_significant() {
        // now 12 of 40: p1 = 0.3, Wilson [0.1807485, 0.4543002]
        //   (1 + z²/40 = 1.0960365; c = (0.3 + 0.0480182)/1.0960365 = 0.3175243,
        //    h = 1.959964·sqrt(0.21/40 + 3.841459/6400)/1.0960365 = 0.1367759)
        // before 4 of 40: p2 = 0.1, Wilson [0.0395795, 0.2305178]
        //   (c = (0.1 + 0.0480182)/1.0960365 = 0.1350486,
        //    h = 1.959964·sqrt(0.09/40 + 3.841459/6400)/1.0960365 = 0.0954691)
        // delta = 0.2
        // lower = 0.2 − sqrt((0.3 − 0.1807485)² + (0.2305178 − 0.1)²)
        //       = 0.2 − sqrt(0.1192515² + 0.1305178²) = 0.2 − 0.1767931 = 0.0232069
        // upper = 0.2 + sqrt((0.4543002 − 0.3)² + (0.1 − 0.0395795)²)
        //       = 0.2 + sqrt(0.1543002² + 0.0604205²) = 0.2 + 0.1657081 = 0.3657081
        // The interval excludes 0, and both windows have 40 ≥ 10 decided runs: significant.
        let ci1 = wilson(12, 40).expect("decided > 0");
        let ci2 = wilson(4, 40).expect("decided > 0");
        assert!(close(ci1[0], 0.1807485, 1e-6) && close(ci1[1], 0.4543002, 1e-6));
        assert!(close(ci2[0], 0.0395795, 1e-6) && close(ci2[1], 0.2305178, 1e-6));
        let ci = newcombe(0.3, ci1, 0.1, ci2).expect("finite inputs");
        assert!(close(ci[0], 0.0232069, 1e-6), "{}", ci[0]);
        assert!(close(ci[1], 0.3657081, 1e-6), "{}", ci[1]);
        assert!(excludes_zero(ci));
    }

    #[test]
    fn interval_across_zero_does_not_exclude_it() {
        assert!(!excludes_zero([-0.1, 0.2]));
        assert!(!excludes_zero([0.0, 0.2]));
        assert!(excludes_zero([-0.3, -0.01]));
    }

    #[test]
    fn mann_whitney_with_ties_by_hand() {
        // current [1, 2, 2, 5], previous [2, 3, 4]; pooled ascending with ranks:
        //   1(c)→1, 2(c) 2(c) 2(p)→ (2+3+4)/3 = 3 each, 3(p)→5, 4(p)→6, 5(c)→7
        // R1 = 1 + 3 + 3 + 7 = 14; n1 = 4, n2 = 3, n = 7
        // U = 14 − 4·5/2 = 4; μ = 4·3/2 = 6
        // one tie group t = 3: Σ(t³ − t) = 24
        // σ² = 12/12 · (8 − 24/(7·6)) = 8 − 0.5714286 = 7.4285714; σ = 2.7255406
        // z = (|4 − 6| − 0.5)/σ = 1.5/2.7255406 = 0.5503495
        // p = 2·(1 − Φ(0.5503495)) = 2·(1 − 0.7089602) = 0.5820797
        let p = mann_whitney_p(&[1.0, 2.0, 2.0, 5.0], &[2.0, 3.0, 4.0]).expect("σ > 0");
        assert!(close(p, 0.5820797, 1e-6), "{p}");
        // Swapping the samples mirrors U around μ: same two-sided p.
        let q = mann_whitney_p(&[2.0, 3.0, 4.0], &[1.0, 2.0, 2.0, 5.0]).expect("σ > 0");
        assert!(close(p, q, 1e-12));
    }

    #[test]
    fn mann_whitney_separated_samples() {
        // current [4, 5, 6], previous [1, 2, 3]: R1 = 4+5+6 = 15, U = 15 − 6 = 9, μ = 4.5,
        // no ties: σ² = 9/12 · 7 = 5.25, σ = 2.2912878; z = (4.5 − 0.5)/σ = 1.7457431
        // p = 2·(1 − Φ(1.7457431)) = 2·(1 − 0.9595722) = 0.0808556
        let p = mann_whitney_p(&[6.0, 4.0, 5.0], &[3.0, 1.0, 2.0]).expect("σ > 0");
        assert!(close(p, 0.0808556, 1e-6), "{p}");
    }

    #[test]
    fn mann_whitney_identical_values_have_no_p_value() {
        // One tie group t = n = 5: Σ(t³ − t) = 120 = (n+1)·n(n−1) = 6·20, so σ = 0.
        assert_eq!(mann_whitney_p(&[7.0, 7.0], &[7.0, 7.0, 7.0]), None);
    }

    #[test]
    fn mann_whitney_empty_sample_has_no_p_value() {
        assert_eq!(mann_whitney_p(&[], &[1.0, 2.0]), None);
        assert_eq!(mann_whitney_p(&[1.0, 2.0], &[]), None);
    }

    #[test]
    fn mann_whitney_continuity_correction_floors_at_zero() {
        // current [1, 4], previous [2, 3]: ranks 1, 4 → R1 = 5, U = 5 − 3 = 2 = μ;
        // z = max(0, 0 − 0.5)/σ = 0, p = 2·(1 − 0.5) = 1.
        let p = mann_whitney_p(&[1.0, 4.0], &[2.0, 3.0]).expect("σ > 0");
        assert!(close(p, 1.0, 1e-12), "{p}");
    }
}
