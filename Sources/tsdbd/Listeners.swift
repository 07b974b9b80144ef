import TSSupport
import CollectdProtocol
import GraphiteProtocol
import LineProtocol
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import TSEngine
import TSIngest

// Network listeners besides HTTP (docs/listeners.md): line protocol over UDP and TCP, collectd's
// binary protocol over UDP, Graphite plaintext over TCP. Each is a `Service` in the daemon's
// service group, placed after the engine so that it stops (and its last writes land) before the
// engine closes.

/// Logs at most once per interval (a flood of bad input must not flood the log).
final class RateLimitedLog: Sendable {
    private let last = Mutex<UInt64?>(nil)
    let intervalNanos: UInt64 = 10_000_000_000

    func warning(_ logger: Logger, _ message: @autoclosure () -> String) {
        let now = SystemClock.monotonicNanos()
        let go = last.withLock { l in
            if let l, now &- l < intervalNanos { return false }
            l = now
            return true
        }
        if go { logger.warning("\(message())") }
    }
}

/// Appends batches for one listener off the event loop and counts the outcome.
struct Sink: Sendable {
    let engine: Engine
    let counters: Counters
    let protocolName: String
    let logger: Logger
    let errorLog = RateLimitedLog()

    func write(_ batch: WriteBatch) async {
        guard !batch.isEmpty else { return }
        let engine = self.engine
        do {
            let r = try await NIOThreadPool.singleton.runIfActive { try engine.append(batch) }
            counters.add(protocolName: protocolName, written: r.written, parseErrors: 0, rejected: r.rejected.count)
            if let first = r.rejected.first {
                errorLog.warning(logger, "\(protocolName): \(r.rejected.count) samples refused, first: \(first.error)")
            }
        } catch {
            counters.addDropped(protocolName: protocolName, reason: "write_error", batch.count)
            errorLog.warning(logger, "\(protocolName): write of \(batch.count) samples failed: \(error)")
        }
    }

    func parseErrors(_ n: Int) {
        if n > 0 { counters.add(protocolName: protocolName, written: 0, parseErrors: n, rejected: 0) }
    }
}

/// Bounded queue between a UDP socket (which cannot be slowed down) and the engine: batches are
/// merged while one append is in flight; beyond `maxPending` samples new ones are dropped and
/// counted (`queue_full`).
final class WriteQueue: Sendable {
    let sink: Sink
    let maxPending: Int
    private struct State {
        var pending: WriteBatch?
        var running = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    init(sink: Sink, maxPending: Int) {
        self.sink = sink
        self.maxPending = maxPending
    }

    /// Never blocks (called on an event loop).
    func submit(_ batch: WriteBatch) {
        guard !batch.isEmpty else { return }
        enum Action { case drop, start, queued }
        let action: Action = state.withLock { s in
            if (s.pending?.count ?? 0) + batch.count > maxPending { return .drop }
            if s.pending == nil { s.pending = batch } else { s.pending!.append(contentsOf: batch) }
            if s.running { return .queued }
            s.running = true
            return .start
        }
        switch action {
        case .drop:
            sink.counters.addDropped(protocolName: sink.protocolName, reason: "queue_full", batch.count)
            sink.errorLog.warning(sink.logger, "\(sink.protocolName): write queue full (\(maxPending) samples), dropping")
        case .start: Task { await self.drain() }
        case .queued: break
        }
    }

    private func drain() async {
        while true {
            let (next, waiters): (WriteBatch?, [CheckedContinuation<Void, Never>]) = state.withLock { s in
                let p = s.pending
                s.pending = nil
                if p != nil { return (p, []) }
                s.running = false
                let w = s.idleWaiters
                s.idleWaiters = []
                return (nil, w)
            }
            guard let batch = next else {
                for w in waiters { w.resume() }
                return
            }
            await sink.write(batch)
        }
    }

    /// Returns when nothing is pending or being written.
    func waitIdle() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { s in
                if !s.running && s.pending == nil { return true }
                s.idleWaiters.append(c)
                return false
            }
            if idle { c.resume() }
        }
    }
}

/// Hands each datagram's bytes to a closure, on the event loop.
final class DatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let onDatagram: @Sendable (UnsafeRawBufferPointer) -> Void

    init(_ onDatagram: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.onDatagram = onDatagram
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        envelope.data.withUnsafeReadableBytes { onDatagram($0) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A failed read (e.g. ICMP-induced) must not stop the listener; the socket stays open.
    }
}

/// A UDP listener: bound at startup (so a bad address fails the start), closed on graceful
/// shutdown, after which the queued writes are finished.
struct UDPListener: Service {
    let name: String
    let channel: any Channel
    let queue: WriteQueue
    let logger: Logger

    static func bind(host: String, port: Int, receiveBufferSize: Int,
                     onDatagram: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) async throws -> any Channel {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // Room for the largest UDP payload, so no datagram is cut short.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(DatagramHandler(onDatagram)) }
            }
            .bind(host: host, port: port).get()
        if receiveBufferSize > 0 {
            try await channel.setOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize)).get()
        }
        return channel
    }

    func run() async throws {
        let ch = channel
        // Graceful shutdown, or cancellation when another service failed: close the socket.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await ch.closeFuture.get()
            } onGracefulShutdown: {
                ch.close(promise: nil)
            }
        } onCancel: {
            ch.close(promise: nil)
        }
        await queue.waitIdle()
        logger.info("listener stopped", metadata: ["protocol": "\(name)"])
    }
}

typealias TCPConnection = NIOAsyncChannel<ByteBuffer, Never>

