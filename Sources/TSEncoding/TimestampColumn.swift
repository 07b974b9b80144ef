import TSSupport
/// Codec ids for timestamp columns; part of the on-disk format, never reused.
///
/// | id | codec          |
/// |----|----------------|
/// |  0 | `raw`          |
/// |  1 | `deltaOfDelta` |
/// |  2 | `gridResidual` |
/// |  3 | `packedDoD`    |
public enum TimestampCodec: UInt8, Sendable, CaseIterable {
    /// 8 bytes little-endian per timestamp.
    case raw = 0
    /// Scaled Gorilla-style delta-of-delta bit stream with bucketed prefixes.
    case deltaOfDelta = 1
    /// Scaled residuals from a regular grid t0 + i·step, frame-of-reference packed.
    case gridResidual = 2
    /// Scaled delta-of-deltas, frame-of-reference packed.
    case packedDoD = 3

    /// Parses a stored codec byte, throwing `.unknownCodec` for unknown ids.
    public init(validating byte: UInt8) throws {
        guard let c = TimestampCodec(rawValue: byte) else { throw EncodingError.unknownCodec(byte) }
        self = c
    }
}

/// Timestamp columns (Int64, typically nanoseconds since the epoch).
///
/// All non-raw codecs first divide the offsets t[i] - t[0] by their greatest
/// common divisor (`scale`), so data with millisecond or second precision
/// costs the same whatever the time unit. Every Int64 sequence round-trips,
/// including decreasing, repeated and wrapping ones.
public enum TimestampColumn {
    /// Appends the smallest encoding of `ts` to `out` and returns its codec.
    /// On equal sizes the order of preference is raw, deltaOfDelta,
    /// gridResidual, packedDoD.
    /// Precondition: `ts.count <= EncodingLimits.maxValueCount`.
    public static func encode(_ ts: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) -> TimestampCodec {
        precondition(ts.count <= EncodingLimits.maxValueCount, "TimestampColumn: too many values")
        let n = ts.count
        if n == 0 { return .raw }
        let t0 = ts[0]

        // Common scale: gcd of |t[i] - t0| (wrapping differences).
        var g: UInt64 = 0
        for i in 1..<n {
            let d = ts[i] &- t0
            g = FORPacker.gcd(g, d.magnitude)
            if g == 1 { break }
        }
        let scale: Int64 = (g == 0 || g > UInt64(Int64.max)) ? 1 : Int64(g)

        // Scaled offsets q[i] = (t[i] - t0) / scale (exact), their deltas and dods.
        var q = [Int64]()
        q.reserveCapacity(n)
        for x in ts { q.append((x &- t0) / scale) }
        var deltas = [Int64]()
        deltas.reserveCapacity(Swift.max(n &- 1, 0))
        for i in 1..<n { deltas.append(q[i] &- q[i &- 1]) }
        var dods = [Int64]()
        dods.reserveCapacity(Swift.max(n &- 2, 0))
        if n >= 3 {
            for i in 1..<deltas.count { dods.append(deltas[i] &- deltas[i &- 1]) }
        }

        let header = Varint.length(Varint.zigzag(t0)) &+ Varint.length(UInt64(scale))
        let firstDelta = n >= 2 ? Varint.length(Varint.zigzag(deltas[0])) : 0

        var best: TimestampCodec = .raw
        var bestSize = n &* 8
        func consider(_ c: TimestampCodec, _ s: Int) {
            if s < bestSize {
                best = c
                bestSize = s
            }
        }

        // deltaOfDelta
        var dodBits = 0
        for d in dods { dodBits &+= bucketBits(d) }
        consider(.deltaOfDelta, header &+ firstDelta &+ (dodBits &+ 7) / 8)

        // gridResidual: try the median delta and the end-to-end slope as step.
        var bestStep: Int64 = 0
        var residuals = [Int64]()
        if n >= 2 {
            var sorted = deltas
            sorted.sort()
            let median = sorted[sorted.count / 2]
            let slope = q[n &- 1] / Int64(n &- 1)
            var gridSize = Int.max
            for step in (median == slope ? [median] : [median, slope]) {
                fillResiduals(q, step: step, into: &residuals)
                let s = Varint.length(Varint.zigzag(step))
                    &+ residuals.withUnsafeBufferPointer { FORPacker.encodedSize($0) }
                if s < gridSize {
                    gridSize = s
                    bestStep = step
                }
            }
            consider(.gridResidual, header &+ gridSize)
        } else {
            consider(.gridResidual, header)
        }

        // packedDoD
        consider(.packedDoD, header &+ firstDelta &+ dods.withUnsafeBufferPointer { FORPacker.encodedSize($0) })

        let start = out.count
        out.reserveCapacity(start &+ bestSize)
        switch best {
        case .raw:
            for x in ts { appendLE(x, &out) }
        case .deltaOfDelta:
            writeHeader(t0, scale, &out)
            if n >= 2 { Varint.putSigned(deltas[0], into: &out) }
            var w = BitWriter(appendingTo: &out)
            for d in dods { writeBucket(d, &w) }
            w.finish(into: &out)
        case .gridResidual:
            writeHeader(t0, scale, &out)
            if n >= 2 {
                Varint.putSigned(bestStep, into: &out)
                fillResiduals(q, step: bestStep, into: &residuals)
                residuals.withUnsafeBufferPointer { FORPacker.encode($0, into: &out) }
            }
        case .packedDoD:
            writeHeader(t0, scale, &out)
            if n >= 2 { Varint.putSigned(deltas[0], into: &out) }
            dods.withUnsafeBufferPointer { FORPacker.encode($0, into: &out) }
        }
        assert(out.count - start == bestSize, "timestamp size estimate mismatch")
        return best
    }

