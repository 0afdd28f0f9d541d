import Foundation
import XCTest
@testable import CoopData

/// A resolver over fixed columns; lag k shifts by k rows (NaN at the start); normal draws are given.
struct ArrayResolver: VariableResolver {
    var columns: [String: [Double]]
    var rowCount: Int
    var draws: [[Double]] = []

    func values(of name: String, lag: Int) throws -> [Double] {
        guard let c = columns[name] else { throw InputError(field: "test", expected: "a known variable", found: name) }
        return (0..<rowCount).map { $0 - lag >= 0 ? c[$0 - lag] : .nan }
    }

    func standardNormals(occurrence: Int) throws -> [Double] { draws[occurrence] }
}

final class ExpressionTests: XCTestCase {
    func value(_ text: String, _ vars: [String: Double] = [:]) throws -> Double {
        let r = ArrayResolver(columns: vars.mapValues { [$0] }, rowCount: 1)
        return try Expression.parse(text).evaluate(r)[0]
    }

    func testPrecedenceAndAssociativity() throws {
        XCTAssertEqual(try value("-2^2"), -4, "unary minus binds looser than ^, as in R")
        XCTAssertEqual(try value("(-2)^2"), 4)
        XCTAssertEqual(try value("2^3^2"), 512, "^ is right-associative")
        XCTAssertEqual(try value("2**3**2"), 512, "** is the same operator")
        XCTAssertEqual(try value("2^-1"), 0.5)
        XCTAssertEqual(try value("1 - 2 - 3"), -4)
        XCTAssertEqual(try value("8 / 4 / 2"), 1)
        XCTAssertEqual(try value("2 * 3 + 4"), 10)
        XCTAssertEqual(try value("2 * (3 + 4)"), 14)
        XCTAssertEqual(try value("-x^2 + +x", ["x": 3]), -6)
        XCTAssertEqual(try value("1 - -1"), 2)
        XCTAssertEqual(try value("I(1 + 2) * 2"), 6, "I() is the identity")
        XCTAssertEqual(try Expression.parse("a + b * c"),
                       .binary(.add, .variable("a"), .binary(.multiply, .variable("b"), .variable("c"))))
        XCTAssertEqual(try Expression.parse("-a^b"), .negate(.binary(.power, .variable("a"), .variable("b"))))
    }

    func testFunctionsAgainstClosedForms() throws {
        XCTAssertEqual(try value("log(x)", ["x": M_E]), 1, accuracy: 1e-15)
        XCTAssertEqual(try value("log1p(x)", ["x": 1e-10]), 9.9999999995e-11, accuracy: 1e-25, "log1p keeps digits near 0")
        XCTAssertEqual(try value("exp(x)", ["x": 1]), M_E, accuracy: 4e-16)
        XCTAssertEqual(try value("sqrt(x)", ["x": 2]), 2.0.squareRoot())
        XCTAssertEqual(try value("abs(x)", ["x": -3]), 3)
        XCTAssertEqual(try value("logit(p)", ["p": 0.25]), -log(3.0), accuracy: 1e-15)
        XCTAssertEqual(try value("invlogit(x)", ["x": log(3.0)]), 0.75, accuracy: 1e-15)
        XCTAssertEqual(try value("expit(x)", ["x": -800]), 0, "no overflow for large negative arguments")
        XCTAssertEqual(try value("invlogit(x)", ["x": 800]), 1)
        XCTAssertEqual(try value("invlogit(logit(p))", ["p": 0.3]), 0.3, accuracy: 1e-15)
        XCTAssertEqual(try value("log(x)", ["x": 0]), -.infinity, "IEEE: log(0) = -inf")
    }

