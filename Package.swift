// swift-tools-version:6.0
import PackageDescription

// Direction of dependencies (see Guides/ARCHITECTURE.md):
//   CLinearAlgebra <- CoopNumerics <- CoopData <- CoopModel <- CoopScenario <- coopsim
//   CFastFloat (C++ shim over fast_float) <- CoopData
//   CoopDistributions <- CoopNumerics, CoopRandom <- CoopModel
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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CLinearAlgebra", path: "Sources/CLinearAlgebra"),
        .target(name: "CoopDistributions"),
        .target(name: "CoopNumerics", dependencies: ["CLinearAlgebra", "CoopDistributions"]),
        .target(name: "CoopRandom", dependencies: ["CoopDistributions"]),
        // fast_float (Debian libfast-float-dev, header-only, installed by scripts/setup.sh) behind a C shim:
        // the CSV reader's correctly rounded number parsing.
        .target(name: "CFastFloat", path: "Sources/CFastFloat"),
        .target(name: "CoopData", dependencies: ["CoopNumerics", "CFastFloat"]),
        .target(name: "CoopModel", dependencies: ["CoopNumerics", "CoopData", "CoopRandom", "CoopDistributions"]),
        .target(name: "CoopScenario", dependencies: ["CoopModel", "CoopData", "CoopNumerics"]),
        .executableTarget(
            name: "coopsim",
            dependencies: [
                "CoopScenario", "CoopModel", "CoopData", "CoopNumerics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CoopDistributionsTests", dependencies: ["CoopDistributions"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopNumericsTests", dependencies: ["CoopNumerics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopRandomTests", dependencies: ["CoopRandom", "CoopDistributions"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopDataTests", dependencies: ["CoopData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopModelTests", dependencies: ["CoopModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CoopScenarioTests", dependencies: ["CoopScenario"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EndToEndTests", dependencies: ["coopsim"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
