/// A statement-level failure; its message is reported in that statement's `error`.
public struct QueryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
