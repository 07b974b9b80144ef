import CZlib

/// Streaming gzip decompression with a hard cap on the output, so a small compressed body
/// cannot expand into unbounded memory (a "gzip bomb").
final class GzipInflater {
    private var stream = z_stream()
    private var out = [UInt8](repeating: 0, count: 64 << 10)
    let cap: Int
    private(set) var produced = 0
    private(set) var finished = false

    enum Failure: Error {
        case corrupt(String)
        case tooLarge
    }

    init(cap: Int) throws {
        self.cap = cap
        // 15 window bits + 16: gzip wrapper only.
        let r = inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        if r != Z_OK { throw Failure.corrupt("inflateInit2 failed: \(r)") }
    }

    deinit { inflateEnd(&stream) }

    /// Decompresses `input`, handing each decompressed piece to `body`.
    func inflate(_ input: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard input.count > 0 else { return }
        if finished { throw Failure.corrupt("data after end of gzip stream") }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while stream.avail_in > 0 && !finished {
            let r: Int32 = out.withUnsafeMutableBytes { o in
                stream.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(o.count)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let n = out.count - Int(stream.avail_out)
            if r != Z_OK && r != Z_STREAM_END && !(r == Z_BUF_ERROR && n > 0) {
                throw Failure.corrupt(stream.msg.map { String(cString: $0) } ?? "inflate error \(r)")
            }
            produced += n
            if produced > cap { throw Failure.tooLarge }
            if n > 0 { try out.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
            if r == Z_STREAM_END { finished = true }
        }
    }
}
