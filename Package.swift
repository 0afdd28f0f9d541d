// swift-tools-version:6.1
import PackageDescription

// Direction of dependencies (see Guides/ARCHITECTURE.md):
//   CLinearAlgebra <- CoopNumerics <- CoopData <- CoopModel <- CoopScenario <- coopsim
//   CFastFloat (C++ shim over fast_float) <- CoopData
//   CoopDistributions <- CoopNumerics, CoopRandom <- CoopModel
//   CPhilox (C, Philox over many counters, AVX2 at run time) <- CoopRandom, CoopModel (coefficient words)
//   CVecMath (C, exp/log/log1p/invlogit/logit/normal over arrays, AVX2 at run time) <- CoopRandom, CoopModel
//   CoopRandom, CoopDistributions <- CoopDecision <- CoopScenario (sensitivity, PRIM, least-cost search)
// The numeric core (CoopNumerics, CoopDistributions, CoopRandom) knows nothing of cooperatives.
let package = Package(
    name: "coopsim",
    products: [
        .executable(name: "coopsim", targets: ["coopsim"]),
        .library(name: "CoopNumerics", targets: ["CoopNumerics"]),
        .library(name: "CoopDistributions", targets: ["CoopDistributions"]),
        .library(name: "CoopRandom", targets: ["CoopRandom"]),
        .library(name: "CoopData", targets: ["CoopData"]),
        .library(name: "CoopModel", targets: ["CoopModel"]),
        .library(name: "CoopScenario", targets: ["CoopScenario"]),
        .library(name: "CoopDecision", targets: ["CoopDecision"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The HTTP server of `coopsim serve` (CoopServe); no optional traits (swift-configuration is not used).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        .systemLibrary(name: "CLinearAlgebra", path: "Sources/CLinearAlgebra"),
        // Debian's libxlsxwriter-dev (scripts/setup.sh installs it): Excel workbooks for --xlsx.
        .systemLibrary(name: "CXLSXWriter", path: "Sources/CXLSXWriter", pkgConfig: "xlsxwriter"),
        .target(name: "CoopDistributions"),
        .target(name: "CoopNumerics", dependencies: ["CLinearAlgebra", "CoopDistributions"]),
        // Philox4x32-10 over many counters at once (the engine's path-year words), with an AVX2 kernel
        // chosen at run time: the package builds for baseline x86-64 (Guides/Random.md).
        .target(name: "CPhilox", path: "Sources/CPhilox"),
        // The engine's own elementary functions over arrays (exp, log, log1p, invlogit, logit, the
        // standard normal of a random word), AVX2 chosen at run time, the same bits as the scalar
        // kernel on every processor (Guides/Random.md).
        .target(name: "CVecMath", path: "Sources/CVecMath"),
        .target(name: "CoopRandom", dependencies: ["CoopDistributions", "CPhilox", "CVecMath"]),
        // fast_float (Debian libfast-float-dev, header-only, installed by scripts/setup.sh) behind a C shim:
        // the CSV reader's correctly rounded number parsing.
        .target(name: "CFastFloat", path: "Sources/CFastFloat"),
        .target(name: "CoopData", dependencies: ["CoopNumerics", "CFastFloat"]),
        .target(name: "CoopModel", dependencies: ["CoopNumerics", "CoopData", "CoopRandom", "CoopDistributions", "CPhilox", "CVecMath"]),
        .target(name: "CoopScenario", dependencies: ["CoopModel", "CoopData", "CoopNumerics", "CoopDistributions", "CoopDecision", "CXLSXWriter"]),
        // Decision-support methods (Sobol, Morris, PRIM, least-cost search): pure numerics, no cooperatives.
        .target(name: "CoopDecision", dependencies: ["CoopRandom", "CoopDistributions"]),
        .target(name: "CoopServe", dependencies: [
            "CoopScenario", "CoopModel", "CoopData",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .executableTarget(
            name: "coopsim",
            dependencies: [
                "CoopScenario", "CoopModel", "CoopData", "CoopNumerics", "CoopDecision", "CoopServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CoopDistributionsTests", dependencies: ["CoopDistributions"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopNumericsTests", dependencies: ["CoopNumerics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopRandomTests", dependencies: ["CoopRandom", "CoopDistributions", "CPhilox"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopDataTests", dependencies: ["CoopData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopModelTests", dependencies: ["CoopModel", "CVecMath"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopScenarioTests", dependencies: ["CoopScenario"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopDecisionTests", dependencies: ["CoopDecision"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EndToEndTests", dependencies: ["coopsim"], exclude: ["Explorer"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
