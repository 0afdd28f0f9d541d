// swift-tools-version:6.1
import PackageDescription

// The performance suite of coopsim, a nested package so that the main build stays fast
// (ordo-one/benchmark and its dependencies take about two minutes on a clean build).
//
//   swift package benchmark                        # every suite
//   swift package benchmark --target Random        # one suite
//   swift package benchmark thresholds check       # against Thresholds/
//   make bench-peers                               # (from the root) peer comparison table
//
// Each suite is an executable target under Benchmarks/<Suite>/; the peer-comparison timer
// `coopsim-peers` is a plain executable driven by peers/peers.py.
let package = Package(
    name: "coopsim-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "coopsim", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchSupport",
            dependencies: [.product(name: "CoopModel", package: "coopsim")],
            path: "Sources/BenchSupport"
        ),
        .executableTarget(
            name: "coopsim-peers",
            dependencies: [
                .product(name: "CoopNumerics", package: "coopsim"),
                .product(name: "CoopRandom", package: "coopsim"),
                .product(name: "CoopModel", package: "coopsim"),
                .product(name: "CoopData", package: "coopsim"),
                .product(name: "CoopScenario", package: "coopsim"),
                "BenchSupport",
            ],
            path: "Sources/coopsim-peers"
        ),
    ],
    swiftLanguageModes: [.v5]
)

/// A benchmark suite: an executable target over `Benchmarks/<name>/` run by the Benchmark plugin.
func suite(_ name: String, _ products: [String], support: Bool = false) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")]
            + products.map { .product(name: $0, package: "coopsim") }
            + (support ? ["BenchSupport"] : []),
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

package.targets += [
    suite("LinearAlgebra", ["CoopNumerics"]),
    suite("GLM", ["CoopNumerics", "CoopRandom"]),
    suite("Random", ["CoopRandom"]),
    suite("MonteCarlo", ["CoopModel"], support: true),
    suite("EndToEnd", ["CoopScenario", "CoopModel"], support: true),
    suite("Decision", ["CoopScenario", "CoopModel"], support: true),
]
