import Foundation
import XCTest
@testable import CoopDistributions

/// ForecastScores against properscoring / scipy / numpy (fixture: scripts/fixtures/forecast_scores.py)
/// and against closed forms.
final class ForecastScoresTests: XCTestCase {
    struct Ensemble: Decodable {
        var name: String; var ensemble: [Double]; var observation: Double
        var crps: Double; var pit_mid: Double
        var q05: Double; var q25: Double; var q50: Double; var q75: Double; var q95: Double
    }
    struct NormalCase: Decodable { var mean: Double; var sd: Double; var observation: Double; var crps: Double }
    struct Fixture: Decodable { var ensembles: [Ensemble]; var normals: [NormalCase] }

    func fixture() throws -> Fixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "forecast_scores", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testEnsembleScoresMatchProperscoringScipyAndNumpy() throws {
        let f = try fixture()
        XCTAssertEqual(f.ensembles.count, 8)
        for c in f.ensembles {
            let sorted = c.ensemble.sorted()
            let crps = ForecastScores.crps(ensemble: c.ensemble, observation: c.observation)
            XCTAssertEqual(crps, c.crps, accuracy: 1e-10 * max(1, abs(c.crps)), "\(c.name): CRPS")
            XCTAssertEqual(ForecastScores.pit(sorted: sorted, observation: c.observation), c.pit_mid, accuracy: 1e-12, "\(c.name): PIT")
            for (q, want) in [(0.05, c.q05), (0.25, c.q25), (0.5, c.q50), (0.75, c.q75), (0.95, c.q95)] {
                XCTAssertEqual(ForecastScores.quantile(sorted: sorted, q), want, "\(c.name): quantile \(q)")
            }
        }
        for c in f.normals {
            XCTAssertEqual(ForecastScores.crpsNormal(mean: c.mean, sd: c.sd, observation: c.observation), c.crps,
                           accuracy: 1e-12 * max(1, c.crps), "normal \(c.mean), \(c.sd), \(c.observation)")
        }
    }

    /// Closed forms: a point mass scores |x − y|; two draws {a, b} score mean|x − y| − |a − b|/4;
    /// a large normal ensemble tends to the normal CRPS (error O(1/sqrt n) from sampling, here
    /// a deterministic quantile grid so the error is O(log n / n)).
    func testClosedForms() {
        XCTAssertEqual(ForecastScores.crps(ensemble: [3], observation: 5), 2)
        XCTAssertEqual(ForecastScores.crps(ensemble: [1, 4], observation: 2), (1.0 + 2.0) / 2 - 3.0 / 4)
        let n = 20_000
        let grid = (0..<n).map { Normal.quantile((Double($0) + 0.5) / Double(n)) * 2 + 10 }
        for y in [10.0, 11.3, 4.0] {
            XCTAssertEqual(ForecastScores.crps(ensemble: grid, observation: y),
                           ForecastScores.crpsNormal(mean: 10, sd: 2, observation: y), accuracy: 2e-3)
        }
        // PIT: ties split in half; randomised PIT spans [F(y-), F(y)].
        let x: [Double] = [1, 2, 2, 2, 3]
        XCTAssertEqual(ForecastScores.pit(sorted: x, observation: 2), (1 + 1.5) / 5)
        XCTAssertEqual(ForecastScores.randomizedPIT(sorted: x, observation: 2, uniform: 0), 0.2)
        XCTAssertEqual(ForecastScores.randomizedPIT(sorted: x, observation: 2, uniform: 1), 0.8)
        XCTAssertEqual(ForecastScores.randomizedPIT(sorted: x, observation: 2.5, uniform: 0.3), 0.8)
        XCTAssertTrue(ForecastScores.covers(sorted: Array(stride(from: 0.0, through: 100, by: 1)), observation: 5, coverage: 0.9))
        XCTAssertFalse(ForecastScores.covers(sorted: Array(stride(from: 0.0, through: 100, by: 1)), observation: 4.9, coverage: 0.9))
    }

    /// Drift and MASE scale by hand: 10, 12, (gap), 18 over 2010, 2011, 2013.
    func testDriftAndScale() {
        XCTAssertEqual(ForecastScores.driftForecast(years: [2010, 2011, 2013], values: [10, 12, 18], at: 2015), 18 + 2 * (8.0 / 3))
        XCTAssertEqual(ForecastScores.maseScale(years: [2010, 2011, 2013], values: [10, 12, 18])!, 8.0 / 3)
        XCTAssertNil(ForecastScores.maseScale(years: [2010], values: [1]))
    }
}
