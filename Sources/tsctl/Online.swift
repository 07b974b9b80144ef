import ArgumentParser
import Foundation
import InfluxQL
import TSAuth
import TSClient
import TSSupport

/// Exit codes of the commands that talk to tsdbd (docs/tsctl.md).
enum Exit {
    /// A statement failed (its error is printed; other statements' results are printed too).
    static let statementError: Int32 = 1
    /// The query does not parse, or the server refused the request (4xx).
    static let badQuery: Int32 = 2
    /// tsdbd could not be reached, or the connection failed.
    static let unreachable: Int32 = 3
    /// The server failed (5xx) or answered something that is not a query response.
    static let serverError: Int32 = 4
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

struct ServerOptions: ParsableArguments {
    @Option(help: "The tsdbd HTTP address (also TSDBD_URL).")
    var url: String = ProcessInfo.processInfo.environment["TSDBD_URL"] ?? "http://127.0.0.1:8086"

    @Option(help: "The database (also TSDBD_DB).")
    var db: String?

    /// `--db`, else `TSDBD_DB`.
    var database: String? { db ?? ProcessInfo.processInfo.environment["TSDBD_DB"] }

    @Option(help: "Seconds to wait for the server.")
    var timeout: Double = 30

    @Option(help: "Output format.")
    var format: OutputFormat = .table

    @Flag(help: "Print times as integer nanoseconds instead of RFC 3339.")
    var epoch = false

    @OptionGroup var tls: TLSOptions
}

/// Certificate checks for `https://` URLs (docs/security.md).
struct TLSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A PEM file of CA certificates to trust for https://, besides the system's (also TSDBD_CACERT).", valueName: "file"))
    var cacert: String?

    @Flag(help: "Do not verify the server's certificate and host name for https:// (like curl -k).")
    var insecure = false