    func testPanelOperatorsAndNormal() throws {
        let r = ArrayResolver(columns: ["x": [1, 2, 4, 8], "m": [10, 10, 10, 10]], rowCount: 4,
                              draws: [[0.5, -1, 2, 0], [1, 1, 1, 1]])
        func eval(_ s: String) throws -> [Double] { try Expression.parse(s).evaluate(r) }
        XCTAssertEqual(try eval("lag(x)").dropFirst(), [1, 2, 4])
        XCTAssertEqual(try eval("lag(x, 2)").dropFirst(2), [1, 2])
        XCTAssertEqual(try eval("lag(x, 0)"), [1, 2, 4, 8])
        XCTAssertEqual(try eval("diff(x)").dropFirst(), [1, 2, 4])
        for (v, k) in zip(try eval("dlog(x)").dropFirst(), [2.0, 4, 8]) { XCTAssertEqual(v, log(k) - log(k / 2)) }
        XCTAssertEqual(try eval("lag(diff(x))").dropFirst(2), [1, 2], "lag of an expression lags every variable in it")
        XCTAssertTrue(try eval("diff(x)")[0].isNaN)
        XCTAssertEqual(try eval("normal(m, 2)"), [11, 8, 14, 10])
        XCTAssertEqual(try eval("normal(0, 1) + normal(m, 0.5)"), [11, 9.5, 12.5, 10.5], "each normal() gets its own draws, in reading order")
        XCTAssertThrowsError(try Expression.parse("lag(normal(0, 1))"))
        let fromTable = TableResolver(table: DataTable(names: ["x"], columns: [.numeric([1])]))
        XCTAssertThrowsError(try Expression.parse("normal(0, 1)").evaluate(fromTable), "a table has no draws")
    }

    func testVariables() throws {
        let e = try Expression.parse("diff(x) + lag(y, 2) + log(lag(z)) + x * y")
        XCTAssertEqual(e.variables.map(\.description), ["x", "lag(x, 1)", "lag(y, 2)", "lag(z, 1)", "y"])
        XCTAssertEqual(e.variableNames, ["x", "y", "z"])
        XCTAssertEqual(e.maximumLag, 2)
        XCTAssertEqual(try Expression.parse("3").variables, [])
    }

    func testPrinterRoundTrips() throws {
        let texts = ["a - (b - c)", "(a + b) * c", "a / (b * c)", "-x ^ 2", "(-x) ^ 2", "2 ^ 3 ^ 2", "(2 ^ 3) ^ 2",
                     "log(lag(coops)) + log1p(support)", "lag(x, 2) - a * -b", "invlogit(x)", "normal(0, grdp_sd)",
                     "((lag(coops) - exits) * trained_incumbent + entries * entrant_trained_share) / coops", "a - -b", "x ^ -1", "0.5 * x"]
        for t in texts {
            let e = try Expression.parse(t)
            XCTAssertEqual(try Expression.parse(e.description), e, "'\(t)' printed as '\(e.description)'")
        }
        XCTAssertEqual(try Expression.parse("a-(b-c)").description, "a - (b - c)")
        XCTAssertEqual(try Expression.parse("(a*b)+c").description, "a * b + c")
        XCTAssertEqual(try Expression.parse("expit(lag(x,1))").description, "invlogit(lag(x, 1))")
    }

    func testErrorsNameTheColumn() {
        func message(_ s: String) -> String {
            do { _ = try Expression.parse(s); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("log(x) +"), "expression: expected a value after '+', got end of input at column 9")
        XCTAssertEqual(message("a * * b"), "expression: expected a value after '*', got '*' at column 5")
        XCTAssertEqual(message("(a + b"), "expression: expected ')' to close the '(' at column 1, got end of input at column 7")
        XCTAssertEqual(message("a b"), "expression: expected an operator or the end of input, got 'b' at column 3")
        XCTAssertEqual(message("lgo(x)"),
                       "expression: expected a known function (log, log1p, exp, sqrt, logit, invlogit, abs, lag, diff, dlog, normal, expit, I), got 'lgo' at column 1 (did you mean 'log'?)")
        XCTAssertEqual(message("log(x, y)"), "expression: expected 1 argument for log(), got 2 at column 1")
        XCTAssertEqual(message("lag(x, -1)"), "expression: expected a whole number of years as the second argument of lag(), got '-1' at column 1")
        XCTAssertEqual(message("a $ b"), "expression: expected a name, a number or an operator, got '$' at column 3")
    }
}
