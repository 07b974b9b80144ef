import Testing
@testable import TSEncoding
import TestSupport

struct CRC32CTests {
    /// Bit-at-a-time reference implementation.
    static func reference(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        var crc = ~seed
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum(Array("a".utf8)) == 0xC1D0_4330)
    }

    /// The hardware path (when this CPU has it) and the portable path agree everywhere,
    /// including unaligned starts and every tail length.
    @Test func hardwareMatchesSoftware() {
        var rng = SplitMix64(seed: 77)
        let data = rng.bytes(4096)
        data.withUnsafeBytes { all in
            for start in 0..<9 {
                for len in [0, 1, 3, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4000] where start + len <= all.count {
                    let buf = UnsafeRawBufferPointer(rebasing: all[start..<(start + len)])
                    let seed = UInt32(truncatingIfNeeded: rng.next())
                    #expect(CRC32C.checksum(buf, seed: seed) == CRC32C.software(buf, seed: seed))
                    #expect(CRC32C.software(buf) == Self.reference(Array(buf)))
                }
            }
        }
        print("CRC32C hardware path: \(CRC32C.hardware)")
    }

    @Test func seedChaining() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<200 {
            let a = rng.bytes(Int(rng.next() % 100))
            let b = rng.bytes(Int(rng.next() % 100))
            let whole = CRC32C.checksum(a + b)
            #expect(CRC32C.checksum(b, seed: CRC32C.checksum(a)) == whole)
            #expect(CRC32C.checksum(b, seed: CRC32C.checksum(a)) == Self.reference(b, seed: Self.reference(a)))
        }
        let digits = Array("123456789".utf8)
        var crc: UInt32 = 0
        for d in digits { crc = CRC32C.checksum([d], seed: crc) }
        #expect(crc == 0xE306_9283)
        #expect(CRC32C.checksum([], seed: 0x1234_5678) == 0x1234_5678)
    }

    @Test func matchesReferenceAtAllAlignments() {
        var rng = SplitMix64(seed: 77)
        let data = rng.bytes(600)
        for start in 0..<16 {
            for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 500] {
                let slice = data[start..<(start + len)]
                #expect(CRC32C.checksum(slice) == Self.reference(Array(slice)))
                let viaRaw = slice.withUnsafeBytes { CRC32C.checksum($0) }
                #expect(viaRaw == Self.reference(Array(slice)))
            }
        }
    }
}
