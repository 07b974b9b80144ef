// Writes the seed corpora of the fuzz targets: `make-seeds [CORPUS-DIR]` (default ./corpus), run by
// fuzz/make-seeds. Every seed is deterministic, so regenerating gives the same files; files already
// in the corpus directories (regression inputs added by hand) are left alone.
//
// Valid inputs come from the project's own encoders (WALBatchEncoder, BlockCodec, SegmentWriter, the
// column codecs, collectd's HMAC and AES) and from examples in the tests, so the fuzzer starts from
// inputs that reach deep into each decoder.
@testable import CollectdProtocol
import FuzzSupport
import LineProtocol
import TSEncoding
import TSSupport
@testable import TSEngine
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) var root = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "corpus"
nonisolated(unsafe) var written = 0

func seed(_ target: String, _ name: String, _ bytes: [UInt8]) {
    let dir = root + "/" + target
    mkdir(root, 0o755)
    mkdir(dir, 0o755)
    bytes.withUnsafeBytes { writeFile(dir + "/" + name, $0) }
    written += 1
}

func seed(_ target: String, _ name: String, _ text: String) { seed(target, name, Array(text.utf8)) }

func varint(_ v: UInt64) -> [UInt8] {
    var out: [UInt8] = []
    Varint.put(v, into: &out)
    return out
}

// MARK: - lineprotocol

let lineProtocol: [(String, String)] = [
    ("simple", "cpu,host=serverA,region=us-west usage_idle=99.5,usage_user=0.25 1700000000000000000\n"),
    ("types", "m,t=v f=1.5,i=-3i,u=7u,b=true,B=FALSE,s=\"text\" 1\n"),
    ("no-timestamp", "weather temperature=82\n"),
    ("escapes", "esc\\,m,k\\=1=v\\ 2,tag\\ key=a\\,b f\\,k=9i,\"q\"=\"say \\\"hi\\\" \\\\ bye\" 5\n"),
    ("comments-crlf", "# comment line\r\ncpu v=1 1\r\n\r\n  # indented\nmem free=12u\r\n"),
    ("multiline-string", "str v=\"first\nsecond\nthird\" 5\ncpu,host=c v=-0.25 -12\n"),
    ("errors", "bad,line\nbroken v=1 12x\nm v=1 1 extra\nm,k= v=1\n,m v=1\nm v=\n"),
    ("last-line-no-newline", "a v=1 1\nlast v=TRUE 42"),
    ("floats", "f a=1e300,b=-1.5E-300,c=.5,d=5.,e=0.1,f=-0,g=1e+3,h=NaN\n"),
    ("ints", "i a=9223372036854775807i,b=-9223372036854775808i,c=18446744073709551615u,d=9223372036854775808i\n"),
    ("timestamps", "t v=1 -9223372036854775806\nt v=1 9223372036854775807\nt v=1 01\nt v=1 +5\n"),
    ("time-keys", "m,time=x v=1\nm time=1\nm v=1,time=2 3\n"),
    ("duplicates", "m,a=1,a=2 v=1\nm v=1,v=2i 5\nm,b=2,a=1,c=3 v=1\n"),
    ("unicode", "mé,tåg=värde 日本=\"🙂\" 1\n"),
    ("streaming-body", """
    # comment line
    cpu,host=a,region=west usage=0.5,count=3i 1700000000000000000
    mem,host=b free=12u,ok=t\r
    \r
      disk,path=/var\\ log used=1.5e3,label="a \\"quoted\\" \\\\ value"

    bad,line
    str v="first
    second
    third" 5
    cpu,host=c v=-0.25 -12
    broken v=1 12x
    esc\\,m,k\\=1=v\\ 2 f\\,k=9i
    last v=TRUE 42
    """),
    ("spaces", "  m   v=1   1  \n\tm v=1\n m,t=a\\ b v=1\n"),
    ("trailing-backslash", "m\\ v=1\nm,k=v\\ v=1\nm v=\"a\\\" 1\n"),
    ("long-line", "m v=\"" + String(repeating: "x", count: 100) + "\" 1\nz v=1 2\n"),
    ("many-tags", "m," + (0..<20).map { "t\($0)=v\($0)" }.joined(separator: ",") + " " +
        (0..<20).map { "f\($0)=\($0)i" }.joined(separator: ",") + " 1\n"),
]

