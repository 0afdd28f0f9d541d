import CoopData
import CoopModel

/// Whether an alternative shares its chance path by path with the baseline of a comparison.
///
/// Every draw is keyed by (seed, region, path, year, equation) (Guides/Engine.md, "Random
/// streams"); `compare` gives the alternatives the baseline's seed and draws. Path p of the
/// alternative then meets the same chance as path p of the baseline only when the other parts
/// of the key agree and each equation takes its draws in the same order:
///
/// - the same `region` (its name is hashed into every key);
/// - the same random equations, by name and family, in the same order (a renamed equation
///   draws from another stream; another family takes another number of draws), and the same
///   identities calling `normal()` the same number of times (each call and each family owns
///   fixed word slots of the path-year stream, in model order: one call more moves the slots
///   of every later equation).
///
/// Levers, assumptions, observed values, history, targets and calibrated coefficients may
/// differ: they change what a path does with its chance, not the chance. An alternative that
/// breaks the pairing is refused: its differences would be luck (the standard deviation of a
/// difference as large as between independent runs), not the policy's.
enum Pairing {
    /// The problems of comparing `alternative` with `baseline` (empty when they pair path by path).
    static func problems(baseline: Scenario, alternative: Scenario, baselineModel: ModelSpec,
                         alternativeModel: ModelSpec) -> [InputError] {
        var out: [InputError] = []
        let hint = "compare alternatives of one region and one model; to set regions or models side by side, run each with `coopsim run`"
        if alternative.region != baseline.region {
            out.append(InputError(file: alternative.file, field: "region",
                                  expected: "the baseline's region '\(baseline.region)' (\(baseline.file)): draws are keyed by region, so other regions share no chance with it",
                                  found: "'\(alternative.region)'", hint: hint))
        }
        let a = draws(baselineModel), b = draws(alternativeModel)
        if a != b {
            let diff = zip(a, b).first { $0 != $1 }.map { "'\($0.1)' where the baseline's model has '\($0.0)'" }
                ?? (a.count > b.count ? "no equation where the baseline's model has '\(a[b.count])'"
                                      : "'\(b[a.count])' that the baseline's model has not")
            out.append(InputError(file: alternative.file, field: "model",
                                  expected: "a model whose random equations (names, families, identities calling normal()) are those of the baseline's \(baselineModel.file), in the same order",
                                  found: "\(alternativeModel.file) with \(diff)", hint: hint))
        }
        return out
    }

    /// The equations that take draws, as "name (family)" in model order.
    static func draws(_ model: ModelSpec) -> [String] {
        model.equations.compactMap { eq in
            if let f = eq.family { return "\(eq.name) (\(f.rawValue))" }
            // Each normal() call takes one word slot of the path-year stream (Guides/Random.md), so
            // the number of calls matters, not only whether there is one.
            let calls = occurrences(of: "normal(", in: eq.text)
            if calls == 0 { return nil }
            return calls == 1 ? "\(eq.name) (identity with normal())" : "\(eq.name) (identity with \(calls) normal() calls)"
        }
    }

    /// Non-overlapping occurrences of `needle` in `text`, by UTF-8 bytes.
    static func occurrences(of needle: String, in text: String) -> Int {
        let t = Array(text.utf8), n = Array(needle.utf8)
        var count = 0, i = 0
        while i + n.count <= t.count {
            if t[i..<i + n.count].elementsEqual(n) { count += 1; i += n.count } else { i += 1 }
        }
        return count
    }
}
