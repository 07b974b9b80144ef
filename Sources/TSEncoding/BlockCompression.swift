import TSSupport
import CLZ4
import CZstd

/// General-purpose compression applied to whole encoded blocks.
///
/// The compressed form is the plain library frame/block with no extra
/// header: the caller stores the method id and the decompressed size.
///   - `none` (0): bytes stored as they are.
///   - `lz4` (1): one LZ4 *block* (`LZ4_compress_default`), no frame header.
///   - `zstd` (2): one or more standard Zstandard frames (`ZSTD_compress`).
public enum BlockCompression: UInt8, Sendable, CaseIterable {
    case none = 0
    case lz4 = 1
    case zstd = 2

    /// Largest input accepted by `compress` for lz4 (the LZ4 library limit).
    public static let maxLZ4InputSize = 0x7E00_0000

    /// Appends the compressed form of `input` to `out`.
    ///
    /// `level` is used by zstd only (clamped to the library's range; 0 means
    /// the library default, 3). lz4 always uses the default fast mode.
    /// Preconditions: for lz4 the input is at most `maxLZ4InputSize` bytes.
    public static func compress(
        _ input: UnsafeRawBufferPointer, method: BlockCompression, level: Int, into out: inout [UInt8]
    ) {
        switch method {
        case .none:
            out.append(contentsOf: input)
        case .lz4:
            precondition(input.count <= maxLZ4InputSize, "lz4 input too large")
            let bound = Int(LZ4_compressBound(Int32(input.count)))
            appendOutput(to: &out, capacity: bound) { dst in
                let d = dst.baseAddress!.assumingMemoryBound(to: CChar.self)
                var dummy: CChar = 0
                let written = input.isEmpty ? LZ4_compress_default(&dummy, d, 0, Int32(bound))
                    : LZ4_compress_default(input.baseAddress!.assumingMemoryBound(to: CChar.self), d, Int32(input.count), Int32(bound))
                precondition(written > 0, "LZ4_compress_default failed")
                return Int(written)
            }
        case .zstd:
            let lvl = Int32(clamping: Swift.min(Swift.max(level, Int(ZSTD_minCLevel())), Int(ZSTD_maxCLevel())))
            let bound = ZSTD_compressBound(input.count)
            precondition(ZSTD_isError(bound) == 0, "zstd input too large")
            appendOutput(to: &out, capacity: bound) { dst in
                let written = ZstdContexts.compression.with { ZSTD_compressCCtx($0, dst.baseAddress, bound, input.baseAddress, input.count, lvl) }
                precondition(ZSTD_isError(written) == 0, "ZSTD_compress failed")
                return written
            }
        }
    }

    /// Appends exactly `decompressedSize` bytes decoded from `input` to `out`.
    ///
    /// Throws if the input is malformed or does not decode to exactly
    /// `decompressedSize` bytes. At most `decompressedSize` bytes of output
    /// space are allocated, so the caller must bound `decompressedSize`
    /// (it comes from a block header). On error `out` is left as it was.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, method: BlockCompression, decompressedSize: Int, into out: inout [UInt8]
    ) throws {
        guard decompressedSize >= 0 else { throw EncodingError.corrupt("negative decompressed size") }
        switch method {
        case .none:
            guard input.count == decompressedSize else {
                throw EncodingError.corrupt("stored size mismatch")
            }
            out.append(contentsOf: input)
        case .lz4:
            guard decompressedSize <= Int(Int32.max) else { throw EncodingError.corrupt("lz4 size too large") }
            guard !input.isEmpty, input.count <= Int(Int32.max) else {
                throw EncodingError.corrupt("lz4 input size invalid")
            }
            // LZ4 expands by at most 255×: a larger stated size is corrupt, refused before allocating.
            guard decompressedSize <= input.count * 255 + 16 else { throw EncodingError.corrupt("lz4 size too large for its input") }
            try appendOutput(to: &out, capacity: decompressedSize) { dst in
                let src = input.baseAddress!.assumingMemoryBound(to: CChar.self)
                let d = dst.baseAddress!.assumingMemoryBound(to: CChar.self)
                let got = LZ4_decompress_safe(src, d, Int32(input.count), Int32(decompressedSize))
                guard got >= 0, Int(got) == decompressedSize else { throw EncodingError.corrupt("lz4 data invalid or size mismatch") }
                return decompressedSize
            }
        case .zstd:
            guard !input.isEmpty else { throw EncodingError.corrupt("zstd input empty") }
            let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
            // UInt64.max = ZSTD_CONTENTSIZE_ERROR, UInt64.max - 1 = ZSTD_CONTENTSIZE_UNKNOWN
            if declared == UInt64.max {
                throw EncodingError.corrupt("zstd frame header invalid")
            }
            // A first frame that alone declares more than expected can be
            // rejected before allocating anything.
            if declared != UInt64.max - 1 && declared > UInt64(decompressedSize) {
                throw EncodingError.corrupt("zstd size mismatch")
            }
            try appendOutput(to: &out, capacity: decompressedSize) { dst in
                let got = ZstdContexts.decompression.with { ZSTD_decompressDCtx($0, dst.baseAddress, decompressedSize, input.baseAddress, input.count) }
                guard ZSTD_isError(got) == 0, got == decompressedSize else { throw EncodingError.corrupt("zstd data invalid or size mismatch") }
                return decompressedSize
            }
        }
    }

    /// Appends what `fill` writes (at most `capacity` bytes; it returns how many) to `out`; if
    /// `fill` throws, `out` is unchanged. A reused buffer (enough spare capacity) is written in
    /// place; otherwise the bytes go into a new, uninitialised buffer (a series table of 10⁶
    /// series is tens of megabytes: no zero-filling first, no copy when `out` was empty).
    @inline(__always)
    fileprivate static func appendOutput(to out: inout [UInt8], capacity: Int,
                                     _ fill: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        if capacity > 0 && out.capacity - out.count >= capacity {
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: capacity))
            do {
                let n = try out.withUnsafeMutableBytes { try fill(UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
                out.removeLast(capacity - n)
            } catch {
                out.removeLast(capacity)
                throw error
            }
            return
        }
        let piece = try [UInt8](unsafeUninitializedCapacity: Swift.max(capacity, 1)) { buf, n in
            n = try fill(UnsafeMutableRawBufferPointer(buf))
        }
        if out.isEmpty { out = piece } else { out.append(contentsOf: piece) }
    }

    /// `[UInt8]` convenience for `compress`.
    public static func compress(_ input: [UInt8], method: BlockCompression, level: Int, into out: inout [UInt8]) {
        input.withUnsafeBytes { compress($0, method: method, level: level, into: &out) }
    }

    /// `[UInt8]` convenience for `decompress`.
    public static func decompress(
        _ input: [UInt8], method: BlockCompression, decompressedSize: Int, into out: inout [UInt8]
    ) throws {
        try input.withUnsafeBytes { try decompress($0, method: method, decompressedSize: decompressedSize, into: &out) }
    }
}

