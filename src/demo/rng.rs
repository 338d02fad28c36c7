//! The demo's random numbers: SplitMix64 with fixed seeds, so the demo is the same on every
//! machine and every day without a `rand` dependency.

use std::f64::consts::TAU;

/// A SplitMix64 generator. One per traffic stream, seeded from the stream's name, so that tuning
/// one stream leaves the numbers of every other stream unchanged.
#[derive(Debug, Clone)]
pub(super) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded from a label (FNV-1a of its bytes).
    pub(super) fn seeded(label: &str) -> SplitMix64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in label.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        SplitMix64 { state: hash }
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[low, high)`.
    pub(super) fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform integer in `low..=high`. The modulo bias is far below anything the demo shows.
    pub(super) fn count(&mut self, low: u32, high: u32) -> u32 {
        low + (self.next_u64() % u64::from(high - low + 1)) as u32
    }

    pub(super) fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        items.get((self.next_u64() % items.len() as u64) as usize)
    }

    /// A standard normal sample (Box–Muller).
    pub(super) fn normal(&mut self) -> f64 {
        // 1 − unit() lies in (0, 1], so the logarithm is finite.
        let radius = (-2.0 * (1.0 - self.unit()).ln()).sqrt();
        radius * (TAU * self.unit()).cos()
    }

    /// A log-normal sample with the given median, clamped to `[median / 3, median · 3]` so that
    /// no demo run takes a second or a day.
    pub(super) fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        (median * (sigma * self.normal()).exp()).clamp(median / 3.0, median * 3.0)
    }

    /// `len` lowercase hex digits.
    pub(super) fn hex(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            let word = self.next_u64();
            for shift in (0..16).rev() {
                if out.len() == len {
                    break;
                }
                let nibble = ((word >> (shift * 4)) & 0xf) as u32;
                out.push(char::from_digit(nibble, 16).unwrap_or('0'));
            }
        }
        out
    }

    /// A slug shaped like a version-4 UUID, as the API gives run slugs.
    pub(super) fn uuid_v4(&mut self) -> String {
        let hex = self.hex(32);
        let variant = char::from_digit(8 + (self.next_u64() % 4) as u32, 16).unwrap_or('8');
        format!(
            "{}-{}-4{}-{}{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            variant,
            &hex[17..20],
            &hex[20..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_label_same_numbers_and_labels_differ() {
        let mut a = SplitMix64::seeded("ios/ci-pipeline");
        let mut b = SplitMix64::seeded("ios/ci-pipeline");
        let mut c = SplitMix64::seeded("android/ci-pipeline");
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // The reference implementation seeded with 0 yields 0xe220a8397b1dcdaf first.
        let mut g = SplitMix64 { state: 0 };
        assert_eq!(g.next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn uuid_has_the_v4_shape() {
        let mut g = SplitMix64::seeded("uuid");
        for _ in 0..50 {
            let id = g.uuid_v4();
            let groups: Vec<&str> = id.split('-').collect();
            let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lengths, [8, 4, 4, 4, 12], "{id}");
            assert!(groups[2].starts_with('4'), "{id}");
            assert!(matches!(&groups[3][..1], "8" | "9" | "a" | "b"), "{id}");
            assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn draws_stay_in_their_ranges() {
        let mut g = SplitMix64::seeded("ranges");
        for _ in 0..1000 {
            let u = g.unit();
            assert!((0.0..1.0).contains(&u));
            assert!((3..=5).contains(&g.count(3, 5)));
            let d = g.log_normal(600.0, 0.5);
            assert!((200.0..=1800.0).contains(&d));
        }
        assert_eq!(g.hex(40).len(), 40);
    }
}
