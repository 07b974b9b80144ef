/// Splits a byte stream (a TCP connection) into whole lines. Returns, per chunk, the bytes of
/// the complete lines (the carried start of the first included); a line longer than
/// `maxLineLength` without a newline is dropped up to its newline and counted in `tooLong`.
public struct LineFramer {
    public let maxLineLength: Int
    private var carry: [UInt8] = []
    private var discarding = false

    public init(maxLineLength: Int) { self.maxLineLength = maxLineLength }

    public mutating func feed(_ raw: UnsafeRawBufferPointer, tooLong: inout Int) -> [UInt8] {
        guard let last = raw.lastIndex(of: UInt8(ascii: "\n")) else {
            keep(raw[...], &tooLong)
            return []
        }
        var out: [UInt8]
        if discarding {
            discarding = false
            let first = raw.firstIndex(of: UInt8(ascii: "\n"))!
            out = Array(raw[(first + 1)...last])
        } else {
            out = carry
            carry = []
            out.append(contentsOf: raw[...last])
        }
        keep(raw[(last + 1)...], &tooLong)
        return out
    }

    private mutating func keep(_ bytes: Slice<UnsafeRawBufferPointer>, _ tooLong: inout Int) {
        guard !discarding, !bytes.isEmpty else { return }
        carry.append(contentsOf: bytes)
        if carry.count > maxLineLength {
            carry = []
            discarding = true
            tooLong += 1
        }
    }

    /// The last line, when the stream ended without a newline.
    public mutating func finish() -> [UInt8] {
        defer { carry = [] }
        return discarding ? [] : carry
    }
}