    /// `--cacert`, else a non-empty `TSDBD_CACERT`.
    var caFile: String? {
        cacert ?? ProcessInfo.processInfo.environment["TSDBD_CACERT"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// The HTTP client for tsdbd at `url`, with the credentials and TLS settings.
func makeClient(_ url: String, timeout: Double, _ tls: TLSOptions) throws -> TSDBClient {
    try TSDBClient(baseURL: url, timeoutSeconds: timeout, headers: credentialHeaders(),
                   caFile: tls.caFile, insecure: tls.insecure)
}

/// Basic auth from TSDBD_USERNAME and TSDBD_PASSWORD when both are set (tsdbd --auth-enabled).
/// Environment only: a secret on the command line shows in `ps`.
func credentialHeaders() -> [(String, String)] {
    let env = ProcessInfo.processInfo.environment
    guard let u = env["TSDBD_USERNAME"], let p = env["TSDBD_PASSWORD"] else { return [] }
    return [("Authorization", "Basic " + Base64.encode(Array("\(u):\(p)".utf8)))]
}

/// Sends InfluxQL to tsdbd and returns the decoded results; errors exit with the codes above.
func runRemote(_ q: String, _ s: ServerOptions) throws -> [StatementResult] {
    let statements: [Statement]
    do {
        statements = try InfluxQLParser.parse(q)
    } catch {
        fail("error parsing query: \(error)", Exit.badQuery)
    }
    // Statements that change data need POST, as in InfluxDB.
    let writes = statements.contains(where: \.changesData)
    var params = [("q", q), ("epoch", "ns")]
    if let db = s.database { params.append(("db", db)) }
    let response: ClientResponse
    do {
        let client = try makeClient(s.url, timeout: s.timeout, s.tls)
        response = writes
            ? try client.post("/query", query: params, body: [], contentType: "application/x-www-form-urlencoded")
            : try client.get("/query", query: params)
    } catch let e as ClientError {
        if case .badURL = e { fail("\(e)", Exit.badQuery) }
        fail("\(e)", Exit.unreachable)
    }
    do {
        let results = try QueryResponse.decode(response.body)
        if response.status >= 500 { fail("server error \(response.status)", Exit.serverError) }
        return results
    } catch ClientError.server(let message) {
        fail(message, response.status >= 500 ? Exit.serverError : Exit.badQuery)
    } catch {
        fail("unexpected answer from \(s.url) (HTTP \(response.status)): \(error)", Exit.serverError)
    }
}

func fail(_ message: String, _ code: Int32) -> Never {
    FileHandle.standardError.write(Data(("tsctl: " + message + "\n").utf8))
    exit(code)
}

/// Prints results in the chosen format; statement errors go to stderr and set exit code 1.
func printResults(_ results: [StatementResult], _ s: ServerOptions) throws {
    let time: TimeFormat = s.epoch ? .epoch : .rfc3339
    var ok = results
    for i in ok.indices where ok[i].error != nil {
        FileHandle.standardError.write(Data("ERR: \(ok[i].error!)\n".utf8))
        ok[i].error = nil
    }
    let text: String
    switch s.format {
    case .table: text = TableRenderer.render(ok, timeFormat: time)
    case .csv: text = CSVRenderer.render(ok, timeFormat: time)
    case .json: text = ResultEncoding.json(results, time: .epoch(unit: 1)) + "\n"
    }
    print(text, terminator: text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
    if results.contains(where: { $0.error != nil }) { throw ExitCode(Exit.statementError) }
}

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run InfluxQL against tsdbd and print the results.",
        discussion: """
            Examples:
              tsctl query 'SHOW MEASUREMENTS' --db collectd
              tsctl query 'SELECT mean("value") FROM "cpu_value" WHERE time > now() - 1h GROUP BY time(1m)' --db collectd --plot
            Exit codes: 0 ok, 1 a statement failed, 2 bad query or request, 3 server unreachable, 4 server error.
            """)

    @Argument(help: "InfluxQL; several statements may be separated by ';'.") var query: String
    @OptionGroup var server: ServerOptions
    @Flag(help: "Draw each series as a line chart in the terminal.") var plot = false
    @Option(help: "Chart height in lines (with --plot).") var height = 16

    func run() throws {
        let results = try runRemote(query, server)
        if plot {
            let series = results.flatMap(\.series)
            for r in results { if let e = r.error { FileHandle.standardError.write(Data("ERR: \(e)\n".utf8)) } }
            if series.isEmpty {
                print("(no data)")
            } else {
                let color = isatty(STDOUT_FILENO) != 0
                print(Plot.render(series, width: Plot.terminalWidth(), height: height, color: color), terminator: "")
            }
            if results.contains(where: { $0.error != nil }) { throw ExitCode(Exit.statementError) }
            return
        }
        try printResults(results, server)
    }
}

struct Measurements: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the measurements of a database.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Only names matching this regular expression.") var match: String?

    func run() throws {
        var q = "SHOW MEASUREMENTS"
        if let m = match { q += " WITH MEASUREMENT =~ /\(m.replacingOccurrences(of: "/", with: "\\/"))/" }
        try printResults(try runRemote(q, server), server)
    }
}

struct Tags: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the tag keys and values of a measurement.")
    @Argument(help: "The measurement.") var measurement: String
    @OptionGroup var server: ServerOptions
    @Option(help: "Only this tag key.") var key: String?

    func run() throws {
        let m = InfluxQLQuote.identifier(measurement)
        let q = key.map { "SHOW TAG VALUES FROM \(m) WITH KEY = \(InfluxQLQuote.identifier($0))" } ?? "SHOW TAG VALUES FROM \(m) WITH KEY =~ /.*/"
        try printResults(try runRemote(q, server), server)
    }
}

struct Series: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List series keys.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Only this measurement.") var measurement: String?
    @Option(help: "An InfluxQL tag condition, e.g. \"host = 'hv01'\".") var `where`: String?
    @Option(help: "At most this many series.") var limit: Int?

    func run() throws {
        var q = "SHOW SERIES"
        if let m = measurement { q += " FROM " + InfluxQLQuote.identifier(m) }
        if let w = `where` { q += " WHERE " + w }
        if let l = limit { q += " LIMIT \(l)" }
        try printResults(try runRemote(q, server), server)
    }
}

