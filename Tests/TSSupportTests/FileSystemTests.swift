import Foundation
import Testing
import TestSupport
import TSSupport
#if canImport(Glibc)
import Glibc
#endif

struct FileSystemTests {
    @Test func durableWritesReplaceWholeFiles() throws {
        let dir = TempDir()
        let fs = FileSystem.posix
        let p = dir.path + "/a/b/file"
        try fs.makeDirectories(FileSystem.dirname(of: p))
        try fs.writeFileDurably(p, [1, 2, 3])
        try fs.writeFileDurably(p, [4])
        #expect(try fs.readFile(p) == [4])
        #expect(!fs.exists(p + ".tmp"))
        #expect(try fs.listDirectory(dir.path + "/a/b") == ["file"])
    }

    @Test func injectedFaultsReachOnlyTheirOwnValue() throws {
        let dir = TempDir()
        let failing = FileSystem(faults: .init(beforeWrite: { _, _ in ENOSPC }, beforeSync: { _ in EIO }))
        #expect(throws: FileSystemError(op: "write", path: dir.path + "/x.tmp", errno: ENOSPC)) { try failing.writeFileDurably(dir.path + "/x", [1]) }
        #expect(!failing.exists(dir.path + "/x.tmp"))
        #expect((try? FileSystem.posix.writeFileDurably(dir.path + "/x", [1])) != nil)
        #expect(FileSystemError(op: "write", path: "p", errno: ENOSPC).isNoSpace)
    }

    @Test func durationsParseAndFormat() {
        #expect(parseDuration("1h30m") == 5_400_000_000_000)
        #expect(parseDuration("250ms") == 250_000_000)
        let tenYears: Int64 = 10 * 365 * 86_400_000_000_000
        #expect(parseDuration("10y") == tenYears)
        #expect(parseDuration("") == nil && parseDuration("5") == nil && parseDuration("5x") == nil)
        #expect(formatDuration(7_200_000_000_000) == "2h" && formatDuration(1500) == "1500ns")
    }
}
