import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import TSIngest

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

/// A TCP listener of a line-oriented protocol: one task per connection splits the stream into
/// whole lines (`LineFramer`) and hands each stretch of lines to `onLines` until the peer
/// closes; lines over `maxLineLength` are dropped and counted through `onTooLong`. On graceful
/// shutdown it stops accepting, closes the connections (the lines already received are written)
/// and waits for the handlers.
struct TCPListener: Service {
    let name: String
    let server: NIOAsyncChannel<TCPConnection, Never>
    let counters: Counters
    let logger: Logger
    let maxLineLength: Int
    let onLines: @Sendable ([UInt8]) async -> Void
    let onTooLong: @Sendable (Int) -> Void

    init(name: String, server: NIOAsyncChannel<TCPConnection, Never>, counters: Counters, logger: Logger, maxLineLength: Int,
         onLines: @escaping @Sendable ([UInt8]) async -> Void, onTooLong: @escaping @Sendable (Int) -> Void) {
        self.name = name
        self.server = server
        self.counters = counters
        self.logger = logger
        self.maxLineLength = maxLineLength
        self.onLines = onLines
        self.onTooLong = onTooLong
    }

    /// Reads one connection to its end.
    private func handle(_ conn: TCPConnection) async throws {
        var framer = LineFramer(maxLineLength: maxLineLength)
        try await conn.executeThenClose { inbound in
            for try await chunk in inbound {
                var tooLong = 0
                let lines = chunk.withUnsafeReadableBytes { framer.feed($0, tooLong: &tooLong) }
                if tooLong > 0 { onTooLong(tooLong) }
                if !lines.isEmpty { await onLines(lines) }
            }
        }
        let rest = framer.finish()
        if !rest.isEmpty { await onLines(rest) }
    }

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