/// Fetches `/api/v1/stats` as a JSON object.
func fetchStats(_ s: ServerOptions) -> JSONValue {
    do {
        let r = try makeClient(s.url, timeout: s.timeout, s.tls).get("/api/v1/stats", query: [])
        guard r.status == 200, case let obj = try JSONReader.parse(r.body), case .object = obj else {
            fail("unexpected answer from \(s.url)/api/v1/stats (HTTP \(r.status))", Exit.serverError)
        }
        return obj
    } catch let e as ClientError {
        fail("\(e)", Exit.unreachable)
    } catch {
        fail("bad stats answer: \(error)", Exit.serverError)
    }
}

/// Rows of text columns, left-aligned, with a dashed underline under the header.
func textTable(_ header: [String], _ rows: [[String]]) -> String {
    var w = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() { w[i] = max(w[i], c.count) } }
    func line(_ r: [String]) -> String {
        r.enumerated().map { i, c in c + String(repeating: " ", count: w[i] - c.count) }.joined(separator: "  ").trimmingTrailing()
    }
    return ([line(header), line(w.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n") + "\n"
}

extension String {
    fileprivate func trimmingTrailing() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

func fmtTime(_ v: JSONValue?) -> String {
    guard let n = v?.int64Value else { return "-" }
    return RFC3339.format(n)
}

func fmtBytes(_ v: JSONValue?) -> String {
    let b = v?.doubleValue ?? 0
    let kib = 1024.0, mib = kib * 1024, gib = mib * 1024
    if b >= gib { return String(format: "%.2f GiB", b / gib) }
    if b >= mib { return String(format: "%.1f MiB", b / mib) }
    if b >= kib { return String(format: "%.1f KiB", b / kib) }
    return "\(Int(b)) B"
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Disk usage per database and storage level (raw and rollups).")
    @OptionGroup var server: ServerOptions

    func run() throws {
        let obj = fetchStats(server)
        if server.format == .json {
            print(obj.compactText)
            return
        }
        func number(_ v: JSONValue?) -> String { v?.int64Value.map(String.init) ?? "0" }
        var rows: [[String]] = []
        for d in obj["databases"]?.arrayValue ?? [] {
            let name = d["name"]?.stringValue ?? "?"
            rows.append([name, "raw", number(d["series"]), number(d["segments"]), fmtBytes(d["segment_bytes"]),
                         fmtTime(d["raw_min_time"]), fmtTime(d["raw_max_time"])])
            for t in d["tiers"]?.arrayValue ?? [] {
                rows.append([name, "raw " + (t["window"]?.stringValue ?? "?") + " windows", "", number(t["segments"]), fmtBytes(t["bytes"]), "", ""])
            }
            for l in d["levels"]?.arrayValue ?? [] {
                rows.append([name, l["name"]?.stringValue ?? "?", number(l["series"]), number(l["segments"]), fmtBytes(l["segment_bytes"]),
                             fmtTime(l["min_time"]), fmtTime(l["max_time"])])
            }
        }
        print(textTable(["database", "level", "series", "segments", "bytes", "from", "to"], rows), terminator: "")
        print("WAL: \(fmtBytes(obj["wal_bytes"]))")
        let sealed = Double(obj["sealed_bytes"]?.int64Value ?? 0), compacted = Double(obj["compacted_bytes"]?.int64Value ?? 0)
        if sealed > 0 {
            print("compactions: \(number(obj["compactions"])), raw write amplification since start: \(String(format: "%.2f", (sealed + compacted) / sealed))")
        }
    }
}

struct Rollup: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Downsampling rollups.", subcommands: [RollupStatus.self])
}

struct RollupStatus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status",
        abstract: "Per level: covered range, lag behind sealed raw data, and raw data not rolled up yet.")
    @OptionGroup var server: ServerOptions

    func run() throws {
        let obj = fetchStats(server)
        var rows: [[String]] = []
        for d in obj["databases"]?.arrayValue ?? [] {
            let name = d["name"]?.stringValue ?? "?"
            let pending = d["rollup_complete_before"]?.int64Value.map { "since " + RFC3339.format($0) } ?? "none"
            for l in d["levels"]?.arrayValue ?? [] {
                let lag = l["lag_ns"]?.int64Value.map { InfluxQLDuration.format($0) } ?? "-"
                rows.append([name, l["name"]?.stringValue ?? "?", fmtTime(l["min_time"]), fmtTime(l["max_time"]), lag, pending])
            }
        }
        print(textTable(["database", "level", "from", "to", "lag", "not rolled up"], rows), terminator: "")
    }
}

