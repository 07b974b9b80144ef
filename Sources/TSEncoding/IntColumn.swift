import TSSupport
/// Int64 value columns (UInt64 columns are stored as `Int64(bitPattern:)`).
///
/// Candidates (the smallest encoding wins; on ties the earlier one in this
/// list): `constant` when all values are equal, otherwise `raw`,
/// `packedRaw`, `packedDelta`, `packedDoD`, `runLength`, `sparseDelta`.
/// All transforms use
/// wrapping arithmetic and are bijections on Int64.
public enum IntColumn {
    /// Appends the encoding of `v` to `out` and returns the codec used.
    /// Precondition: `v.count <= EncodingLimits.maxValueCount`.
    public static func encode(_ v: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) -> ValueCodec {
        precondition(v.count <= EncodingLimits.maxValueCount, "IntColumn: too many values")
        var enc = IntEncoder()
        let (codec, size) = enc.plan(v)
        let start = out.count
        out.reserveCapacity(start &+ size)
        enc.write(codec, v, into: &out)
        assert(out.count - start == size, "IntColumn size estimate mismatch")
        return codec
    }

    /// Convenience for arrays.
    public static func encode(_ v: [Int64], into out: inout [UInt8]) -> ValueCodec {
        v.withUnsafeBufferPointer { encode($0, into: &out) }
    }

    /// Decodes exactly `count` values encoded with `codec` from all of
    /// `bytes`, appending them to `out`. Throws (leaving `out` unchanged) if
    /// `bytes` is malformed, holds a different number of values, or has
    /// trailing bytes.
    public static func decode(
        _ codec: ValueCodec, _ bytes: UnsafeRawBufferPointer, count: Int, into out: inout [Int64]
    ) throws {
        try EncodingLimits.checkCount(count)
        guard codec.isIntCodec else { throw EncodingError.unknownCodec(codec.rawValue) }
        try appendingAtomically(&out) { out in try IntDecoder.decode(codec, bytes, count: count, into: &out) }
    }

    /// Convenience for arrays.
    public static func decode(_ codec: ValueCodec, _ bytes: [UInt8], count: Int, into out: inout [Int64]) throws {
        try bytes.withUnsafeBytes { try decode(codec, $0, count: count, into: &out) }
    }
}

/// Chooses and writes the integer encoding. Shared with the float codecs.
struct IntEncoder {
    var deltas: [Int64] = []
    var dods: [Int64] = []
    var nonzeroDeltas: [Int64] = []

    /// Picks the smallest codec for `v`; returns it with its exact size.
    mutating func plan(_ v: UnsafeBufferPointer<Int64>) -> (ValueCodec, Int) {
        let n = v.count
        if n == 0 { return (.raw, 0) }
        let first = v[0]
        var allEqual = true
        for x in v where x != first {
            allEqual = false
            break
        }
        if allEqual { return (.constant, Varint.length(Varint.zigzag(first))) }

        deltas.removeAll(keepingCapacity: true)
        deltas.reserveCapacity(n &- 1)
        for i in 1..<n { deltas.append(v[i] &- v[i &- 1]) }
        dods.removeAll(keepingCapacity: true)
        if n >= 3 {
            dods.reserveCapacity(n &- 2)
            for i in 1..<deltas.count { dods.append(deltas[i] &- deltas[i &- 1]) }
        }

        var best: ValueCodec = .raw
        var bestSize = n &* 8
        func consider(_ c: ValueCodec, _ s: Int) {
            if s < bestSize {
                best = c
                bestSize = s
            }
        }
        let headFirst = Varint.length(Varint.zigzag(first))
        consider(.packedRaw, FORPacker.encodedSize(v))
        let deltaFOR = deltas.withUnsafeBufferPointer { FORPacker.encodedSize($0) }
        consider(.packedDelta, headFirst &+ deltaFOR)
        if n >= 3 {
            let dodFOR = dods.withUnsafeBufferPointer { FORPacker.encodedSize($0) }
            consider(.packedDoD, headFirst &+ Varint.length(Varint.zigzag(deltas[0])) &+ dodFOR)
        }
        consider(.runLength, runLengthSize(v))
        nonzeroDeltas.removeAll(keepingCapacity: true)
        for d in deltas where d != 0 { nonzeroDeltas.append(d) }
        if nonzeroDeltas.count < deltas.count {
            let sparseFOR = nonzeroDeltas.withUnsafeBufferPointer { FORPacker.encodedSize($0) }
            consider(.sparseDelta, headFirst &+ (deltas.count &+ 7) / 8 &+ sparseFOR)
        }
        return (best, bestSize)
    }

    func runLengthSize(_ v: UnsafeBufferPointer<Int64>) -> Int {
        var size = 0
        var prevValue: Int64 = 0
        var i = 0
        let n = v.count
        while i < n {
            let x = v[i]
            var j = i &+ 1
            while j < n && v[j] == x { j &+= 1 }
            size &+= Varint.length(Varint.zigzag(x &- prevValue)) &+ Varint.length(UInt64(j &- i))
            prevValue = x
            i = j
        }
        return size
    }

