import Foundation

/// The few distribution functions the statistics need, accurate to a few units in the last place so
/// that intervals and p-values match scipy's to 1e-12 (see `Tests/ImprintEvalTests/StatisticsTests.swift`).
enum Distributions {
    // MARK: Normal

    /// The standard normal quantile `Φ⁻¹(p)` (scipy's `norm.ppf(p)`), for `0 < p < 1`.
    ///
    /// Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988), relative error about 1e-16:
    /// a rational approximation in `p - 0.5` near the centre and in `sqrt(-log(min(p, 1 - p)))` in the tails.
    static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile: p = \(p) is outside (0, 1)")
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            return q * polynomial(centralNumerator, r) / polynomial(centralDenominator, r)
        }
        var r = (-log(q < 0 ? p : 1 - p)).squareRoot()
        let x: Double
        if r <= 5 {
            r -= 1.6
            x = polynomial(intermediateNumerator, r) / polynomial(intermediateDenominator, r)
        } else {
            r -= 5
            x = polynomial(tailNumerator, r) / polynomial(tailDenominator, r)
        }
        return q < 0 ? -x : x
    }

    /// The upper-tail quantile: the `z` with `P(Z > z) = p` (scipy's `norm.isf(p)`), computed from the small tail
    /// probability directly so it keeps full precision for small `p`.
    static func normalUpperQuantile(_ p: Double) -> Double { -normalQuantile(p) }

    /// `c0 + c1 x + c2 x² + ...` (Horner).
    private static func polynomial(_ coefficients: [Double], _ x: Double) -> Double {
        coefficients.reversed().reduce(0) { $0 * x + $1 }
    }

    // AS 241 coefficients, lowest degree first.
    private static let centralNumerator: [Double] = [
        3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3, 1.3731693765509461125e+4,
        4.5921953931549871457e+4, 6.7265770927008700853e+4, 3.3430575583588128105e+4, 2.5090809287301226727e+3,
    ]
    private static let centralDenominator: [Double] = [
        1, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
        2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4, 5.2264952788528545610e+3,
    ]
    private static let intermediateNumerator: [Double] = [
        1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
        1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4,
    ]
    private static let intermediateDenominator: [Double] = [
        1, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
        1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9,
    ]
    private static let tailNumerator: [Double] = [
        6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
        2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
    ]
    private static let tailDenominator: [Double] = [
        1, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
        7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15,
    ]

    // MARK: Binomial with p = 1/2

    /// `P(X <= k)` for `X ~ Binomial(n, 1/2)` (scipy's `binom.cdf(k, n, 0.5)`), for `0 <= k <= n`, with small
    /// relative error even far in the tail.
    ///
    /// Up to `n = 62` the sum is exact in 64-bit integers and rounded once. Beyond, the largest term `P(X = k)` comes from `binomialHalfProbability`; the smaller ones follow by the ratio
    /// `P(X = i - 1) / P(X = i) = i / (n - i + 1)`, summed until they no longer change the total. Meant for
    /// `k <= n / 2`, where the terms shrink as `i` falls (the McNemar statistic is `min(b, c)`).
    static func binomialHalfCDF(_ k: Int, _ n: Int) -> Double {
        precondition(0 <= k && k <= n, "binomialHalfCDF: k = \(k) is outside 0...\(n)")
        if n <= 62 {
            // Exactly: Σ C(n, i) for i <= k in integers (Pascal's triangle), then one rounding and an exact 2⁻ⁿ.
            var row: [UInt64] = [1]
            for size in stride(from: 1, through: n, by: 1) {
                row = (0...size).map { i in (i > 0 ? row[i - 1] : 0) + (i < size ? row[i] : 0) }
            }
            let count = row[0...k].reduce(0, +)
            return Double(count) * Double(sign: .plus, exponent: -n, significand: 1)
        }
        var relativeSum = 1.0, term = 1.0
        var i = k
        while i > 0 {
            term *= Double(i) / Double(n - i + 1)
            let next = relativeSum + term
            if next == relativeSum { break }
            relativeSum = next
            i -= 1
        }
        return binomialHalfProbability(k, n) * relativeSum
    }

    /// `P(X = k)` for `X ~ Binomial(n, 1/2)`: `C(n, k) / 2ⁿ`.
    ///
    /// Loader's saddle-point form ("Fast and accurate computation of binomial probabilities", 2000, as R's
    /// `dbinom`): `exp(δ(n) - δ(k) - δ(n-k) - D(k, n/2) - D(n-k, n/2)) / sqrt(2π k (n-k) / n)`, with `δ` the
    /// Stirling-series error and `D` the deviance term, which avoids the cancellation of `lgamma` differences
    /// for large `n`. `k = 0` and `k = n` are exactly `2⁻ⁿ`.
    static func binomialHalfProbability(_ k: Int, _ n: Int) -> Double {
        precondition(0 <= k && k <= n, "binomialHalfProbability: k = \(k) is outside 0...\(n)")
        if k == 0 || k == n { return n > 1074 ? 0 : Double(sign: .plus, exponent: -n, significand: 1) }  // 2⁻¹⁰⁷⁵ rounds to 0
        let (x, size) = (Double(k), Double(n))
        let half = size / 2
        let logCentral = stirlingError(n) - stirlingError(k) - stirlingError(n - k)
            - deviance(x, half) - deviance(size - x, half)
        let logSpread = log(2 * Double.pi) + log(x) + log1p(-x / size)
        return exp(logCentral - 0.5 * logSpread)
    }

    /// `δ(n) = log(n!) - log(sqrt(2π n) (n/e)ⁿ)`, the error of Stirling's formula; `δ(0) = 0`.
    static func stirlingError(_ n: Int) -> Double {
        if n == 0 { return 0 }
        let x = Double(n)
        if n <= 15 {
            // log(n!) is small here, so the difference keeps an absolute error of a few 1e-15.
            return lgamma(x + 1) - (x + 0.5) * log(x) + x - 0.5 * log(2 * Double.pi)
        }
        let (s0, s1, s2, s3, s4) = (1.0 / 12, 1.0 / 360, 1.0 / 1260, 1.0 / 1680, 1.0 / 1188)
        let xx = x * x
        if n > 500 { return (s0 - s1 / xx) / x }
        if n > 80 { return (s0 - (s1 - s2 / xx) / xx) / x }
        if n > 35 { return (s0 - (s1 - (s2 - s3 / xx) / xx) / xx) / x }
        return (s0 - (s1 - (s2 - (s3 - s4 / xx) / xx) / xx) / xx) / x
    }

    /// The deviance term `D(x, m) = x log(x / m) + m - x`, by a series when `x` is close to `m`.
    static func deviance(_ x: Double, _ m: Double) -> Double {
        if abs(x - m) < 0.1 * (x + m) {
            var v = (x - m) / (x + m)
            var sum = (x - m) * v
            var power = 2 * x * v
            v *= v
            var j = 1.0
            while j < 1000 {
                power *= v
                let next = sum + power / (2 * j + 1)
                if next == sum { return next }
                sum = next
                j += 1
            }
            return sum
        }
        return x * log(x / m) + m - x
    }

    // MARK: Student t

    /// The two-sided Student t critical value: the `t > 0` with `P(|T| > t) = tail` for `T` with `degreesOfFreedom`
    /// degrees of freedom (scipy's `t.isf(tail / 2, df)`; a `confidence` interval uses `tail = 1 - confidence`).
    ///
    /// For integer `ν` the tail has a closed form in the angle `φ = atan(sqrt(ν) / t)` (Abramowitz & Stegun
    /// 26.7.3–4, see `studentTwoSidedTail`), solved for `φ` by Newton's method kept inside a bisection bracket,
    /// with `d tail / dφ = 2 Γ((ν+1)/2) / (sqrt(π) Γ(ν/2)) sin^(ν-1) φ`. Working with the tail (not `1 - tail`)
    /// keeps the relative precision of small tails.
    static func studentTwoSidedCritical(tail: Double, degreesOfFreedom: Int) -> Double {
        precondition(tail > 0 && tail < 1, "studentTwoSidedCritical: tail = \(tail) is outside (0, 1)")
        precondition(degreesOfFreedom >= 1, "studentTwoSidedCritical: degrees of freedom = \(degreesOfFreedom)")
        let nu = Double(degreesOfFreedom)
        if degreesOfFreedom == 1 { return 1 / tan(Double.pi / 2 * tail) }  // Cauchy: tail = 2φ/π
        let slopeScale = 2 * exp(lgamma((nu + 1) / 2) - lgamma(nu / 2)) / Double.pi.squareRoot()
        var (low, high) = (0.0, Double.pi / 2)
        var phi = atan(nu.squareRoot() / normalUpperQuantile(tail / 2))
        for _ in 0..<200 {
            let excess = studentTwoSidedTail(phi: phi, degreesOfFreedom: degreesOfFreedom) - tail
            if excess == 0 { break }
            if excess > 0 { high = phi } else { low = phi }
            var next = phi - excess / (slopeScale * pow(sin(phi), nu - 1))
            if !(next > low && next < high) { next = (low + high) / 2 }
            if next == phi || high - low <= 2 * phi.ulp { phi = next; break }
            phi = next
        }
        return nu.squareRoot() / tan(phi)
    }

    /// `P(|T| > sqrt(ν) / tan φ)` for integer `ν >= 1`, `0 < φ < π/2`.
    ///
    /// With `s = sin φ`, `c = cos φ` and the series `Σⱼ wⱼ s^(2j)` (odd `ν`: `w₀ = 1`, `wⱼ = wⱼ₋₁ · 2j/(2j+1)`,
    /// summing to `φ / (s c)`; even `ν`: `wⱼ = wⱼ₋₁ · (2j-1)/(2j)`, summing to `1 / c`), Abramowitz & Stegun's
    /// finite sums are the first `J = ⌊(ν-1)/2⌋` (odd) or `ν/2` (even) terms: the tail is
    /// `(2/π)(φ - s c Σ_{j<J})` (odd) or `1 - c Σ_{j<J}` (even). A small tail is taken from the rest of the
    /// series instead, `(2/π) s c Σ_{j>=J}` or `c Σ_{j>=J}`, all positive terms, so it keeps its relative
    /// precision where the finite form would cancel.
    static func studentTwoSidedTail(phi: Double, degreesOfFreedom: Int) -> Double {
        let odd = degreesOfFreedom % 2 == 1
        let (s, c) = (sin(phi), cos(phi))
        let ratio = s * s
        let finiteTerms = odd ? (degreesOfFreedom - 1) / 2 : degreesOfFreedom / 2
        func weightRatio(_ j: Int) -> Double {
            odd ? Double(2 * j) / Double(2 * j + 1) : Double(2 * j - 1) / Double(2 * j)
        }
        var term = 1.0, head = 0.0
        for j in 0..<finiteTerms {
            if j > 0 { term *= ratio * weightRatio(j) }
            head += term
        }
        let finite = odd ? 2 / Double.pi * (phi - s * c * head) : 1 - c * head
        if finite >= 0.25 { return finite }
        // The rest of the series, from j = finiteTerms on; its terms shrink by less than `ratio` each step,
        // so stop once the remainder bound `term / (1 - ratio)` no longer changes the sum.
        var rest = 0.0
        var j = finiteTerms
        while true {
            if j > 0 { term *= ratio * weightRatio(j) }
            rest += term
            if term / (1 - ratio) <= rest * 1e-17 || term == 0 { break }
            j += 1
        }
        return odd ? 2 / Double.pi * s * c * rest : c * rest
    }
}
