import CCRC32C

/// CRC-32C (Castagnoli).
///
/// Parameters: reflected polynomial 0x82F63B78 (normal form 0x1EDC6F41),
/// initial value 0xFFFFFFFF, input and output reflected, final xor
/// 0xFFFFFFFF. `checksum("123456789") == 0xE3069283`.
///
/// Uses the CPU's CRC-32C instruction when it has one (x86-64 SSE4.2, ARMv8 CRC; C shim
/// `CCRC32C`), else processes 8 bytes per step with eight 256-entry tables ("slicing-by-8").
public enum CRC32C {
    /// Whether the hardware path is used (checked once).
    public static let hardware: Bool = ccrc32c_hardware_available() != 0

    /// Reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F6_3B78

    /// 8 × 256 entries. Table k maps a byte to the CRC contribution of that
    /// byte followed by k zero bytes.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 {
                c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1
            }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// CRC-32C of `buf`. Pass the checksum of preceding data as `seed` to
    /// continue a running checksum: `checksum(b, seed: checksum(a)) == checksum(a + b)`.
    public static func checksum(_ buf: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard buf.count > 0, let base = buf.baseAddress else { return seed }
        if hardware { return ~ccrc32c_update_hw(~seed, base, buf.count) }
        return software(buf, seed: seed)
    }

    /// The portable slicing-by-8 implementation (also the reference the tests check the hardware path against).
    public static func software(_ buf: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        var crc = ~seed
        var n = buf.count
        guard n > 0, var p = buf.baseAddress else { return seed }
        tables.withUnsafeBufferPointer { tb in
            let t = tb.baseAddress!
            // Head: single bytes until 8-byte aligned (not required for
            // correctness, only for load speed).
            while n > 0 && (UInt(bitPattern: p) & 7) != 0 {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                n -= 1
            }
            while n >= 8 {
                let lo = UInt32(littleEndian: p.load(as: UInt32.self)) ^ crc
                let hi = UInt32(littleEndian: p.load(fromByteOffset: 4, as: UInt32.self))
                crc = t[7 * 256 + Int(lo & 0xFF)]
                    ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)]
                    ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)]
                    ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)]
                    ^ t[Int(hi >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                n -= 1
            }
        }
        return ~crc
    }

    /// CRC-32C of a byte array.
    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }

    /// CRC-32C of a contiguous byte slice.
    public static func checksum(_ bytes: ArraySlice<UInt8>, seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}
