// Crash-test child: appends deterministic batches to an engine with fsync `always` and prints
// "ACK <n>" after batch n is acknowledged, while background maintenance seals and compacts. The parent SIGKILLs it at a random moment and then
// checks that every acknowledged batch survived. Usage: tscrashchild DIR FIRST_BATCH [HEAD_LIMIT_BYTES]
import TSEngine
#if canImport(Glibc)
import Glibc
#endif

func say(_ fd: Int32, _ s: String) {
    var s = s
    s.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
}

let args = CommandLine.arguments
guard args.count >= 3, let first = Int(args[2]) else {
    say(2, "usage: tscrashchild DIR FIRST_BATCH [HEAD_LIMIT_BYTES]\n")
    exit(2)
}
var opts = EngineOptions()
opts.syncPolicy = .always
opts.headMemoryLimit = args.count > 3 ? Int(args[3]) ?? 256 << 10 : 256 << 10
opts.maintenanceInterval = 20_000_000
// Small windows and time tiers (docs/format/tiers.md), so the background thread seals and
// compacts (tier merges of closed windows included) all the time and kills land inside them.
opts.blockRange = 10_000_000_000
opts.compactionTiers = [60_000_000_000, 600_000_000_000]
opts.log = { level, msg in say(2, "child \(level): \(msg)\n") }
do {
    let engine = try Engine(path: args[1], options: opts)
    var n = first
    while true {
        let b = CrashWorkload.batch(n)
        _ = try engine.append(b)
        say(1, "ACK \(n)\n")
        n += 1
    }
} catch {
    say(2, "child error: \(error)\n")
    exit(1)
}
