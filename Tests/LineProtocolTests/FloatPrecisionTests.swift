#if canImport(Glibc)
import Glibc
#endif
import Testing
import LineProtocol
import TestSupport

/// The fast float path must give exactly the bits a correctly rounded conversion gives.
@Suite struct FloatPrecisionTests {
    /// Reference: glibc strtod is correctly rounded (as is Go's strconv.ParseFloat).
    static func reference(_ s: String) -> Double {
        s.withCString { strtod($0, nil) }
    }

    @Test(arguments: [
        "0.1", "0.2", "0.3", "1.1", "2.675", "0.1e1", "123.456", "9007199254740991", "9007199254740992",
        "9007199254740993", "18014398509481985", "1e22", "1e23", "8.98846567431158e307", "2.2250738585072011e-308",
        "2.2250738585072012e-308", "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "1.7976931348623158e308", "0.000000000000000000000000000000000001", "0.123456789111315171921232527",
        "3.141592653589793238462643383279", "1234567890123456789", "12345678901234567890", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "7.1e-10", "1767225600.123456789",
        "123456789012345678901234567890e-10", "0.0000001e30", "4e37", "4.5e36", "9e15", "1e-22", "3e-23",
    ])
    func hardCases(_ s: String) throws {
        let v = try #require(fieldValue(s))
        guard case .float(let d) = v else { Issue.record("not a float"); return }
        #expect(d.bitPattern == Self.reference(s).bitPattern, "\(s): got \(d), want \(Self.reference(s))")
    }

    @Test func randomDecimalsAgreeWithReference() {
        var rng = SplitMix64(seed: 0x5EED_F10A7)
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...24, using: &rng)
            var s = rng.next() % 4 == 0 ? "-" : ""
            let dot = Int.random(in: 0...digits, using: &rng)
            for i in 0..<digits {
                if i == dot && i > 0 { s += "." }
                s += String(Int.random(in: 0...9, using: &rng))
            }
            if rng.next() % 2 == 0 {
                s += "e" + String(Int.random(in: -330...310, using: &rng))
            }
            let want = Self.reference(s)
            let got = fieldValue(s)
            if !want.isFinite {
                #expect(got == nil, "\(s) overflows")
            } else if case .float(let d)? = got {
                #expect(d.bitPattern == want.bitPattern, "\(s): got \(d), want \(want)")
            } else {
                Issue.record("\(s) was rejected")
            }
        }
    }

    @Test func randomDoublesSurviveTheirShortestText() {
        var rng = SplitMix64(seed: 77)
        for _ in 0..<20_000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            #expect(fieldValue(d.description) == .float(d), "\(d)")
        }
    }
}