/// Reused zstd contexts. `ZSTD_compress`/`ZSTD_decompress` allocate and initialise a context on
/// every call, which dominated sealing many small blocks (a 292 k-series flush spent 42 % of its
/// time there); a context is taken from a pool for one call and given back. The output is the
/// same bytes (`ZSTD_compress` is `ZSTD_compressCCtx` on a fresh context).
enum ZstdContexts {
    static let compression = ContextPool(create: { ZSTD_createCCtx()! }, free: { _ = ZSTD_freeCCtx($0) })
    static let decompression = ContextPool(create: { ZSTD_createDCtx()! }, free: { _ = ZSTD_freeDCtx($0) })
}

/// Library contexts lent out for one call each and kept for the next, up to `keep` of them
/// (a few per thread that uses them).
final class ContextPool: @unchecked Sendable {
    static let keep = 16
    private let lock = Lock()
    private var idle: [OpaquePointer] = []
    private let create: () -> OpaquePointer
    private let free: (OpaquePointer) -> Void

    init(create: @escaping () -> OpaquePointer, free: @escaping (OpaquePointer) -> Void) {
        self.create = create
        self.free = free
    }

    func with<R>(_ body: (OpaquePointer) -> R) -> R {
        let ctx = lock.withLock { idle.popLast() } ?? create()
        defer {
            let kept = lock.withLock { () -> Bool in
                guard idle.count < Self.keep else { return false }
                idle.append(ctx)
                return true
            }
            if !kept { free(ctx) }
        }
        return body(ctx)
    }
}

/// A zstd frame compressed piece by piece (`ZSTD_compressStream2`): a writer that produces a
/// large body incrementally (a segment's series table at 10⁶ series is over 100 MB raw) keeps
/// only the compressed bytes. Decompresses with `BlockCompression.decompress(method: .zstd)`,
/// alone or after other frames (zstd decodes concatenated frames as one output).
public final class ZstdStreamCompressor {
    private let ctx: OpaquePointer
    /// The compressed frame so far.
    public private(set) var output: [UInt8] = []
    /// Raw bytes taken in so far.
    public private(set) var rawCount = 0
    private var ended = false

    public init(level: Int) {
        ctx = ZSTD_createCCtx()!
        let lvl = Int32(clamping: Swift.min(Swift.max(level, Int(ZSTD_minCLevel())), Int(ZSTD_maxCLevel())))
        _ = ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, lvl)
    }

    deinit { ZSTD_freeCCtx(ctx) }

    /// Compresses `input` into the frame.
    public func append(_ input: UnsafeRawBufferPointer) {
        precondition(!ended, "frame already ended")
        rawCount += input.count
        run(input, ZSTD_e_continue)
    }

    /// Ends the frame; `output` is then complete.
    public func end() {
        guard !ended else { return }
        ended = true
        run(UnsafeRawBufferPointer(start: nil, count: 0), ZSTD_e_end)
    }

    private func run(_ input: UnsafeRawBufferPointer, _ mode: ZSTD_EndDirective) {
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        let chunk = Swift.max(ZSTD_CStreamOutSize(), 1 << 16)
        while true {
            var remaining = 0
            BlockCompression.appendOutput(to: &output, capacity: chunk) { dst in
                var outBuf = ZSTD_outBuffer(dst: dst.baseAddress, size: chunk, pos: 0)
                remaining = ZSTD_compressStream2(ctx, &outBuf, &inBuf, mode)
                precondition(ZSTD_isError(remaining) == 0, "ZSTD_compressStream2 failed")
                return outBuf.pos
            }
            if mode == ZSTD_e_end ? remaining == 0 : inBuf.pos == inBuf.size { return }
        }
    }
}
