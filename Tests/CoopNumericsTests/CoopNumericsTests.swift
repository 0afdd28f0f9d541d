import XCTest
@testable import CoopNumerics

final class MatrixTests: XCTestCase {
    func testLayoutIsColumnMajor() {
        let m = Matrix(rowMajor: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.storage, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(m[1, 2], 6)
        XCTAssertEqual(m.transposed.storage, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(m.column(1), [2, 5])
    }
}
