/// One value of a collectd value list, tagged with its data-source type.
public enum CollectdValue: Sendable, Equatable {
    case counter(UInt64)
    case gauge(Double)
    case derive(Int64)
    case absolute(UInt64)

    /// The value as a Double (counters/absolutes/derives converted as InfluxDB does).
    public var doubleValue: Double {
        switch self {
        case .counter(let v): return Double(v)
        case .gauge(let v): return v
        case .derive(let v): return Double(v)
        case .absolute(let v): return Double(v)
        }
    }

    public static func == (a: CollectdValue, b: CollectdValue) -> Bool {
        switch (a, b) {
        case (.counter(let x), .counter(let y)): return x == y
        case (.derive(let x), .derive(let y)): return x == y
        case (.absolute(let x), .absolute(let y)): return x == y
        // Bit-pattern equality so that NaN == NaN in tests.
        case (.gauge(let x), .gauge(let y)): return x.bitPattern == y.bitPattern || x == y
        default: return false
        }
    }
}

/// A dispatched value list: identifier, time, interval and values.
public struct CollectdValueList: Sendable, Equatable {
    public var host: String = ""
    public var plugin: String = ""
    public var pluginInstance: String = ""
    public var type: String = ""
    public var typeInstance: String = ""
    /// Nanoseconds since the Unix epoch.
    public var time: Int64 = 0
    /// Nanoseconds.
    public var interval: Int64 = 0
    public var values: [CollectdValue] = []

    public init(host: String = "", plugin: String = "", pluginInstance: String = "", type: String = "",
                typeInstance: String = "", time: Int64 = 0, interval: Int64 = 0, values: [CollectdValue] = []) {
        self.host = host
        self.plugin = plugin
        self.pluginInstance = pluginInstance
        self.type = type
        self.typeInstance = typeInstance
        self.time = time
        self.interval = interval
        self.values = values
    }
}

/// Which packets the receiver accepts (collectd's `SecurityLevel`).
public enum SecurityLevel: Sendable, Equatable {
    /// Everything is processed; signatures are verified when the user is known, encrypted parts decrypted.
    case none
    /// Only parts covered by a valid signature or inside an encrypted part are processed.
    case sign
    /// Only parts inside an encrypted part are processed.
    case encrypt
}

/// Part type codes of the binary protocol.
public enum CollectdPartType {
    public static let host: UInt16 = 0x0000
    public static let time: UInt16 = 0x0001
    public static let plugin: UInt16 = 0x0002
    public static let pluginInstance: UInt16 = 0x0003
    public static let type: UInt16 = 0x0004
    public static let typeInstance: UInt16 = 0x0005
    public static let values: UInt16 = 0x0006
    public static let interval: UInt16 = 0x0007
    public static let timeHR: UInt16 = 0x0008
    public static let intervalHR: UInt16 = 0x0009
    public static let message: UInt16 = 0x0100
    public static let severity: UInt16 = 0x0101
    public static let signature: UInt16 = 0x0200
    public static let encryption: UInt16 = 0x0210
}

/// Errors thrown by `CollectdParser.parse`. Offsets are byte offsets within the buffer being
/// parsed (for parts inside an encrypted part: within the decrypted payload).
public enum CollectdError: Error, Sendable, Equatable {
    /// Fewer than 4 bytes remain, or the part's length runs past the end of the packet.
    case truncatedPart(type: UInt16, offset: Int)
    /// The part's length field is < 4 or wrong for its type.
    case invalidPartLength(type: UInt16, offset: Int, length: Int)
    /// A string part does not end in a NUL byte.
    case missingNul(type: UInt16, offset: Int)
    /// A values part announces zero values or a length different from 6 + 9·count.
    case invalidValueCount(offset: Int, count: Int, length: Int)
    /// A values part uses a data-source type code other than 0...3.
    case unknownValueType(code: UInt8, offset: Int)
    /// A time/interval does not fit into Int64 nanoseconds.
    case timeOutOfRange(type: UInt16, offset: Int)
    /// A signed or encrypted part names a user absent from the auth file (or no auth file is configured).
    case unknownUser(String)
    /// The HMAC-SHA-256 of a signed part does not match.
    case signatureMismatch(user: String)
    /// The SHA-1 inside an encrypted part does not match after decryption (wrong password or corruption).
    case decryptionFailed(user: String)
    /// Encryption / signature parts nested deeper than the parser allows.
    case nestingTooDeep(offset: Int)
    /// libcrypto reported an internal failure.
    case cryptoFailure
}

/// Counters describing one `parse` call.
public struct ParseStats: Sendable, Equatable {
    public var valueLists = 0
    public var unknownParts = 0
    /// Parts skipped because the security level requires a signature or encryption.
    public var ignoredParts = 0
    /// Signature parts whose MAC was verified.
    public var verifiedSignatures = 0
    /// Signature parts accepted without verification (security level none, user unknown).
    public var unverifiedSignatures = 0
    public var decryptedParts = 0
    /// Notification message parts (parsed and validated, not delivered).
    public var notifications = 0
    public init() {}
}