    /// Convenience for arrays.
    public static func encode(_ ts: [Int64], into out: inout [UInt8]) -> TimestampCodec {
        ts.withUnsafeBufferPointer { encode($0, into: &out) }
    }

    /// residuals[i-1] = q[i] - i·step for i in 1..<n.
    static func fillResiduals(_ q: [Int64], step: Int64, into r: inout [Int64]) {
        r.removeAll(keepingCapacity: true)
        r.reserveCapacity(q.count)
        var pred: Int64 = 0
        for i in 1..<q.count {
            pred &+= step
            r.append(q[i] &- pred)
        }
    }

    static func writeHeader(_ t0: Int64, _ scale: Int64, _ out: inout [UInt8]) {
        Varint.putSigned(t0, into: &out)
        Varint.put(UInt64(scale), into: &out)
    }

    // Delta-of-delta buckets: prefix, then the zigzag value in `bits` bits.
    //   0                 dod == 0
    //   10     + 5 bits   zigzag < 2^5
    //   110    + 9 bits   zigzag < 2^9
    //   1110   + 16 bits  zigzag < 2^16
    //   11110  + 32 bits  zigzag < 2^32
    //   11111  + 64 bits  anything
    @inline(__always)
    static func bucketBits(_ dod: Int64) -> Int {
        let z = Varint.zigzag(dod)
        if z == 0 { return 1 }
        if z < 1 << 5 { return 7 }
        if z < 1 << 9 { return 12 }
        if z < 1 << 16 { return 20 }
        if z < 1 << 32 { return 37 }
        return 69
    }

    @inline(__always)
    static func writeBucket(_ dod: Int64, _ w: inout BitWriter) {
        let z = Varint.zigzag(dod)
        if z == 0 {
            w.write(bits: 0, count: 1)
        } else if z < 1 << 5 {
            w.write(bits: (0b10 << 5) | z, count: 7)
        } else if z < 1 << 9 {
            w.write(bits: (0b110 << 9) | z, count: 12)
        } else if z < 1 << 16 {
            w.write(bits: (0b1110 << 16) | z, count: 20)
        } else if z < 1 << 32 {
            w.write(bits: (0b11110 << 32) | z, count: 37)
        } else {
            w.write(bits: 0b11111, count: 5)
            w.write(bits: z, count: 64)
        }
    }

