import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

// Network listeners besides HTTP (docs/listeners.md) are `Service`s in the daemon's service
// group, placed after the engine so that they stop (and their last writes land) before the
// engine closes.

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
