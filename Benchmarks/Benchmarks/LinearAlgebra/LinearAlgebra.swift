import Benchmark
import CoopNumerics
let benchmarks: @Sendable () -> Void = {}
