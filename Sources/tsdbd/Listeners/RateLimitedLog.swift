import Logging
import Synchronization
import TSSupport

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
