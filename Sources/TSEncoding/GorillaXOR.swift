import TSSupport
/// Gorilla-style XOR compression of 64-bit patterns (used for Double columns).
///
/// Bit stream (MSB-first, zero-padded to a byte boundary at the end):
///   - first value: 64 bits verbatim;
///   - each following value, with x = bits XOR previous bits:
///     `0`                          x == 0
///     `10` + m bits                x fits the current window (leading zeros
///                                  ≥ window leading, trailing zeros ≥ window
///                                  trailing); m = window meaningful length
///     `11` + 5 bits L + 6 bits M-1 + M bits
///                                  new window: L leading zeros (0...31; more
///                                  are counted as 31), M meaningful bits (1...64)
///
/// Works on raw bit patterns, so every Double (NaN payloads, signalling NaN,
/// -0.0, infinities, subnormals) round-trips exactly.
enum GorillaXOR {
    static func encode(_ v: UnsafeBufferPointer<UInt64>, into out: inout [UInt8]) {
        guard !v.isEmpty else { return }
        var w = BitWriter(appendingTo: &out)
        emit(v, into: &w)
        w.finish(into: &out)
    }

    /// Exact encoded size in bytes, without writing.
    static func encodedSize(_ v: UnsafeBufferPointer<UInt64>) -> Int {
        guard !v.isEmpty else { return 0 }
        var counter = BitCounter()
        emit(v, into: &counter)
        return (counter.bits &+ 7) >> 3
    }

    /// The bit stream of `v` (not empty), into a writer or a counter.
    @inline(__always)
    private static func emit<S: BitSink>(_ v: UnsafeBufferPointer<UInt64>, into w: inout S) {
        var prev = v[0]
        w.write(bits: prev, count: 64)
        var winLeading = -1  // no window yet
        var winTrailing = 0
        var winLength = 0
        for i in 1..<v.count {
            let cur = v[i]
            let x = cur ^ prev
            prev = cur
            if x == 0 {
                w.write(bits: 0, count: 1)
                continue
            }
            var leading = x.leadingZeroBitCount
            let trailing = x.trailingZeroBitCount
            if leading > 31 { leading = 31 }
            if winLeading >= 0 && leading >= winLeading && trailing >= winTrailing {
                w.write(bits: 0b10, count: 2)
                w.write(bits: x &>> UInt64(winTrailing), count: winLength)
            } else {
                let length = 64 &- leading &- trailing
                // '11' + 5 bits leading + 6 bits (length-1): 13 bits header.
                w.write(bits: (0b11 &<< 11) | (UInt64(leading) &<< 6) | UInt64(length &- 1), count: 13)
                w.write(bits: x &>> UInt64(trailing), count: length)
                winLeading = leading
                winTrailing = trailing
                winLength = length
            }
        }
    }

    /// Decodes exactly `count` patterns from all of `b`.
    static func decode(_ b: UnsafeRawBufferPointer, count: Int, into out: inout [Double]) throws {
        if count == 0 {
            guard b.isEmpty else { throw EncodingError.corrupt("trailing bytes") }
            return
        }
        var r = BitReader(b)
        var prev = try r.read(count: 64)
        out.reserveCapacity(out.count &+ count)
        out.append(Double(bitPattern: prev))
        var winTrailing = 0
        var winLength = 0  // 0 = no window yet
        var i = 1
        while i < count {
            if try !r.readBit() {
                out.append(Double(bitPattern: prev))
                i &+= 1
                continue
            }
            if try r.readBit() {
                let header = try r.read(count: 11)
                let leading = Int(header &>> 6)
                let length = Int(header & 0x3F) &+ 1
                guard leading &+ length <= 64 else { throw EncodingError.corrupt("XOR window out of range") }
                winTrailing = 64 &- leading &- length
                winLength = length
            } else {
                guard winLength > 0 else { throw EncodingError.corrupt("XOR window reused before defined") }
            }
            let m = try r.read(count: winLength)
            prev ^= m &<< UInt64(winTrailing)
            out.append(Double(bitPattern: prev))
            i &+= 1
        }
        guard r.atZeroPaddedEnd() else { throw EncodingError.corrupt("trailing bytes") }
    }
}
