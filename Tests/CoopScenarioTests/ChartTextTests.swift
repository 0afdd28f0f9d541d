import XCTest
import Foundation
@testable import CoopData
@testable import CoopScenario

/// Every chart of every shipped report, in English and Vietnamese, keeps its text inside its box:
/// no title, subtitle, label or legend cut or running off the chart, and the y-axis title clear of
/// the tick labels (issue: comparison subtitles were cut just before the probability, and the
/// national GRDP chart's y-axis title overlapped its tick labels).
final class ChartTextTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func shippedFolders() throws -> [String] {
        let export = Self.repoRoot.appendingPathComponent("Notebooks-export")
        let names = try FileManager.default.contentsOfDirectory(atPath: export.path).sorted()
        let dirs = names.map { export.appendingPathComponent($0).path }.filter {
            FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("summary.csv"))
        }
        XCTAssertGreaterThanOrEqual(dirs.count, 5)
        return dirs
    }

    func testEveryShippedChartKeepsItsTextInsideItsBox() throws {
        var charts = 0
        for dir in try shippedFolders() {
            let folder = try RunFolder.read(directory: dir)
            for lang in ReportLanguage.allCases {
                let b = ReportBuilder(folder: folder, language: lang)
                let levers = folder.regions.flatMap { b.leverCharts(region: $0) }
                for c in b.fanCharts() + b.comparisonCharts() + b.overlayCharts() + levers {
                    charts += 1
                    let p = ChartTextLayout.problems(svg: c.svg)
                    XCTAssertEqual(p, [], "\((dir as NSString).lastPathComponent) \(lang) \(c.fileName)")
                }
            }
        }
        XCTAssertGreaterThan(charts, 100)
    }

    func testComparisonSubtitleShowsTheWholeProbability() throws {
        for dir in try shippedFolders() {
            let folder = try RunFolder.read(directory: dir)
            for lang in ReportLanguage.allCases {
                let fmt = ReportNumberFormat(language: lang)
                for (s, b) in folder.comparisons {
                    for m in folder.summarizedMetrics {
                        let c = ComparisonChart(folder: folder, scenario: s, baseline: b, region: folder.regions[0], metric: m, language: lang)
                        guard let last = c.rows.last else { continue }
                        let subtitle = ChartTextLayout.items(svg: c.svg()).filter { $0.cls == "chart-subtitle" }.map(\.text).joined(separator: " ")
                        XCTAssertTrue(subtitle.contains(fmt.probability(last.probIncrease, low: last.probIncreaseLow, high: last.probIncreaseHigh)), subtitle)
                    }
                }
            }
        }
    }

    func testWrappingNeverCutsANumber() {
        let long = String(repeating: "Verylongscenarioidentifier ", count: 12) + "P(increase) 2026: 10.4%"
        let lines = wrapText(long, size: 12.5, width: 300, maxLines: 2)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines.joined(separator: " ").hasSuffix("2026: 10.4%"), lines.joined(separator: "|"))
        for l in lines { XCTAssertLessThanOrEqual(SVGCanvas.textWidth(l, size: 12.5), 300) }
        XCTAssertEqual(wrapText("short", size: 12, width: 300, maxLines: 1), ["short"])
        XCTAssertEqual(wrapText("a part · another part", size: 12, width: 100, maxLines: 2), ["a part", "another part"])
        // One long word (a factor's identifier without a label): cut by characters, never "…" alone.
        let word = wrapText("entrant_trained_share_among_new_cooperatives", size: 12, width: 80, maxLines: 1)
        XCTAssertEqual(word.count, 1)
        XCTAssertTrue(word[0].hasPrefix("entrant") && word[0].hasSuffix("…"), word[0])
        XCTAssertLessThanOrEqual(SVGCanvas.textWidth(word[0], size: 12), 80)
    }

    func testLayoutCheckFindsTextOutsideTheBoxAndOverlaps() {
        let svg = """
        <svg><text class="chart-subtitle" x="16" y="46" font-size="12.5" text-anchor="start" fill="#555">\(String(repeating: "x", count: 200))</text>
        <text class="y-tick" x="78" y="100" font-size="12" text-anchor="end" fill="#333">2,400,000,000</text>
        <text class="y-label" x="18" y="200" font-size="12.5" text-anchor="middle" fill="#333" transform="rotate(-90 18 200)">billion VND</text></svg>
        """
        let p = ChartTextLayout.problems(svg: svg)
        XCTAssertEqual(p.count, 3, p.joined(separator: "\n"))
    }
}
