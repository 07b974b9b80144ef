import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs independent pieces of work (query groups, accounting series) on all cores. Results keep
/// their order; the first error wins and stops the remaining pieces.
public enum ParallelMap {
    public static let workers = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    public static func map<T, R>(_ items: [T], parallel: Bool, _ body: (T) throws -> R) throws -> [R] {
        let n = min(workers, items.count)
        if !parallel || n < 2 {
            return try items.map(body)
        }
        let box = Results<R>(count: items.count)
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox(body)
            let input = UncheckedBox(items)
            DispatchQueue.concurrentPerform(iterations: n) { w in
                var i = w
                while i < input.value.count {
                    if box.failed { return }
                    do { box.set(i, try shared.value(input.value[i])) } catch { box.fail(error) }
                    i += n
                }
            }
        }
        if let e = box.error { throw e }
        return box.values.map { $0! }
    }

    /// Per-index result slots written by the workers (each index by exactly one worker).
    private final class Results<R>: @unchecked Sendable {
        var values: [R?]
        private let lock = Lock()
        private(set) var error: (any Error)?
        init(count: Int) { values = Array(repeating: nil, count: count) }
        var failed: Bool { lock.withLock { error != nil } }
        func set(_ i: Int, _ v: R) { lock.withLock { values[i] = v } }
        func fail(_ e: any Error) { lock.withLock { if error == nil { error = e } } }
    }

    private struct UncheckedBox<V>: @unchecked Sendable {
        let value: V
        init(_ v: V) { value = v }
    }
}
