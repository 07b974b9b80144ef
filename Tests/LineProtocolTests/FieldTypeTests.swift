import Testing
import LineProtocol

@Suite struct FieldTypeTests {
    // MARK: floats

    @Test(arguments: [
        ("1", 1.0), ("1.0", 1.0), ("-1.5", -1.5), ("0.64", 0.64), ("1.", 1.0), (".5", 0.5), ("-.5", -0.5),
        ("1e4", 1e4), ("1E4", 1e4), ("1.0e-4", 1.0e-4), ("-1.0e-4", -1.0e-4), ("6.632243e+06", 6_632_243.0),
        ("1e+308", 1e308), ("1.7976931348623157e308", Double.greatestFiniteMagnitude),
        ("5e-324", Double.leastNonzeroMagnitude), ("2.2250738585072014e-308", Double.leastNormalMagnitude),
        ("0000179", 179.0), ("123456", 123_456.0), ("9007199254740993", 9_007_199_254_740_992.0),
    ])
    func floats(_ text: String, _ expected: Double) {
        #expect(fieldValue(text) == .float(expected), "\(text)")
    }

    @Test func floatZeroKeepsItsSign() {
        #expect(fieldValue("0") == .float(0.0))
        #expect(fieldValue("-0.") == .float(-0.0))
        #expect(fieldValue("-0e-4") == .float(-0.0))
        #expect(fieldValue("0e99999") == .float(0.0))
    }

    @Test func floatUnderflowIsZeroOverflowIsError() {
        #expect(fieldValue("1e-400") == .float(0.0))
        #expect(fieldValue("-1e-400") == .float(-0.0))
        #expect(fieldValue("1e309") == nil)
        #expect(fieldValue("-1e309") == nil)
        #expect(fieldValue("1.8e308") == nil)
        let huge = "1" + String(repeating: "0", count: 310)
        #expect(fieldValue(huge) == nil)
        #expect(fieldValue("1" + String(repeating: "0", count: 300)) == .float(1e300))
    }

    @Test(arguments: [
        "NaN", "nan", "Inf", "-Inf", "inf", "-inf", "+1", "1e", "1e+", "1e-", "e5", ".", "-", "-.", "1.1.1",
        "0.-1", "1a", ".1a", "9ie10", "42+3", "-e-e-e", "0x1p3", "0x10", "1_000", "1e1_0", "1,5", "1..2", "--1",
    ])
    func badFloats(_ text: String) {
        #expect(fieldValue(text) == nil, "\(text) should be rejected")
    }

    // MARK: integers

    @Test func integers() {
        #expect(fieldValue("0i") == .int(0))
        #expect(fieldValue("-0i") == .int(0))
        #expect(fieldValue("42i") == .int(42))
        #expect(fieldValue("-42i") == .int(-42))
        #expect(fieldValue("007i") == .int(7))
        #expect(fieldValue("9223372036854775807i") == .int(Int64.max))
        #expect(fieldValue("-9223372036854775808i") == .int(Int64.min))
    }

    @Test(arguments: [
        "9223372036854775808i", "-9223372036854775809i", "18446744073709551616i", "99999999999999999999999i",
        "1.0i", "1e3i", "-i", "i", "1ii", "1i1", "--1i", "0x10i", "1_0i", ".5i",
    ])
    func badIntegers(_ text: String) {
        #expect(fieldValue(text) == nil, "\(text) should be rejected")
    }

    // MARK: unsigned

    @Test func unsigned() {
        #expect(fieldValue("0u") == .uint(0))
        #expect(fieldValue("42u") == .uint(42))
        #expect(fieldValue("18446744073709551615u") == .uint(UInt64.max))
        #expect(fieldValue("00018446744073709551615u") == .uint(UInt64.max))
    }

    @Test(arguments: ["18446744073709551616u", "-1u", "-0u", "1.5u", "u", "1uu", "1e2u", "99999999999999999999999u"])
    func badUnsigned(_ text: String) {
        #expect(fieldValue(text) == nil, "\(text) should be rejected")
    }

    // MARK: booleans

    @Test(arguments: ["t", "T", "true", "True", "TRUE"])
    func trueSpellings(_ text: String) {
        #expect(fieldValue(text) == .bool(true))
    }

    @Test(arguments: ["f", "F", "false", "False", "FALSE"])
    func falseSpellings(_ text: String) {
        #expect(fieldValue(text) == .bool(false))
    }

    @Test(arguments: ["tRUE", "TRue", "truE", "fALSE", "falsE", "yes", "no", "tr", "fa", "trues", "FALSEx", "t1", "f0", "tru"])
    func badBooleans(_ text: String) {
        #expect(fieldValue(text) == nil, "\(text) should be rejected")
    }

    // MARK: strings

    @Test func strings() {
        #expect(fieldValue("\"hello\"") == .string("hello"))
        #expect(fieldValue("\"w\u{e8}\"") == .string("w\u{e8}"))
        #expect(fieldValue("\"x\u{01}y\"") == .string("x\u{01}y"))
        #expect(fieldValue("\"a=b,c d\"") == .string("a=b,c d"))
    }

    @Test func stringsMaySpanLines() throws {
        let r = parseWhole("cpu value=\"4\n2\" 5\nnext v=1 6")
        #expect(r.errors.isEmpty)
        #expect(r.points.count == 2)
        #expect(r.points.first?.fields == fields(("value", .string("4\n2"))))
        #expect(r.pointLines == [1, 3])
    }

    @Test func unterminatedStringIsAnError() {
        #expect(rejects("m v=\"abc"))
        #expect(rejects("m v=\"abc 0"))
    }

    @Test func invalidUTF8IsRejected() {
        let bad: [[UInt8]] = [
            Array("bad".utf8) + [0xFF] + Array(" v=1 0".utf8),
            Array("m,foo=bad".utf8) + [0xFF] + Array(" v=1 0".utf8),
            Array("m,k".utf8) + [0xC0, 0x80] + Array("=v v=1 0".utf8),
            Array("m f".utf8) + [0xED, 0xA0, 0x80] + Array("=1 0".utf8),
            Array("m f=\"bad".utf8) + [0xFF] + Array("\" 0".utf8),
            Array("m f=\"".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("\" 0".utf8),
        ]
        for b in bad {
            let r = parseWhole(b)
            #expect(r.points.isEmpty && r.errors.count == 1, "\(b)")
        }
        let good = Array("m f=\"".utf8) + [0xF0, 0x9F, 0x98, 0x80] + Array("\" 0".utf8)
        #expect(parseWhole(good).points.first?.fields.first?.value == .string("\u{1F600}"))
    }
}
