// coopsim-peers: times coopsim's calls (and a bare LAPACKE_dgels) on data written by
// Benchmarks/peers/peers.py, and prints one JSON object per command for the driver.
//
//   coopsim-peers info
//   coopsim-peers ols --data DIR [--repeat N]
//   coopsim-peers glm --data DIR [--repeat N]
//   coopsim-peers qr --data DIR [--repeat N]
//   coopsim-peers mc --draws D --years Y --threads T [--repeat N]
//   coopsim-peers rng [--count N] [--years Y] [--repeat N]
//   coopsim-peers fit --csv FILE --formula F [--repeat N]
import CLinearAlgebra
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: coopsim-peers info|ols|glm|mc|rng [--option value ...]", status: 64) }
let options = Options(arguments.dropFirst(2))
switch arguments[1] {
case "info":
    emit(["openblas_core": String(cString: openblas_get_corename()),
          "openblas_config": String(cString: openblas_get_config()),
          "openblas_threads": Int(openblas_get_num_threads())])
case "ols": runOLS(options)
case "glm": runGLM(options)
case "qr": runQR(options)
case "rng": runRNG(options)
case "mc": runMonteCarlo(options)
case "fit": runFit(options)
default: fail("unknown command \(arguments[1]); expected info, ols, glm, qr, mc, rng or fit", status: 64)
}