    /// Decodes exactly `count` timestamps encoded with `codec` from all of
    /// `bytes`, appending them to `out`. Throws (leaving `out` unchanged) if
    /// `bytes` is malformed, holds a different number of values, or has
    /// trailing bytes.
    public static func decode(
        _ codec: TimestampCodec, _ bytes: UnsafeRawBufferPointer, count: Int, into out: inout [Int64]
    ) throws {
        try EncodingLimits.checkCount(count)
        try appendingAtomically(&out) { out in try decodeBody(codec, bytes, count: count, into: &out) }
    }

    /// Convenience for arrays.
    public static func decode(_ codec: TimestampCodec, _ bytes: [UInt8], count: Int, into out: inout [Int64]) throws {
        try bytes.withUnsafeBytes { try decode(codec, $0, count: count, into: &out) }
    }

    static func decodeBody(
        _ codec: TimestampCodec, _ b: UnsafeRawBufferPointer, count: Int, into out: inout [Int64]
    ) throws {
        if codec == .raw {
            try IntDecoder.decode(.raw, b, count: count, into: &out)
            return
        }
        if count == 0 {
            guard b.isEmpty else { throw EncodingError.corrupt("trailing bytes") }
            return
        }
        var at = 0
        let t0 = try Varint.getSigned(b, at: &at)
        let scaleRaw = try Varint.get(b, at: &at)
        guard scaleRaw >= 1 else { throw EncodingError.corrupt("timestamp scale is zero") }
        let scale = Int64(bitPattern: scaleRaw)
        out.reserveCapacity(out.count &+ count)
        let start = out.count
        out.append(t0)
        if count == 1 {
            guard at == b.count else { throw EncodingError.corrupt("trailing bytes") }
            return
        }
        switch codec {
        case .deltaOfDelta:
            var delta = try Varint.getSigned(b, at: &at)
            var q = delta
            out.append(t0 &+ q &* scale)
            var r = BitReader(b, byteOffset: at)
            for _ in 2..<count {
                delta &+= try readBucket(&r)
                q &+= delta
                out.append(t0 &+ q &* scale)
            }
            guard r.atZeroPaddedEnd() else { throw EncodingError.corrupt("trailing bytes") }
            return
        case .gridResidual:
            let step = try Varint.getSigned(b, at: &at)
            try FORPacker.decode(b, at: &at, count: count &- 1, into: &out)
            out.withUnsafeMutableBufferPointer { p in
                var pred: Int64 = 0
                for i in (start &+ 1)..<p.count {
                    pred &+= step
                    p[i] = t0 &+ (p[i] &+ pred) &* scale
                }
            }
        case .packedDoD:
            let d0 = try Varint.getSigned(b, at: &at)
            out.append(d0)
            try FORPacker.decode(b, at: &at, count: count &- 2, into: &out)
            out.withUnsafeMutableBufferPointer { p in
                var delta: Int64 = 0
                var q: Int64 = 0
                // p[start + 1] holds d0, later slots hold dods.
                for i in (start &+ 1)..<p.count {
                    delta &+= p[i]
                    q &+= delta
                    p[i] = t0 &+ q &* scale
                }
            }
        case .raw:
            break
        }
        guard at == b.count else { throw EncodingError.corrupt("trailing bytes") }
    }

    @inline(__always)
    static func readBucket(_ r: inout BitReader) throws -> Int64 {
        if try !r.readBit() { return 0 }
        let bits: Int
        if try !r.readBit() {
            bits = 5
        } else if try !r.readBit() {
            bits = 9
        } else if try !r.readBit() {
            bits = 16
        } else if try !r.readBit() {
            bits = 32
        } else {
            bits = 64
        }
        return Varint.unzigzag(try r.read(count: bits))
    }
}