/// Open connections of a TCP listener, so that a graceful shutdown can close them.
final class OpenConnections: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }
    private let state = Mutex(State())

    /// False when the listener is shutting down (the caller closes the channel).
    func add(_ ch: any Channel) -> Bool {
        state.withLock { s in
            if s.closed { return false }
            s.channels[ObjectIdentifier(ch)] = ch
            return true
        }
    }

    func remove(_ ch: any Channel) {
        _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(ch)) }
    }

    func closeAll() {
        let all = state.withLock { s in
            s.closed = true
            return Array(s.channels.values)
        }
        for ch in all { ch.close(promise: nil) }
    }
}

/// A TCP listener: one task per connection running `handle` until the peer closes. On graceful
/// shutdown it stops accepting, closes the connections (the lines already received are written)
/// and waits for the handlers.
struct TCPListener: Service {
    let name: String
    let server: NIOAsyncChannel<TCPConnection, Never>
    let counters: Counters
    let logger: Logger
    let handle: @Sendable (TCPConnection) async throws -> Void

    static func bind(host: String, port: Int) async throws -> NIOAsyncChannel<TCPConnection, Never> {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .bind(host: host, port: port) { ch in
                ch.eventLoop.makeCompletedFuture { try TCPConnection(wrappingChannelSynchronously: ch) }
            }
    }

    func run() async throws {
        let open = OpenConnections()
        let server = self.server
        await withTaskCancellationHandler { await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await conn in inbound {
                            counters.addConnection(protocolName: name)
                            guard open.add(conn.channel) else {
                                conn.channel.close(promise: nil)
                                continue
                            }
                            group.addTask {
                                do { try await handle(conn) } catch {
                                    logger.debug("connection ended", metadata: ["protocol": "\(name)", "error": "\(error)"])
                                }
                                open.remove(conn.channel)
                            }
                        }
                    }
                } catch {
                    logger.debug("accept loop ended", metadata: ["protocol": "\(name)", "error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
            open.closeAll()
        } } onCancel: {
            server.channel.close(promise: nil)
            open.closeAll()
        }
        logger.info("listener stopped", metadata: ["protocol": "\(name)"])
    }
}

/// Splits a byte stream into whole lines. Returns, per chunk, the bytes of the complete lines
/// (the carried start of the first included); a line longer than `maxLineLength` without a
/// newline is dropped up to its newline and counted in `tooLong`.
struct LineFramer {
    let maxLineLength: Int
    private var carry: [UInt8] = []
    private var discarding = false

    init(maxLineLength: Int) { self.maxLineLength = maxLineLength }

    mutating func feed(_ raw: UnsafeRawBufferPointer, tooLong: inout Int) -> [UInt8] {
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
    mutating func finish() -> [UInt8] {
        defer { carry = [] }
        return discarding ? [] : carry
    }
}

// MARK: - Protocols

/// Line protocol (precision ns) from datagrams or stream chunks.
struct LineProtocolInput: Sendable {
    let database: String
    let maxLineLength: Int
    let maxTagsPerPoint: Int

    /// Parses whole lines; returns the batches and the number of lines that failed to parse.
    func batches(_ raw: UnsafeRawBufferPointer) -> ([WriteBatch], Int) {
        let ingester = LineProtocolIngester(database: database, precision: .nanoseconds, now: SystemClock.wallClockNanos(),
                                            maxLineLength: maxLineLength, batchSize: min(5000, max(16, raw.count / 32)),
                                            maxTagsPerPoint: maxTagsPerPoint)
        var out: [WriteBatch] = []
        ingester.feed(raw) { out.append($0) }
        if let last = ingester.finish() { out.append(last) }
        return (out, ingester.parseErrors)
    }
}

/// collectd binary packets → one float field `value` per data source (InfluxDB's mapping).
struct CollectdInput: Sendable {
    let database: String
    let parser: CollectdParser
    let typesDB: TypesDB

    /// The batch of a packet's value lists (those before an error included) and whether it failed.
    func batch(_ raw: UnsafeRawBufferPointer) -> (WriteBatch, CollectdError?) {
        var batch = WriteBatch(database: database)
        let now = SystemClock.wallClockNanos()
        var failure: CollectdError? = nil
        do {
            try parser.parse(raw) { vl in
                guard !vl.plugin.isEmpty else { return }
                for p in influxPoints(vl, typesDB: typesDB) {
                    let key = SeriesKey(measurement: p.measurement, tags: p.tags.map { Tag($0.0, $0.1) }, field: "value")
                    batch.append(key, p.time == 0 ? now : p.time, .float(p.value))
                }
            }
        } catch let e as CollectdError {
            failure = e
        } catch {
            failure = .cryptoFailure
        }
        return (batch, failure)
    }
}

/// Graphite plaintext lines → one float sample each.
struct GraphiteInput: Sendable {
    let database: String
    let parser: GraphiteParser
    let maxLineLength: Int

    func batch(_ bytes: [UInt8]) -> (WriteBatch, Int, GraphiteError?) {
        var batch = WriteBatch(database: database)
        var errors = 0
        var firstError: GraphiteError? = nil
        let now = SystemClock.wallClockNanos()
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            do {
                guard line.count <= maxLineLength else { throw GraphiteError.fieldCount(String(text.prefix(200))) }
                let p = try parser.parse(text, now: now)
                batch.append(SeriesKey(p.measurement, p.tags, field: p.field), p.timestamp, .float(p.value))
            } catch let e as GraphiteError {
                errors += 1
                if firstError == nil { firstError = e }
            } catch {
                errors += 1
            }
        }
        return (batch, errors, firstError)
    }
}