struct Accounting: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accounting reports: CPU, wall×vCPU and HS06 hours (docs/accounting.md).",
                                                    subcommands: [AccountingReportCommand.self, AccountingRun.self])
}

enum AccountingFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json, apel
}

struct AccountingReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report",
        abstract: "Usage per VM, project, hypervisor and/or site over a month or a time range.",
        discussion: """
            Examples:
              tsctl accounting report --by project --month 2026-01
              tsctl accounting report --by vm,project --from 2026-01-01T00:00:00Z --to 2026-01-08T00:00:00Z --format csv
              tsctl accounting report --by vm --month 2026-01 --format apel            # APEL cloud records
              tsctl accounting report --month 2026-01 --format apel --summary          # APEL cloud summaries
            """)
    @Option(help: "The tsdbd HTTP address (also TSDBD_URL).")
    var url: String = ProcessInfo.processInfo.environment["TSDBD_URL"] ?? "http://127.0.0.1:8086"
    @Option(help: "The database with the collectd data (default: the server's --accounting-db).")
    var db: String?
    @Option(help: "Group by these, comma-separated: vm, project, hypervisor, site.") var by: String = "vm"
    @Option(help: "A UTC month, e.g. 2026-01.") var month: String?
    @Option(help: "Start (RFC3339, inclusive).") var from: String?
    @Option(help: "End (RFC3339, exclusive).") var to: String?
    @Option(help: "Output format.") var format: AccountingFormat = .table
    @Flag(help: "With --format apel: summary records per site, project and month.") var summary = false
    @Option(help: "Seconds to wait for the server.") var timeout: Double = 120
    @OptionGroup var tls: TLSOptions

    func validate() throws {
        if month != nil && (from != nil || to != nil) { throw ValidationError("give --month or --from/--to, not both") }
        if month == nil && from == nil && to == nil { throw ValidationError("give --month YYYY-MM or --from/--to") }
    }

    func run() throws {
        var q: [(String, String)] = [("by", by), ("format", format.rawValue)]
        if let db { q.append(("db", db)) }
        if let month { q.append(("month", month)) }
        if let from { q.append(("from", from)) }
        if let to { q.append(("to", to)) }
        if summary { q.append(("summary", "true")) }
        let r: ClientResponse
        do {
            r = try makeClient(url, timeout: timeout, tls).get("/api/v1/accounting/report", query: q)
        } catch let e as ClientError {
            if case .badURL = e { fail("\(e)", Exit.badQuery) }
            fail("\(e)", Exit.unreachable)
        }
        let body = String(decoding: r.body, as: UTF8.self)
        guard r.status == 200 else {
            let msg = (try? JSONReader.parse(r.body))?["error"]?.stringValue ?? body
            fail(msg, r.status >= 500 ? Exit.serverError : Exit.badQuery)
        }
        print(body, terminator: body.hasSuffix("\n") ? "" : "\n")
    }
}

struct AccountingRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the accounting job now (it also runs every --accounting-interval).")
    @Option(help: "The tsdbd HTTP address (also TSDBD_URL).")
    var url: String = ProcessInfo.processInfo.environment["TSDBD_URL"] ?? "http://127.0.0.1:8086"
    @Option(help: "Seconds to wait for the server.") var timeout: Double = 600
    @OptionGroup var tls: TLSOptions

    func run() throws {
        do {
            let r = try makeClient(url, timeout: timeout, tls).post("/api/v1/accounting/run", query: [], body: [], contentType: "text/plain")
            print(String(decoding: r.body, as: UTF8.self))
            if r.status != 200 { throw ExitCode(r.status >= 500 ? Exit.serverError : Exit.badQuery) }
        } catch let e as ClientError {
            fail("\(e)", Exit.unreachable)
        }
    }
}
