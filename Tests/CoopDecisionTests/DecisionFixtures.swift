import Foundation
import XCTest

/// Reads a committed fixture (made by Fixtures/make_fixtures.py).
func fixture(_ name: String) throws -> Data {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw XCTSkip("fixture \(name) missing from the test bundle")
    }
    return try Data(contentsOf: url)
}

func json(_ name: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: try fixture(name)) as! [String: Any]
}

func doubles(_ any: Any?) -> [Double] { (any as! [Any]).map { ($0 as! NSNumber).doubleValue } }
func matrix(_ any: Any?) -> [[Double]] { (any as! [Any]).map(doubles) }

/// The Ishigami function, x in [−π, π]^3.
func ishigami(_ x: ArraySlice<Double>, a: Double = 7, b: Double = 0.1) -> Double {
    let x1 = x[x.startIndex], x2 = x[x.startIndex + 1], x3 = x[x.startIndex + 2]
    return sin(x1) + a * sin(x2) * sin(x2) + b * pow(x3, 4) * sin(x1)
}

/// Ishigami at a point of the unit cube, mapped to [−π, π]^3 as the fixture script does (x · 2π − π).
func ishigamiUnit(_ u: ArraySlice<Double>) -> Double {
    ishigami(ArraySlice(u.map { $0 * 2 * Double.pi - Double.pi }))
}
