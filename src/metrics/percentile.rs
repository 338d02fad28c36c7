//! Sorted samples and their nearest-rank percentiles (Hyndman–Fan type 1), mean and maximum.
//!
//! Nearest rank is used so that every reported value is a time some run actually took; the rank
//! is computed in integers so no floating-point rounding can move it.

/// A sample of seconds, sorted ascending once at construction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SortedSample(Vec<f64>);

impl SortedSample {
    /// Sorts `values` ascending (total order, so the sort never panics or misplaces a value).
    pub fn new(mut values: Vec<f64>) -> SortedSample {
        values.sort_by(f64::total_cmp);
        SortedSample(values)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values, ascending.
    pub fn values(&self) -> &[f64] {
        &self.0
    }

    /// The `percent`th nearest-rank percentile `x(r)`, `r = ceil(percent·n / 100)` and `r >= 1`;
    /// `None` for an empty sample.
    pub fn nearest_rank(&self, percent: u64) -> Option<f64> {
        let n = self.0.len() as u64;
        if n == 0 {
            return None;
        }
        // ceil(percent·n / 100) = (percent·n + 99) / 100 in integers.
        let rank = (percent * n).div_ceil(100).clamp(1, n);
        usize::try_from(rank - 1)
            .ok()
            .and_then(|index| self.0.get(index))
            .copied()
    }

    /// The arithmetic mean; `None` for an empty sample (or one whose sum overflows).
    pub fn mean(&self) -> Option<f64> {
        if self.0.is_empty() {
            return None;
        }
        finite(self.0.iter().sum::<f64>() / self.0.len() as f64)
    }

    /// The largest value; `None` for an empty sample.
    pub fn max(&self) -> Option<f64> {
        self.0.last().copied()
    }
}

/// `Some(x)` when `x` is a real number: reports carry `null`, never NaN or infinity.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(values: &[f64]) -> SortedSample {
        SortedSample::new(values.to_vec())
    }

    #[test]
    fn spec_example() {
        // n = 5: p50 r = (250+99)/100 = 3 → 6; p90 r = (450+99)/100 = 5 → 30;
        // p95 r = (475+99)/100 = 5 → 30. Given unsorted to check the sort.
        let s = sample(&[30.0, 6.0, 4.0, 7.0, 5.0]);
        assert_eq!(s.nearest_rank(50), Some(6.0));
        assert_eq!(s.nearest_rank(90), Some(30.0));
        assert_eq!(s.nearest_rank(95), Some(30.0));
        // (4+5+6+7+30)/5 = 52/5 = 10.4
        assert_eq!(s.mean(), Some(10.4));
        assert_eq!(s.max(), Some(30.0));
    }

    #[test]
    fn empty_sample_has_no_statistics() {
        let s = sample(&[]);
        assert_eq!(s.nearest_rank(50), None);
        assert_eq!(s.nearest_rank(95), None);
        assert_eq!(s.mean(), None);
        assert_eq!(s.max(), None);
    }

    #[test]
    fn one_value_is_every_percentile() {
        // n = 1: r = (XX+99)/100 = 1 for every XX in 1..=100.
        let s = sample(&[12.5]);
        for p in [1, 50, 90, 95, 100] {
            assert_eq!(s.nearest_rank(p), Some(12.5));
        }
    }

    #[test]
    fn two_values() {
        // n = 2: p50 r = (100+99)/100 = 1 → the smaller; p90 r = (180+99)/100 = 2 → the larger.
        let s = sample(&[9.0, 3.0]);
        assert_eq!(s.nearest_rank(50), Some(3.0));
        assert_eq!(s.nearest_rank(90), Some(9.0));
        assert_eq!(s.nearest_rank(95), Some(9.0));
    }

    #[test]
    fn twenty_values_p95_is_the_nineteenth() {
        // 1..=20: p95 r = (1900+99)/100 = 19 → 19 (the first n where p95 is not the max);
        // p50 r = (1000+99)/100 = 10 → 10; p90 r = (1800+99)/100 = 18 → 18.
        let s = SortedSample::new((1..=20).rev().map(f64::from).collect());
        assert_eq!(s.nearest_rank(95), Some(19.0));
        assert_eq!(s.nearest_rank(50), Some(10.0));
        assert_eq!(s.nearest_rank(90), Some(18.0));
    }

    #[test]
    fn twenty_one_values() {
        // 1..=21: p95 r = (1995+99)/100 = 20 → 20; p50 r = (1050+99)/100 = 11 → 11;
        // p90 r = (1890+99)/100 = 19 → 19.
        let s = SortedSample::new((1..=21).map(f64::from).collect());
        assert_eq!(s.nearest_rank(95), Some(20.0));
        assert_eq!(s.nearest_rank(50), Some(11.0));
        assert_eq!(s.nearest_rank(90), Some(19.0));
    }

    #[test]
    fn nineteen_values_p95_is_the_maximum() {
        // n = 19: p95 r = (1805+99)/100 = 19 = n.
        let s = SortedSample::new((1..=19).map(f64::from).collect());
        assert_eq!(s.nearest_rank(95), s.max());
    }

    #[test]
    fn ties_return_the_tied_value() {
        // [1,2,2,2,8]: p50 r = 3 → 2 (ranks 2..4 all hold 2); p90 r = 5 → 8.
        let s = sample(&[2.0, 8.0, 2.0, 1.0, 2.0]);
        assert_eq!(s.nearest_rank(50), Some(2.0));
        assert_eq!(s.nearest_rank(90), Some(8.0));
        assert_eq!(s.values(), &[1.0, 2.0, 2.0, 2.0, 8.0]);
    }

    #[test]
    fn finite_rejects_nan_and_infinity() {
        assert_eq!(finite(1.5), Some(1.5));
        assert_eq!(finite(f64::NAN), None);
        assert_eq!(finite(f64::INFINITY), None);
        assert_eq!(finite(f64::NEG_INFINITY), None);
    }
}
