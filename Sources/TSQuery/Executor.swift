import InfluxQL
import TSEngine

public struct QueryOptions: Sendable {
    /// The time `now()` stands for, in nanoseconds since the epoch.
    public var now: Int64
    /// The most buckets one GROUP BY time query may produce per group (InfluxDB's max-select-buckets).
    public var maxBuckets: Int
    /// Whether CREATE DATABASE, DROP DATABASE, DROP SERIES and DELETE may run.
    public var allowWrites: Bool
    /// Which storage level answers aggregates (docs/rollups.md).
    public var level: LevelChoice

    public init(now: Int64, maxBuckets: Int = 1_000_000, allowWrites: Bool = true, level: LevelChoice = .auto) {
        self.now = now
        self.maxBuckets = maxBuckets
        self.allowWrites = allowWrites
        self.level = level
    }
}

/// Runs InfluxQL against an engine. Each statement succeeds or fails on its own, as in
/// InfluxDB: a failed statement carries its error and the others still run.
public struct QueryExecutor: Sendable {
    public let engine: Engine

    public init(engine: Engine) {
        self.engine = engine
    }

    /// Parses and runs `query`; throws `ParseError` when it does not parse (HTTP 400 in InfluxDB).
    public func execute(_ query: String, database: String?, options: QueryOptions) throws -> [StatementResult] {
        execute(try InfluxQLParser.parse(query), database: database, options: options)
    }

    /// As in InfluxDB, the statements after a failed one are not executed (their result says so).
    public func execute(_ statements: [Statement], database: String?, options: QueryOptions) -> [StatementResult] {
        var failed = false
        return statements.enumerated().map { i, s in
            if failed { return StatementResult(statementID: i, error: "not executed") }
            do {
                return try run(s, id: i, database: database, options: options)
            } catch let e as QueryError {
                failed = true
                return StatementResult(statementID: i, error: e.message)
            } catch EngineError.databaseNotFound(let n) {
                failed = true
                return StatementResult(statementID: i, error: "database not found: \(n)")
            } catch {
                failed = true
                return StatementResult(statementID: i, error: "\(error)")
            }
        }
    }

    private func run(_ s: Statement, id: Int, database: String?, options: QueryOptions) throws -> StatementResult {
        let meta = MetaExecutor(engine: engine, defaultDatabase: database, options: options)
        switch s {
        case .select(let sel):
            let (series, level) = try SelectExecutor(engine: engine, defaultDatabase: database, stmt: sel, options: options).run()
            return StatementResult(statementID: id, series: series, hasTime: true, level: level)
        default:
            return StatementResult(statementID: id, series: try meta.run(s))
        }
    }
}
