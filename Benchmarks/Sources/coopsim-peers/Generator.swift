import CoopRandom

/// A generator that counts the 64-bit words it hands out (to measure how many the model uses).
struct CountingGenerator<Base: RandomNumberGenerator>: RandomNumberGenerator {
    var base: Base
    var count = 0
    mutating func next() -> UInt64 { count += 1; return base.next() }
}

/// 64-bit words one path-year of the default model consumes with its typical parameters (HCMC
/// baseline: NB2 entries with mean ~25 and alpha 0.08, binomial exits of ~650 trials at p ~0.03,
/// three Gaussian residuals and the GRDP noise), plus the per-path coefficient draws (15 normals)
/// spread over `years`; averaged over `samples` draws.
func wordsPerPathYear(years: Int, samples: Int = 20_000) -> Double {
    var g = CountingGenerator(base: RandomStream(key: StreamKey(seed: 1, region: 2, path: 3, year: 2024, equation: 4)))
    var sink = 0.0
    for _ in 0..<samples {
        sink += Double(NegativeBinomial2Sampler(mean: 25, alpha: 0.08).next(using: &g))
        sink += Double(BinomialSampler(trials: 650, probability: 0.03).next(using: &g))
        for _ in 0..<4 { sink += NormalSampler.standard(using: &g) }
    }
    let perYear = Double(g.count) / Double(samples)
    g.count = 0
    for _ in 0..<samples { for _ in 0..<15 { sink += NormalSampler.standard(using: &g) } }
    let perPath = Double(g.count) / Double(samples)
    if sink.isNaN { print("") }
    return perYear + perPath / Double(years)
}

/// `coopsim-peers rng --count N --years Y --repeat R`: the raw speed of the generator (64-bit words
/// from one keyed `RandomStream`, one thread) and the words per path-year of the default model.
func runRNG(_ o: Options) {
    let count = o.int("count", default: 10_000_000)
    let repeats = o.int("repeat", default: 5)
    let years = o.int("years", default: 10)
    var acc: UInt64 = 0
    let t = time(repeats: repeats) {
        var s = RandomStream(key: StreamKey(seed: 2024, region: 1, path: 0, year: 2024, equation: 1))
        for _ in 0..<count { acc &+= s.next() }
    }
    var normals = 0.0
    let tNormal = time(repeats: repeats) {
        var s = RandomStream(key: StreamKey(seed: 2024, region: 1, path: 0, year: 2024, equation: 1))
        for _ in 0..<count { normals += NormalSampler.standard(using: &s) }
    }
    emit(["count": count, "seconds": t, "normal_seconds": tNormal, "checksum": Int(truncatingIfNeeded: acc & 0xffff),
          "normal_sum_is_finite": normals.isFinite, "words_per_path_year": wordsPerPathYear(years: years)])
}