    /// Writes `v` with `codec`; `plan` must have been called on the same `v`.
    mutating func write(_ codec: ValueCodec, _ v: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) {
        let n = v.count
        switch codec {
        case .raw:
            for x in v { appendLE(x, &out) }
        case .constant:
            Varint.putSigned(v[0], into: &out)
        case .packedRaw:
            FORPacker.encode(v, into: &out)
        case .packedDelta:
            Varint.putSigned(v[0], into: &out)
            deltas.withUnsafeBufferPointer { FORPacker.encode($0, into: &out) }
        case .packedDoD:
            Varint.putSigned(v[0], into: &out)
            if n >= 2 { Varint.putSigned(deltas[0], into: &out) }
            dods.withUnsafeBufferPointer { FORPacker.encode($0, into: &out) }
        case .runLength:
            var prevValue: Int64 = 0
            var i = 0
            while i < n {
                let x = v[i]
                var j = i &+ 1
                while j < n && v[j] == x { j &+= 1 }
                Varint.putSigned(x &- prevValue, into: &out)
                Varint.put(UInt64(j &- i), into: &out)
                prevValue = x
                i = j
            }
        case .sparseDelta:
            Varint.putSigned(v[0], into: &out)
            // Bitmap of non-zero deltas, MSB-first, then the non-zero deltas.
            var i = 0
            let m = deltas.count
            nonzeroDeltas.removeAll(keepingCapacity: true)
            while i < m {
                var byte: UInt8 = 0
                var bit: UInt8 = 0x80
                let end = Swift.min(i &+ 8, m)
                while i < end {
                    let d = deltas[i]
                    if d != 0 {
                        byte |= bit
                        nonzeroDeltas.append(d)
                    }
                    bit &>>= 1
                    i &+= 1
                }
                out.append(byte)
            }
            nonzeroDeltas.withUnsafeBufferPointer { FORPacker.encode($0, into: &out) }
        default:
            preconditionFailure("not an integer codec")
        }
    }
}

@inline(__always)
func appendLE(_ x: Int64, _ out: inout [UInt8]) {
    withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
}

/// Integer decoders. Callers validate `count` and the codec type and undo
/// partial output on error.
enum IntDecoder {
    static func decode(
        _ codec: ValueCodec, _ b: UnsafeRawBufferPointer, count: Int, into out: inout [Int64]
    ) throws {
        var at = 0
        switch codec {
        case .raw:
            try appendRawWords(b, count: count, into: &out) { Int64(bitPattern: $0) }
            at = b.count
        case .constant:
            let x = try Varint.getSigned(b, at: &at)
            out.append(contentsOf: repeatElement(x, count: count))
        case .packedRaw:
            try FORPacker.decode(b, at: &at, count: count, into: &out)
        case .packedDelta:
            if count > 0 {
                let first = try Varint.getSigned(b, at: &at)
                let start = out.count
                out.append(first)
                try FORPacker.decode(b, at: &at, count: count &- 1, into: &out)
                out.withUnsafeMutableBufferPointer { p in
                    var acc = first
                    for i in (start &+ 1)..<p.count {
                        acc &+= p[i]
                        p[i] = acc
                    }
                }
            }
        case .packedDoD:
            if count > 0 {
                let first = try Varint.getSigned(b, at: &at)
                out.append(first)
                if count > 1 {
                    let d0 = try Varint.getSigned(b, at: &at)
                    let start = out.count
                    out.append(first &+ d0)
                    try FORPacker.decode(b, at: &at, count: count &- 2, into: &out)
                    out.withUnsafeMutableBufferPointer { p in
                        var delta = d0
                        var acc = p[start]
                        for i in (start &+ 1)..<p.count {
                            delta &+= p[i]
                            acc &+= delta
                            p[i] = acc
                        }
                    }
                }
            }
        case .runLength:
            out.reserveCapacity(out.count &+ count)
            var produced = 0
            var value: Int64 = 0
            while produced < count {
                value &+= try Varint.getSigned(b, at: &at)
                let len = try Varint.get(b, at: &at)
                guard len >= 1 && len <= UInt64(count &- produced) else {
                    throw EncodingError.corrupt("run length out of range")
                }
                out.append(contentsOf: repeatElement(value, count: Int(len)))
                produced &+= Int(len)
            }
        case .sparseDelta:
            if count > 0 {
                var value = try Varint.getSigned(b, at: &at)
                out.reserveCapacity(out.count &+ count)
                out.append(value)
                let m = count &- 1
                let bitmapBytes = (m &+ 7) / 8
                guard bitmapBytes <= b.count &- at else { throw EncodingError.truncated }
                let bitmap = UnsafeRawBufferPointer(rebasing: b[at ..< at &+ bitmapBytes])
                at &+= bitmapBytes
                let pad = bitmapBytes &* 8 &- m
                if pad > 0 {
                    guard bitmap[bitmapBytes &- 1] & UInt8(truncatingIfNeeded: (1 &<< UInt(pad)) &- 1) == 0 else {
                        throw EncodingError.corrupt("bitmap padding bits set")
                    }
                }
                var nonzero = 0
                for byte in bitmap { nonzero &+= byte.nonzeroBitCount }
                var d: [Int64] = []
                try FORPacker.decode(b, at: &at, count: nonzero, into: &d)
                var k = 0
                for i in 0..<m {
                    if bitmap[i &>> 3] & (0x80 &>> UInt8(i & 7)) != 0 {
                        value &+= d[k]
                        k &+= 1
                    }
                    out.append(value)
                }
            }
        default:
            throw EncodingError.unknownCodec(codec.rawValue)
        }
        guard at == b.count else { throw EncodingError.corrupt("trailing bytes") }
    }
}
