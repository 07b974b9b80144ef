import Testing
@testable import TSEncoding
import TSSupport

struct ValueCodecTests {
    @Test func idsAreStable() {
        let expected: [(ValueCodec, UInt8)] = [
            (.raw, 0), (.constant, 1), (.gorillaXOR, 2), (.integral, 3), (.decimal, 4), (.packedRaw, 5),
            (.packedDelta, 6), (.packedDoD, 7), (.runLength, 8), (.bitPacked, 9), (.lengthPrefixed, 10),
            (.sparseDelta, 11),
        ]
        #expect(expected.count == ValueCodec.allCases.count)
        for (c, id) in expected { #expect(c.rawValue == id) }
    }

    @Test func validation() throws {
        for id in 0...255 {
            let b = UInt8(id)
            if id <= 11 {
                #expect(try ValueCodec(validating: b).rawValue == b)
            } else {
                #expect(throws: EncodingError.unknownCodec(b)) { _ = try ValueCodec(validating: b) }
            }
        }
    }

    @Test func typeSets() {
        #expect(ValueCodec.allCases.filter(\.isIntCodec) == [.raw, .constant, .packedRaw, .packedDelta, .packedDoD, .runLength, .sparseDelta])
        #expect(ValueCodec.allCases.filter(\.isFloatCodec) == [.raw, .constant, .gorillaXOR, .integral, .decimal])
        #expect(ValueCodec.allCases.filter(\.isBoolCodec) == [.constant, .bitPacked])
        #expect(ValueCodec.allCases.filter(\.isStringCodec) == [.constant, .lengthPrefixed])
    }
}
