// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for coopsim's parsers, a nested package so that neither the main build nor
// `make test` compiles them (they need `--sanitize=fuzzer`, which links libFuzzer's own main).
//
//   make fuzz                      # (from the root) builds them and runs each for FUZZ_SECONDS (10)
//   .build/debug/fuzz-csv Corpus/csv -max_total_time=60     # one target, longer
//
// Each target is one file with `LLVMFuzzerTestOneInput` and no main; Corpus/<target>/ holds the
// seed inputs, replayed by CoopDataTests.FuzzCorpusTests in the ordinary test run.
let package = Package(
    name: "coopsim-fuzz",
    dependencies: [
        .package(name: "coopsim", path: ".."),
    ],
    targets: [
        .executableTarget(name: "fuzz-csv", dependencies: [.product(name: "CoopData", package: "coopsim")], path: "Sources/fuzz-csv"),
        .executableTarget(name: "fuzz-toml", dependencies: [.product(name: "CoopData", package: "coopsim")], path: "Sources/fuzz-toml"),
        .executableTarget(name: "fuzz-formula", dependencies: [.product(name: "CoopData", package: "coopsim")], path: "Sources/fuzz-formula"),
    ],
    swiftLanguageModes: [.v5]
)
