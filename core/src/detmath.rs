//! Arithmetic that gives the same bits on every platform.
//!
//! `f64::ln` calls the platform's libm, which may round differently on x86_64 and in a browser's
//! WebAssembly engine. Scores must be bit-identical in both, so the logarithm here is built from IEEE
//! operations only (+, −, ×, ÷ are correctly rounded everywhere, and Rust never fuses them).

const LN_2: f64 = std::f64::consts::LN_2;
const SQRT_2: f64 = std::f64::consts::SQRT_2;

/// Natural logarithm of a positive, finite `x` (returns 0 for anything else), accurate to a few ulp.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || !x.is_finite() {
        return 0.0;
    }
    let bits = x.to_bits();
    let raw_exponent = ((bits >> 52) & 0x7ff) as i64;
    if raw_exponent == 0 {
        // Subnormal: scale up by 2^54 first.
        return ln(x * 18_014_398_509_481_984.0) - 54.0 * LN_2;
    }
    let mut exponent = raw_exponent - 1023;
    let mut mantissa = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if mantissa > SQRT_2 {
        mantissa /= 2.0;
        exponent += 1;
    }
    // ln(m) = 2·atanh(s) with s = (m − 1)/(m + 1), |s| ≤ 0.1716, so the odd series converges fast.
    let s = (mantissa - 1.0) / (mantissa + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for k in (0..14).rev() {
        series = series * s2 + 1.0 / (2 * k + 1) as f64;
    }
    2.0 * s * series + exponent as f64 * LN_2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_to_libm() {
        for &x in &[
            1e-300,
            1e-10,
            0.3,
            0.5,
            1.0,
            1.5,
            2.0,
            std::f64::consts::E,
            10.0,
            1234.5,
            1e6,
            1e300,
        ] {
            let ours = ln(x);
            let libm = x.ln();
            assert!(
                (ours - libm).abs() <= 4.0 * f64::EPSILON * libm.abs().max(1.0),
                "{x}: {ours} vs {libm}"
            );
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), 0.0);
        assert_eq!(ln(-1.0), 0.0);
        assert_eq!(ln(f64::NAN), 0.0);
    }
}