// MARK: - collectd

/// The IV of an encrypted seed: 16 bytes from a small seed number.
func iv(_ seed: UInt8) -> [UInt8] { (0..<16).map { UInt8(truncatingIfNeeded: $0 * 7 + Int(seed)) } }

func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
func u64be(_ v: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8((v >> (8 * UInt64($0))) & 0xff) } }
func u64le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xff) } }


func hex(_ s: String) -> [UInt8] {
    let digits = s.utf8.compactMap { c -> UInt8? in
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
    return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

/// The raw packets of collectd's network_parse_test.c, as kept in the tests (VectorData.swift).
func collectdVectors() -> [[UInt8]] {
    let path = root + "/../../Tests/CollectdProtocolTests/VectorData.swift"
    guard let text = readFile(path).map({ String(decoding: $0, as: UTF8.self) }) else {
        print("note: \(path) not found; collectd vector seeds skipped")
        return []
    }
    // Each packet is a """ block of hex lines.
    let blocks = text.components(separatedBy: "\"\"\"")
    return stride(from: 1, to: blocks.count, by: 2).map { hex(blocks[$0]) }.filter { !$0.isEmpty }
}

extension String {
    func components(separatedBy sep: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.range(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

extension Substring {
    func range(of s: String) -> Range<Index>? {
        let needle = Array(s.utf8)
        var i = startIndex
        while i < endIndex {
            if self[i...].utf8.starts(with: needle) { return i..<utf8.index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}

func collectdSeeds() {
    // Selector byte: 0 none, 1 sign, 2 encrypt (users admin/admin, alice/s3cret), 3 none without users.
    let simple = CollectdPacketWriter.simple()
    seed("collectd", "plain-simple", [0] + simple)
    seed("collectd", "plain-no-auth", [3] + simple)
    var all = CollectdPacketWriter()
    all.string(CollectdPartType.host, "hv01.example.com")
    all.number(CollectdPartType.timeHR, nanosecondsToCollectdHighRes(1_767_225_600_123_000_000))
    all.number(CollectdPartType.intervalHR, nanosecondsToCollectdHighRes(10_000_000_000))
    all.string(CollectdPartType.plugin, "interface")
    all.string(CollectdPartType.pluginInstance, "eth0")
    all.string(CollectdPartType.type, "if_octets")
    all.string(CollectdPartType.typeInstance, "")
    all.values([.derive(2139), .derive(-1875)])
    all.string(CollectdPartType.type, "load")
    all.values([.gauge(0.21), .gauge(.nan), .gauge(-.infinity)])
    all.string(CollectdPartType.type, "counter")
    all.values([.counter(UInt64.max), .absolute(7)])
    all.number(CollectdPartType.interval, 10)
    all.number(CollectdPartType.severity, 4)
    all.string(CollectdPartType.message, "disk full")
    all.part(0x7777, [1, 2, 3])
    seed("collectd", "plain-all-parts", [0] + all.bytes)

    let signedAdmin = CollectdPacketWriter.signed(user: "admin", password: "admin", payload: simple)
    seed("collectd", "signed-admin-sign", [1] + signedAdmin)
    seed("collectd", "signed-admin-none", [0] + signedAdmin)
    seed("collectd", "signed-alice-all-parts", [1] + CollectdPacketWriter.signed(user: "alice", password: "s3cret", payload: all.bytes))
    seed("collectd", "signed-unknown-user", [0] + CollectdPacketWriter.signed(user: "mallory", password: "x", payload: simple))
    seed("collectd", "signed-then-plain", [1] + CollectdPacketWriter.simple(host: "before") + signedAdmin)

    let enc = CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: CollectdPacketWriter.simple(host: "secret-host"))
    seed("collectd", "encrypted-admin-encrypt", [2] + enc)
    seed("collectd", "encrypted-admin-sign", [1] + enc)
    seed("collectd", "encrypted-admin-none", [0] + enc)
    seed("collectd", "encrypted-alice-all-parts", [2] + CollectdPacketWriter.encrypted(user: "alice", password: "s3cret", payload: all.bytes, iv: iv(9)))
    let signedInside = CollectdPacketWriter.signed(user: "alice", password: "s3cret", payload: simple)
    seed("collectd", "encrypted-signed", [2] + CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: signedInside))
    let nested = CollectdPacketWriter.encrypted(user: "admin", password: "admin",
                           payload: CollectdPacketWriter.encrypted(user: "alice", password: "s3cret", payload: simple, iv: iv(1)), iv: iv(2))
    seed("collectd", "encrypted-nested", [2] + nested)
    var mixed = CollectdPacketWriter()
    mixed.string(CollectdPartType.host, "outer")
    seed("collectd", "plain-encrypted-plain", [0] + mixed.bytes + enc + CollectdPacketWriter.simple(host: "tail"))
    // collectd's own test vectors: HMAC-SHA-256("admin", "admin" + "collectd") and an AES part for admin/admin.
    let mac = hex("cda59a37b081c231242a6dbdfb44dbd7412af42983dea51196d2e93021aec545")
    seed("collectd", "vector-signature", [1] + u16(0x0200) + u16(41) + mac + Array("admin".utf8) + Array("collectd".utf8))
    let iv = hex("4cbe2a747c9f9dcfa0e66f0c2fa74875")
    let cipher = hex("8f023b0b15178f8428da1221a5f653e840f065db4aff032c22e5a3df")
    seed("collectd", "vector-encryption", [2] + u16(0x0210) + u16(UInt16(4 + 2 + 5 + 16 + cipher.count)) + u16(5)
        + Array("admin".utf8) + iv + cipher)
    for (i, p) in collectdVectors().enumerated() {
        seed("collectd", "vector-raw-\(i)", [0] + p)
    }
}

// MARK: - writehttp

let writeHTTP: [(String, String)] = [
    ("json-collectd5", """
    [{"values":[1901474177],"dstypes":["derive"],"dsnames":["value"],"time":1767225600.123,"interval":10.000,"host":"hv01.example.com","plugin":"cpu","plugin_instance":"0","type":"cpu","type_instance":"idle"},
     {"values":[2139,1875],"dstypes":["derive","derive"],"dsnames":["rx","tx"],"time":1767225600.125,"interval":10.000,"host":"hv01.example.com","plugin":"interface","plugin_instance":"eth0","type":"if_octets","type_instance":""},
     {"values":[0.21,0.43,0.5],"dstypes":["gauge","gauge","gauge"],"dsnames":["shortterm","midterm","longterm"],"time":1767225600,"interval":10,"host":"hv01.example.com","plugin":"load","plugin_instance":"","type":"load","type_instance":"","meta":{"network:received":true}},
     {"values":[null],"dstypes":["gauge"],"dsnames":["value"],"time":1767225600.5,"interval":10.000,"host":"hv01.example.com","plugin":"sensors","plugin_instance":"coretemp-isa-0000","type":"temperature","type_instance":"temp1"}]
    """),
    ("json-bare", #"[{"values":[1,2],"dstypes":["derive","derive"],"time":1,"host":"h","plugin":"p","type":"if_octets"}]"#),
    ("json-counter-max", #"[{"values":[18446744073709551615],"dstypes":["counter"],"host":"h","plugin":"p","type":"counter"}]"#),
    ("json-escapes", #"[{"values":[1],"host":"h\u00e9\"\/\ud83d\ude00\n\t\\","plugin":"p","type":"gauge","time":1}]"#),
    ("json-single-object", #"{"values":[1e3,-0.5,1E-7],"dstypes":["gauge","gauge","gauge"],"plugin":"p","type":"t","time":1.7e9}"#),
    ("json-errors", #"[{"values":[]},{"plugin":""},{"values":[1],"plugin":"p","dstypes":["nope"]},{"values":["x"],"plugin":"p"},{"values":[1],"plugin":"p","time":-1},[1],null,{"values":[1],"plugin":"p","dsnames":["a","b"]}]"#),
    ("json-nested-meta", #"[{"values":[1],"plugin":"p","meta":{"a":{"b":[1,{"c":[true,false,null]}]}}}]"#),
    ("json-empty", "  \n[]"),
    ("putval", """
    PUTVAL hv01/cpu-0/cpu-idle interval=10.000 1767225600.123:1901474177\r
    PUTVAL hv01/interface-eth0/if_octets interval=10.000 1767225600.000:2139:1875
    PUTVAL "hv01/load/load" 1767225600:0.21:U:0.5

    PUTVAL hv01/memory/memory-used N:123456 1767225610:654321
    """),
    ("putval-errors", """
    PUTVAL h/p/gauge 1:1
    GETVAL h/p/gauge
    PUTVAL h/p 1:1
    PUTVAL h/p/gauge
    PUTVAL h/p/gauge 1:abc
    PUTVAL h/p/gauge x:1
    PUTVAL h/p/gauge 1
    PUTVAL "h/p/gauge 1:1
    PUTVAL h/p/gauge interval=zz 1:1
    PUTVAL "h\\"x/p-i/t-j" meta=1 2:-5:18446744073709551615:+:1e400:nan
    """),
]

// MARK: - graphite

let graphite: [(String, String)] = [
    ("lines", "servers.web1.cpu.load 0.5 1767225600\na.b 1\na.b 1 -1\na.b 2 1767225600.5\na.b 3 1767225600\r\n"),
    ("collectd-default", "collectd.hv01_example_com.cpu-0.cpu-idle 97.5 1767225600\ncollectd.hv01.load.load.shortterm 0.25 1767225600\napp.requests 7 1\n"),
    ("errors", "a.b\na.b 1 2 3\na.b x 1\na.b NaN 1\na.b 1 soon\na.b 1 1e300\n..  1\n \t \r\n"),
    ("templates", "servers.* .host.measurement.field\nstats.* .host.measurement* region=eu,dc=x\nmeasurement.field*\n\0servers.web1.cpu.idle 1 1\nservers.db.pg1.connections 5 1\nstats.h9.cpu.user 2 1\nother.thing.more 3 1\n"),
    ("templates-presets", "collectd\nfoo.* influxdb\n\0hv01.interface.eth0.if_octets.x.rx 100 1\nfoo.a.b 1 1\n"),
    ("templates-invalid", "host.field\nmeasurement*.x\na b c d\n\0h1.cpu 1 1\n"),
    ("templates-greedy", "host.measurement*\n\0h1.cpu.load.short 1 1\nweb.example.cpu 1 1\n"),
]

// MARK: - influxql

let influxql: [(String, String)] = [
    ("select-grafana", #"SELECT mean("value") FROM "cpu_value" WHERE ("host" =~ /^hv01$/ AND "type_instance" = 'idle') AND time >= now() - 6h and time <= now() GROUP BY time(1m), "host" fill(null)"#),
    ("select-star", "SELECT * FROM m"),
    ("select-casts", "SELECT *::tag, a::field, b::float FROM db.rp.m"),
    ("select-regex", "SELECT mean(/usage_.*/) AS m FROM /cpu.*/ WHERE host !~ /x/"),
    ("select-options", "SELECT count(*) FROM m WHERE time > '2024-01-01T00:00:00Z' AND time < '2024-01-02T00:00:00.123456789+02:00' GROUP BY *, TIME(1d) fill(previous) ORDER BY time DESC LIMIT 10 OFFSET 2 SLIMIT 3 SOFFSET 1 tz('Europe/Paris')"),
    ("select-math", "SELECT (a + b) * 2 / -c % 3 & 1 | 2 ^ 4, max(v) - min(v) FROM m WHERE v != 1.5 OR v <> .5e3 AND NOT (x >= 1)"),
    ("select-offset", "SELECT mean(v) FROM m GROUP BY time(1h,-15m) fill(7)"),
    ("select-bound", "SELECT v FROM \"my \\\"m\\\"\" WHERE \"host\" = 'a\\'b' AND time > 1767225600000ms"),
    ("multi", "SELECT a FROM m;SELECT b FROM n;;  ;"),
    ("show", "SHOW DATABASES; SHOW MEASUREMENTS ON telegraf WITH MEASUREMENT =~ /cpu/ LIMIT 100 OFFSET 3; SHOW RETENTION POLICIES ON mydb"),
    ("show-tags", #"SHOW TAG KEYS ON db FROM "cpu_value" WHERE host = 'a' LIMIT 1; SHOW TAG VALUES FROM cpu WITH KEY IN ("host","type") WHERE x = 'y'"#),
    ("show-fields-series", "SHOW FIELD KEYS FROM cpu LIMIT 1 OFFSET 2; SHOW SERIES ON db FROM cpu WHERE host = 'a'"),
    ("ddl", "CREATE DATABASE \"my db\"; DROP DATABASE b; DROP SERIES FROM cpu WHERE host = 'a'; DELETE FROM cpu WHERE time < '2020-01-01'"),
    ("comments", "-- only a comment\nSELECT /* inline */ a FROM m -- trailing"),
    ("rfc3339", "2024-02-29T23:59:59.999999999Z"),
    ("rfc3339-offset", "1970-01-01T00:00:00-08:00"),
    ("duration", "1h30m15s100ms5u3ns"),
    ("duration-neg", "-2w3d"),
    ("errors", "SELECT FROM WHERE; SHOW TAG VALUES; SELECT a FROM m GROUP BY time(now()); SELECT 'unterminated"),
    ("unicode-ident", "SELECT \"värde\", 日本 FROM \"🙂\""),
]

// MARK: - wal

func walSeeds() {
    func key(_ m: String, _ tags: [String: String], _ f: String) -> [UInt8] { SeriesKey(m, tags, field: f).canonicalBytes }
    var e = WALBatchEncoder()
    let k1 = key("cpu", ["host": "a", "region": "west"], "usage")
    k1.withUnsafeBytes { e.addDef(id: 1, type: .float, canonicalKey: $0) }
    for i in 0..<5 {
        e.addSample(id: 1, timestamp: 1_700_000_000_000_000_000 + Int64(i) * 10_000_000_000, type: .float,
                    bits: (Double(i) * 0.5).bitPattern, string: nil)
    }
    e.finish(database: "telegraf")
    seed("wal", "float-series", e.buf)

    e.reset()
    let types: [(ValueType, UInt64, String?)] = [(.float, 1.5.bitPattern, nil), (.integer, UInt64(bitPattern: -7), nil),
                                                 (.unsigned, UInt64.max, nil), (.boolean, 1, nil), (.string, 0, "hello \"world\"")]
    for (i, t) in types.enumerated() {
        key("m", ["t": "\(i)"], "f\(i)").withUnsafeBytes { e.addDef(id: UInt32(i + 1), type: t.0, canonicalKey: $0) }
    }
    for (i, t) in types.enumerated() {
        e.addSample(id: UInt32(i + 1), timestamp: Int64(i) - 2, type: t.0, bits: t.1, string: t.2)
    }
    e.finish(database: "db")
    seed("wal", "all-types", e.buf)

    e.reset()  // samples of series defined in an earlier record
    e.addSample(id: 3, timestamp: .max, type: .integer, bits: 1, string: nil)
    e.addSample(id: 3, timestamp: .min, type: .integer, bits: 2, string: nil)
    e.finish(database: "db")
    seed("wal", "samples-only", e.buf)

    e.reset()
    e.finish(database: "")
    seed("wal", "empty", e.buf)

    e.reset()
    key("weird", [:], "").withUnsafeBytes { e.addDef(id: 7, type: .string, canonicalKey: $0) }
    e.addSample(id: 7, timestamp: 0, type: .string, bits: 0, string: "")
    e.addSample(id: 7, timestamp: 0, type: .string, bits: 0, string: "日本")
    e.finish(database: "é")
    seed("wal", "strings", e.buf)
}

// MARK: - segment

/// Segment target seeds: mode byte, then the mode's parameters (see SegmentFuzz.swift).
func segmentSeeds() throws {
    let ts: [[Int64]] = [
        [],
        [1_700_000_000_000_000_000],
        (0..<200).map { 1_700_000_000_000_000_000 + Int64($0) * 10_000_000_000 },  // regular grid
        (0..<200).map { 1_700_000_000_000_000_000 + Int64($0) * 10_000_000_000 + Int64(($0 * 7919) % 1000) },  // jitter
        [5, 3, 3, -1, .max, .min, 0],  // not sorted, wraps
        (0..<300).map { Int64($0 * $0) * 1_000_000 },
    ]
    for (i, t) in ts.enumerated() {
        var b: [UInt8] = []
        let c = TimestampColumn.encode(t, into: &b)
        seed("segment", "timestamps-\(i)-\(c)", [0, c.rawValue] + varint(UInt64(t.count)) + b)
    }
    let floats: [[Double]] = [
        [1.5],
        Array(repeating: 42.25, count: 50),
        (0..<100).map { Double($0) },  // integral
        (0..<100).map { Double($0) / 100 },  // decimal
        (0..<100).map { sin(Double($0)) },  // gorilla
        [.nan, -.infinity, .infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, Double(bitPattern: 0x7FF4_0000_0000_0001)],
    ]
    for (i, v) in floats.enumerated() {
        var b: [UInt8] = []
        let c = FloatColumn.encode(v, into: &b)
        seed("segment", "floats-\(i)-\(c)", [1, c.rawValue] + varint(UInt64(v.count)) + b)
    }
    let ints: [[Int64]] = [
        [7],
        Array(repeating: -3, count: 40),
        (0..<200).map { Int64($0) },  // delta
        (0..<200).map { Int64($0 * $0) },  // DoD
        (0..<200).map { Int64($0 / 20) },  // run length
        (0..<200).map { $0 % 50 == 0 ? Int64($0) * 1_000_000 : 0 },  // sparse
        [.min, .max, 0, -1, 1, .min, .max],
        (0..<300).map { Int64(bitPattern: UInt64($0) &* 0x9E37_79B9_7F4A_7C15) },  // random: raw/packed
    ]
    for (i, v) in ints.enumerated() {
        var b: [UInt8] = []
        let c = IntColumn.encode(v, into: &b)
        seed("segment", "ints-\(i)-\(c)", [2, c.rawValue] + varint(UInt64(v.count)) + b)
    }
    let bools: [[Bool]] = [Array(repeating: true, count: 9), (0..<37).map { $0 % 3 == 0 }]
    for (i, v) in bools.enumerated() {
        var b: [UInt8] = []
        let c = BoolColumn.encode(v, into: &b)
        seed("segment", "bools-\(i)-\(c)", [3, c.rawValue] + varint(UInt64(v.count)) + b)
    }
    let strings: [[[UInt8]]] = [Array(repeating: Array("same".utf8), count: 5), ["a", "", "日本", "x y z"].map { Array($0.utf8) }]
    for (i, v) in strings.enumerated() {
        var b: [UInt8] = []
        let c = StringColumn.encode(v, into: &b)
        seed("segment", "strings-\(i)-\(c)", [4, c.rawValue] + varint(UInt64(v.count)) + b)
    }
    let text = Array(String(repeating: "cpu,host=server01,region=us-west usage_idle=99.5 ", count: 20).utf8)
    for method in [BlockCompression.lz4, .zstd] {
        var comp: [UInt8] = []
        BlockCompression.compress(text, method: method, level: 3, into: &comp)
        seed("segment", "compressed-\(method)", [5, method.rawValue] + varint(UInt64(text.count)) + comp)
    }
    seed("segment", "compressed-none", [5, 0, 5] + Array("hello".utf8))
    var forBytes: [UInt8] = []
    let forValues = (0..<300).map { Int64($0 % 17) - 8 }
    forValues.withUnsafeBufferPointer { FORPacker.encode($0, into: &forBytes) }
    seed("segment", "for-packer", [6] + varint(UInt64(forValues.count)) + forBytes)

    // Stored blocks, one per value type, plain and compressed (the harness appends the CRC).
    let n = 150
    let times = (0..<n).map { 1_700_000_000_000_000_000 + Int64($0) * 1_000_000_000 }
    let columns: [ColumnValues] = [
        .float((0..<n).map { Double($0) * 0.25 }), .integer((0..<n).map { Int64($0) - 75 }),
        .unsigned((0..<n).map { UInt64($0) << 40 }), .boolean((0..<n).map { $0 % 5 == 0 }),
        .string((0..<n).map { "s\($0 % 7)" }),
    ]
    for values in columns {
        for compression in [BlockCompression.none, .lz4, .zstd] {
            var scratch: [UInt8] = []
            var block: [UInt8] = []
            _ = BlockCodec.encode(timestamps: times[...], values: values, range: 0..<n, compression: compression,
                                  level: 3, scratch: &scratch, into: &block)
            let type = values.type
            let typeIndex = UInt8(ValueType.allCases.firstIndex(of: type)!)
            // flags: bit 0 clear (the harness appends the CRC), bits 1-2 pick the re-encoding compression.
            seed("segment", "block-\(type)-\(compression)",
                 [7, typeIndex] + varint(UInt64(n - 1)) + [compression.rawValue << 1] + block.dropLast(4))
        }
    }

    // Whole segment files written by SegmentWriter.
    let dir = fuzzTempDirectory
    // The third file's series table is compressed as it grows (two zstd frames).
    for (i, (compression, spill)) in [(BlockCompression.none, 1 << 20), (.zstd, 1 << 20), (.zstd, 64)].enumerated() {
        let w = try SegmentWriter(directory: dir, seq: UInt64(i + 1), compression: compression, level: 3, tableSpill: spill)
        var id: UInt32 = 1
        for values in columns {
            let k = SeriesKey("m", ["t": "\(values.type)"], field: "f").canonicalBytes
            let m = 20
            let cols = SampleColumns(timestamps: Array(times[0..<m]), values: {
                var c = ColumnValues(type: values.type)
                c.append(from: values, range: 0..<m)
                return c
            }())
            try w.add(id: id, type: values.type, canonical: k, columns: cols)
            id += 2
        }
        w.replaces = [7, 9]
        try w.finish()
        guard let bytes = readFile(w.path) else { fatalError("cannot read \(w.path)") }
        seed("segment", i == 2 ? "file-streamed-series-table" : "file-\(compression)", [8, 0] + bytes)
        if i == 1 {
            // The same file with its series table stored uncompressed, so that mutations reach the
            // table parser instead of breaking the zstd frame.
            seed("segment", "file-plain-series-table", [8, 0] + (try uncompressedSeriesTable(bytes)))
        }
        unlink(w.path)
    }
    seed("segment", "series-key", [9] + SeriesKey("cpu", ["host": "a", "region": "west"], field: "usage").canonicalBytes)

    // Rollup blocks and a rollup segment file (docs/format/rollup.md).
    var rollups: [RollupColumns] = []
    // Counter-like buckets, so every column mode occurs: min equals first in some buckets
    // (exceptions), max equals last in all (reference), increase is the difference of
    // consecutive lasts except in every fifth bucket (exceptions).
    for type in [ValueType.float, .integer] {
        var c = RollupColumns(type: type)
        for k in 0..<40 {
            c.starts.append(1_700_000_000_000_000_000 + Int64(k) * 300_000_000_000)
            c.counts.append(30 - Int64(k % 3))
            c.firstTimes.append(Int64(k % 2) * 1_000_000)
            c.lastTimes.append(290_000_000_000)
            if type == .float {
                c.sums.append(Double(k) * 30.25); c.firsts.append(Double(k) + 0.25); c.lasts.append(Double(k * k) + 1)
                c.mins.append(k % 4 == 0 ? c.firsts[k] : Double(k)); c.maxs.append(c.lasts[k])
                c.increases.append(k > 0 && k % 5 != 0 ? c.lasts[k] - c.lasts[k - 1] : Double(k * k) * 0.5)
            } else {
                c.isums.append(Int64(k) * 300); c.ifirsts.append(Int64(k)); c.ilasts.append(Int64(k * k) + 7)
                c.imins.append(k % 4 == 0 ? c.ifirsts[k] : Int64(k) - 3); c.imaxs.append(c.ilasts[k])
                c.increases.append(k > 0 && k % 5 != 0 ? Double(c.ilasts[k]) - Double(c.ilasts[k - 1]) : Double(k * k) * 0.5)
            }
        }
        rollups.append(c)
        for compression in [BlockCompression.none, .zstd] {
            var scratch: [UInt8] = []
            var block: [UInt8] = []
            _ = RollupBlockCodec.encode(c, range: 0..<c.count, compression: compression, level: 3, scratch: &scratch, into: &block)
            seed("segment", "rollup-block-\(type)-\(compression)",
                 [10, type == .float ? 0 : 1] + varint(UInt64(c.count - 1)) + [compression.rawValue << 1]
                    + varint(UInt64(bitPattern: c.starts[0])) + block.dropLast(4))
            // One bucket: the single-bucket body (no column framing).
            block.removeAll()
            _ = RollupBlockCodec.encode(c, range: 3..<4, compression: compression, level: 3, scratch: &scratch, into: &block)
            seed("segment", "rollup-block-single-\(type)-\(compression)",
                 [10, type == .float ? 0 : 1] + varint(0) + [compression.rawValue << 1]
                    + varint(UInt64(bitPattern: c.starts[3])) + block.dropLast(4))
        }
    }
    let rw = try SegmentWriter(directory: dir, seq: 3, kind: .rollups, compression: .none, level: 3)
    for (i, c) in rollups.enumerated() {
        try rw.add(id: UInt32(i + 1), type: c.type, canonical: SeriesKey("m", ["i": "\(i)"], field: "f").canonicalBytes, rollups: c)
    }
    try rw.finish()
    guard let rbytes = readFile(rw.path) else { fatalError("cannot read \(rw.path)") }
    seed("segment", "rollup-file", [8, 0] + (try uncompressedSeriesTable(rbytes)))
    unlink(rw.path)
}

/// Rewrites a segment file with its series table stored uncompressed (method 0), fixing the
/// footer's index length and both checksums.
func uncompressedSeriesTable(_ file: [UInt8]) throws -> [UInt8] {
    func u64(_ o: Int) -> Int { file[o..<(o + 8)].reversed().reduce(0) { $0 << 8 | Int($1) } }
    let fo = file.count - 64
    let indexOffset = u64(fo)
    let body = Array(file[indexOffset..<(fo - 4)])
    precondition(body[0] == BlockCompression.zstd.rawValue)
    var pos = 1
    let rawLen = try body.withUnsafeBytes { try Varint.get($0, at: &pos) }
    var raw: [UInt8] = []
    try BlockCompression.decompress(Array(body[pos...]), method: .zstd, decompressedSize: Int(rawLen), into: &raw)
    var index: [UInt8] = [BlockCompression.none.rawValue] + raw
    let crc = index.withUnsafeBytes { CRC32C.checksum($0) }
    withUnsafeBytes(of: crc.littleEndian) { index.append(contentsOf: $0) }
    var footer = Array(file[fo...])
    withUnsafeBytes(of: UInt64(index.count).littleEndian) { footer.replaceSubrange(8..<16, with: $0) }
    let fcrc = footer[0..<56].withUnsafeBytes { CRC32C.checksum($0) }
    withUnsafeBytes(of: fcrc.littleEndian) { footer.replaceSubrange(56..<60, with: $0) }
    return Array(file[..<indexOffset]) + index + footer
}

// MARK: - main

@main struct Main {
    static func main() throws {
        for (name, text) in lineProtocol { seed("lineprotocol", name, text) }
        collectdSeeds()
        for (name, text) in writeHTTP { seed("writehttp", name, text) }
        for (name, text) in graphite { seed("graphite", name, text) }
        walSeeds()
        try segmentSeeds()
        for (name, text) in influxql { seed("influxql", name, text) }
        removeFuzzTempDirectory()
        print("make-seeds: wrote \(written) seeds under \(root)")
    }
}
