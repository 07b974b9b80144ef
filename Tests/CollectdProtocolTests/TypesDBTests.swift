import Testing
@testable import CollectdProtocol

@Suite struct TypesDBTests {
    @Test func parsesTypesDBText() throws {
        let db = TypesDB(parsing: """
        # comment line
        if_octets\t\trx:DERIVE:0:U, tx:DERIVE:0:U
        load   shortterm:GAUGE:0:5000, midterm:GAUGE:0:5000, longterm:GAUGE:0:5000   # trailing comment
        counter value:COUNTER:U:U

        bogus_no_sources
        bad_kind value:WHATEVER:0:U
        short value:GAUGE:0
        abs value:absolute:0:U
        """)
        #expect(db.dataSources(for: "if_octets")?.map(\.name) == ["rx", "tx"])
        #expect(db.dataSources(for: "if_octets")?.map(\.kind) == [.derive, .derive])
        #expect(db.dataSources(for: "load")?.map(\.name) == ["shortterm", "midterm", "longterm"])
        #expect(db.dataSources(for: "counter")?.first?.kind == .counter)
        #expect(db.dataSources(for: "abs")?.first?.kind == .absolute)
        #expect(db.types["load"]?.first?.max == 5000)
        #expect(db.types["counter"]?.first?.min == nil)
        #expect(db.dataSources(for: "bogus_no_sources") == nil)
        #expect(db.dataSources(for: "bad_kind") == nil)
        #expect(db.dataSources(for: "short") == nil)
        #expect(db.skippedLines == [6, 7, 8])
    }

    @Test func builtinHasCommonTypes() {
        let db = TypesDB.builtin
        #expect(db.skippedLines.isEmpty)
        for t in ["cpu", "memory", "df_complex", "percent", "gauge", "counter", "derive", "uptime", "users",
                  "processes", "ps_state", "swap", "entropy", "irq", "contextswitch", "virt_cpu_total", "virt_vcpu",
                  "vmpage_number", "vmpage_action"] {
            #expect(db.dataSources(for: t)?.count == 1, "\(t)")
        }
        for t in ["if_octets", "if_packets", "if_errors", "if_dropped"] {
            #expect(db.dataSources(for: t)?.map(\.name) == ["rx", "tx"])
        }
        for t in ["disk_octets", "disk_ops", "disk_time"] {
            #expect(db.dataSources(for: t)?.map(\.name) == ["read", "write"])
        }
        #expect(db.dataSources(for: "load")?.map(\.name) == ["shortterm", "midterm", "longterm"])
        #expect(db.dataSources(for: "vmpage_io")?.map(\.name) == ["in", "out"])
    }

    @Test func loadsFromFileAndMerges() throws {
        let path = "/tmp/collectd-typesdb-test-\(UInt32.random(in: 0...UInt32.max)).db"
        let text = "mytype a:GAUGE:U:U, b:GAUGE:U:U\ncpu value:GAUGE:0:100\n"
        try writeFile(path, text)
        defer { _ = unlinkFile(path) }
        let db = try #require(TypesDB(contentsOfFile: path))
        #expect(db.dataSources(for: "mytype")?.map(\.name) == ["a", "b"])
        let merged = TypesDB.builtin.merging(db)
        #expect(merged.dataSources(for: "cpu")?.first?.kind == .gauge)
        #expect(merged.dataSources(for: "if_octets") != nil)
        #expect(TypesDB(contentsOfFile: "/nonexistent/types.db") == nil)
    }
}

#if canImport(Glibc)
import Glibc
#endif

struct WriteError: Error {}

func writeFile(_ path: String, _ text: String) throws {
    guard let f = fopen(path, "wb") else { throw WriteError() }
    defer { fclose(f) }
    let bytes = Array(text.utf8)
    guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, f) }) == bytes.count else { throw WriteError() }
}

func unlinkFile(_ path: String) -> Int32 { unlink(path) }
