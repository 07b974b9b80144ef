import Logging
import NIOCore
import ServiceLifecycle
import TSEngine
import TSIngest
import TSSupport

/// Binds every enabled listener (docs/listeners.md): line protocol over UDP and TCP, collectd's
/// binary protocol over UDP, Graphite plaintext over TCP. Each feeds the one write path
/// (`EngineWriter`) through its protocol's ingester from TSIngest. A bind failure stops the
/// start (the sockets already bound are closed).
struct Listeners {
    let daemon: Daemon
    let engine: Engine
    let counters: Counters
    var config: DaemonConfig { daemon.config }
    var logger: Logger { daemon.logger }

    func writer(_ protocolName: String) -> EngineWriter {
        EngineWriter(engine: engine, counters: counters, protocolName: protocolName, logger: logger)
    }

    func bind() async throws -> [any Service] {
        var services: [any Service] = []
        var bound: [any Channel] = []
        do {
            if let a = config.lineProtocol.udp {
                let (s, ch) = try await lineProtocolUDP(a)
                services.append(s)
                bound.append(ch)
            }
            if let a = config.collectd.addr {
                let (s, ch) = try await collectdUDP(a)
                services.append(s)
                bound.append(ch)
            }
            if let a = config.lineProtocol.tcp {
                let s = try await lineProtocolTCP(a)
                services.append(s)
                bound.append(s.server.channel)
            }
            if let a = config.graphite.addr {
                let s = try await graphiteTCP(a)
                services.append(s)
                bound.append(s.server.channel)
            }
        } catch {
            for ch in bound { try? await ch.close() }
            throw error
        }
        return services
    }

    /// Line protocol (precision ns), whole lines per datagram.
    func lineProtocolUDP(_ a: DaemonConfig.HostPort) async throws -> (UDPListener, any Channel) {
        let w = writer("lp_udp")
        let queue = WriteQueue(writer: w, maxPending: config.udp.queueSize)
        let (db, limits, counters) = (config.lineProtocol.database, config.http.limits, counters)
        let ch = try await UDPListener.bind(host: a.host, port: a.port, receiveBufferSize: config.udp.bufferSize) { raw in
            counters.addPacket(protocolName: "lp_udp")
            let ingester = LineProtocolIngester(database: db, precision: .nanoseconds, now: SystemClock.wallClockNanos(),
                                                maxLineLength: limits.maxLineLength, batchSize: min(5000, max(16, raw.count / 32)),
                                                maxTagsPerPoint: limits.maxTagsPerPoint)
            ingester.feed(raw) { queue.submit($0) }
            if let last = ingester.finish() { queue.submit(last) }
            w.parseErrors(ingester.parseErrors)
        }
        logger.info("listening", metadata: ["lp_udp": "\(ch.localAddress.map { "\($0)" } ?? "\(a)")", "db": "\(db)"])
        return (UDPListener(name: "lp_udp", channel: ch, queue: queue, logger: logger), ch)
    }

    /// collectd binary packets (plain, signed or encrypted per the security level).
    func collectdUDP(_ a: DaemonConfig.HostPort) async throws -> (UDPListener, any Channel) {
        let w = writer("collectd")
        let queue = WriteQueue(writer: w, maxPending: config.udp.queueSize)
        let (collectd, counters, logger) = (daemon.collectd, counters, logger)
        let ch = try await UDPListener.bind(host: a.host, port: a.port, receiveBufferSize: config.udp.bufferSize) { raw in
            counters.addPacket(protocolName: "collectd")
            let (batch, failure) = collectd.batch(packet: raw, now: SystemClock.wallClockNanos())
            if let f = failure {
                w.parseErrors(1)
                logger.debug("collectd packet refused", metadata: ["error": "\(f)"])
            }
            queue.submit(batch)
        }
        logger.info("listening", metadata: ["collectd": "\(ch.localAddress.map { "\($0)" } ?? "\(a)")", "db": "\(collectd.database)",
                                            "security_level": "\(config.collectd.securityLevel)", "typesdb": "\(daemon.collectdTypesSource)"])
        return (UDPListener(name: "collectd", channel: ch, queue: queue, logger: logger), ch)
    }

    /// Newline-delimited line protocol; a slow disk slows the sender (appends are awaited).
    func lineProtocolTCP(_ a: DaemonConfig.HostPort) async throws -> TCPListener {
        let w = writer("lp_tcp")
        let (db, limits) = (config.lineProtocol.database, config.http.limits)
        let server = try await TCPListener.bind(host: a.host, port: a.port)
        logger.info("listening", metadata: ["lp_tcp": "\(server.channel.localAddress.map { "\($0)" } ?? "\(a)")", "db": "\(db)"])
        return TCPListener(name: "lp_tcp", server: server, counters: counters, logger: logger, maxLineLength: limits.maxLineLength) { lines in
            let ingester = LineProtocolIngester(database: db, precision: .nanoseconds, now: SystemClock.wallClockNanos(),
                                                maxLineLength: limits.maxLineLength, batchSize: min(5000, max(16, lines.count / 32)),
                                                maxTagsPerPoint: limits.maxTagsPerPoint)
            var batches: [WriteBatch] = []
            lines.withUnsafeBytes { ingester.feed($0) { batches.append($0) } }
            if let last = ingester.finish() { batches.append(last) }
            w.parseErrors(ingester.parseErrors)
            for b in batches { await w.write(b) }
        } onTooLong: { w.parseErrors($0) }
    }

    /// Graphite plaintext lines through the configured templates.
    func graphiteTCP(_ a: DaemonConfig.HostPort) async throws -> TCPListener {
        let w = writer("graphite")
        let ingester = GraphiteIngester(database: config.graphite.database, parser: config.graphite.parser, maxLineLength: config.http.limits.maxLineLength)
        let server = try await TCPListener.bind(host: a.host, port: a.port)
        logger.info("listening", metadata: ["graphite": "\(server.channel.localAddress.map { "\($0)" } ?? "\(a)")", "db": "\(ingester.database)"])
        let logger = self.logger
        return TCPListener(name: "graphite", server: server, counters: counters, logger: logger, maxLineLength: config.http.limits.maxLineLength) { lines in
            let (batch, errors, first) = ingester.batch(lines, now: SystemClock.wallClockNanos())
            if let e = first { w.errorLog.warning(logger, "graphite: \(errors) lines refused, first: \(e)") }
            w.parseErrors(errors)
            await w.write(batch)
        } onTooLong: { w.parseErrors($0) }
    }
}
