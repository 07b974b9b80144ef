#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex. Used instead of `Mutex` where a condition variable must share it, and where
/// a class must be lockable from synchronous code without `Synchronization`.
public final class Lock: @unchecked Sendable {
    // The mutex lives in its own allocation so its address never moves.
    let m: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        m = .allocate(capacity: 1)
        m.initialize(to: pthread_mutex_t())
        pthread_mutex_init(m, nil)
    }

    deinit {
        pthread_mutex_destroy(m)
        m.deallocate()
    }

    @inline(__always) public func lock() { pthread_mutex_lock(m) }
    @inline(__always) public func unlock() { pthread_mutex_unlock(m) }

    @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A condition variable bound to a `Lock`.
public final class ConditionVariable: @unchecked Sendable {
    let c: UnsafeMutablePointer<pthread_cond_t>
    public let lock: Lock

    public init(_ lock: Lock) {
        self.lock = lock
        c = .allocate(capacity: 1)
        c.initialize(to: pthread_cond_t())
        pthread_cond_init(c, nil)
    }

    deinit {
        pthread_cond_destroy(c)
        c.deallocate()
    }

    /// Waits; the caller holds `lock`.
    public func wait() { pthread_cond_wait(c, lock.m) }

    /// Waits at most `nanos`; the caller holds `lock`.
    public func wait(nanos: UInt64) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var total = UInt64(now.tv_nsec) + nanos % 1_000_000_000
        var secs = Int(now.tv_sec) + Int(nanos / 1_000_000_000)
        if total >= 1_000_000_000 { secs += 1; total -= 1_000_000_000 }
        var deadline = timespec(tv_sec: secs, tv_nsec: Int(total))
        pthread_cond_timedwait(c, lock.m, &deadline)
    }

    public func broadcast() { pthread_cond_broadcast(c) }
    public func signal() { pthread_cond_signal(c) }
}
