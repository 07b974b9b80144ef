import Synchronization
import TSEngine

/// Bounded queue between a UDP socket (which cannot be slowed down) and the engine: batches are
/// merged while one append is in flight; beyond `maxPending` samples new ones are dropped and
/// counted (`queue_full`).
final class WriteQueue: Sendable {
    let writer: EngineWriter
    let maxPending: Int
    private struct State {
        var pending: WriteBatch?
        var running = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    init(writer: EngineWriter, maxPending: Int) {
        self.writer = writer
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
            writer.counters.addDropped(protocolName: writer.protocolName, reason: "queue_full", batch.count)
            writer.errorLog.warning(writer.logger, "\(writer.protocolName): write queue full (\(maxPending) samples), dropping")
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
            await writer.write(batch)
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
