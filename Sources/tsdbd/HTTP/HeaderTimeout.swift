import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes an HTTP connection whose next request head does not arrive in time: `first` after the
/// connection opens (this also bounds a TLS handshake that never finishes), `idle` after a
/// response while the connection is kept alive. A client dribbling its headers a byte at a time
/// (slowloris) is cut off at `first`, and holds no more than a socket and a small buffer until
/// then. Time spent receiving a body is not limited here (the body-size limit bounds it).
final class RequestHeadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let first: TimeAmount
    let idle: TimeAmount
    let onTimeout: @Sendable () -> Void
    private var timer: Scheduled<Void>?
    private var outstanding = 0

    init(first: TimeAmount, idle: TimeAmount, onTimeout: @escaping @Sendable () -> Void) {
        self.first = first
        self.idle = idle
        self.onTimeout = onTimeout
    }

    private func arm(_ context: ChannelHandlerContext, _ after: TimeAmount) {
        timer?.cancel()
        let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
        let onTimeout = self.onTimeout
        timer = context.eventLoop.scheduleTask(in: after) {
            onTimeout()
            ctx.value.close(promise: nil)
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, first) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil { arm(context, first) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            outstanding += 1
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            outstanding = max(0, outstanding - 1)
            if outstanding == 0 { arm(context, idle) }
        }
        context.write(data, promise: promise)
    }
}
