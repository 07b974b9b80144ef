import TSSupport
/// Parser for collectd's binary network protocol (the `network` plugin, UDP port 25826).
///
/// Every read is bounds-checked; a malformed part throws a `CollectdError` and stops the packet,
/// but value lists dispatched before the error have already been delivered to the callback.
public struct CollectdParser: Sendable {
    public var securityLevel: SecurityLevel
    public var auth: CollectdAuth?
    /// Maximum nesting of encrypted parts inside encrypted parts.
    public static let maxNestingDepth = 4
    /// collectd's default maximum UDP payload. Not enforced by the parser.
    public static let defaultPacketSize = 1452

    public init(securityLevel: SecurityLevel = .none, auth: CollectdAuth? = nil) {
        self.securityLevel = securityLevel
        self.auth = auth
    }

    @discardableResult
    public func parse(_ packet: UnsafeRawBufferPointer,
                      onValueList: (CollectdValueList) -> Void) throws -> ParseStats {
        var stats = ParseStats()
        try parseBuffer(packet, signed: false, encrypted: false, depth: 0, stats: &stats, onValueList)
        return stats
    }

    @discardableResult
    public func parse(_ packet: [UInt8], onValueList: (CollectdValueList) -> Void) throws -> ParseStats {
        try packet.withUnsafeBytes { try parse($0, onValueList: onValueList) }
    }

    /// Convenience: collect every value list; rethrows the first error (earlier lists are lost).
    public func parse(_ packet: [UInt8]) throws -> [CollectdValueList] {
        var out: [CollectdValueList] = []
        try parse(packet) { out.append($0) }
        return out
    }

    // MARK: - Internals

    private func parseBuffer(_ buf: UnsafeRawBufferPointer, signed: Bool, encrypted: Bool, depth: Int,
                             stats: inout ParseStats, _ deliver: (CollectdValueList) -> Void) throws {
        var vl = CollectdValueList()
        var off = 0
        let end = buf.count
        while off < end {
            let remaining = end - off
            if remaining < 4 {
                let t: UInt16 = remaining >= 2 ? be16(buf, off) : 0
                throw CollectdError.truncatedPart(type: t, offset: off)
            }
            let type = be16(buf, off)
            let length = Int(be16(buf, off + 2))
            if length < 4 { throw CollectdError.invalidPartLength(type: type, offset: off, length: length) }
            if length > remaining { throw CollectdError.truncatedPart(type: type, offset: off) }
            let body = UnsafeRawBufferPointer(rebasing: buf[(off + 4)..<(off + length)])

            if type == CollectdPartType.encryption {
                try handleEncrypted(body, offset: off, length: length, signed: signed, depth: depth,
                                    stats: &stats, deliver)
                off += length
                continue
            }
            if securityLevel == .encrypt && !encrypted {
                stats.ignoredParts += 1
                off += length
                continue
            }
            if type == CollectdPartType.signature {
                guard body.count > 32 else {
                    throw CollectdError.invalidPartLength(type: type, offset: off, length: length)
                }
                let user = String(decoding: UnsafeRawBufferPointer(rebasing: body[32...]), as: UTF8.self)
                guard let password = auth?.password(for: user) else {
                    if securityLevel == .none {
                        // Cannot verify: accept and keep going in the current state (collectd/InfluxDB behaviour).
                        stats.unverifiedSignatures += 1
                        off += length
                        continue
                    }
                    throw CollectdError.unknownUser(user)
                }
                // MAC covers username + everything after the signature part.
                let covered = UnsafeRawBufferPointer(rebasing: buf[(off + 36)..<end])
                guard let mac = CollectdCrypto.hmacSHA256(key: Array(password.utf8), data: covered) else {
                    throw CollectdError.cryptoFailure
                }
                guard CollectdCrypto.equal(mac, Array(UnsafeRawBufferPointer(rebasing: body[0..<32]))) else {
                    throw CollectdError.signatureMismatch(user: user)
                }
                stats.verifiedSignatures += 1
                let rest = UnsafeRawBufferPointer(rebasing: buf[(off + length)..<end])
                try parseBuffer(rest, signed: true, encrypted: encrypted, depth: depth, stats: &stats, deliver)
                return
            }
            if securityLevel == .sign && !signed && !encrypted {
                stats.ignoredParts += 1
                off += length
                continue
            }

            switch type {
            case CollectdPartType.host: vl.host = try string(body, type: type, offset: off)
            case CollectdPartType.plugin: vl.plugin = try string(body, type: type, offset: off)
            case CollectdPartType.pluginInstance: vl.pluginInstance = try string(body, type: type, offset: off)
            case CollectdPartType.type: vl.type = try string(body, type: type, offset: off)
            case CollectdPartType.typeInstance: vl.typeInstance = try string(body, type: type, offset: off)
            case CollectdPartType.time:
                let secs = try number(body, type: type, offset: off, length: length)
                vl.time = try secondsToNs(secs, type: type, offset: off)
            case CollectdPartType.interval:
                let secs = try number(body, type: type, offset: off, length: length)
                vl.interval = try secondsToNs(secs, type: type, offset: off)
            case CollectdPartType.timeHR:
                let hr = try number(body, type: type, offset: off, length: length)
                guard let ns = collectdHighResToNanoseconds(hr) else {
                    throw CollectdError.timeOutOfRange(type: type, offset: off)
                }
                vl.time = ns
            case CollectdPartType.intervalHR:
                let hr = try number(body, type: type, offset: off, length: length)
                guard let ns = collectdHighResToNanoseconds(hr) else {
                    throw CollectdError.timeOutOfRange(type: type, offset: off)
                }
                vl.interval = ns
            case CollectdPartType.values:
                vl.values = try values(body, offset: off, length: length)
                stats.valueLists += 1
                deliver(vl)
                vl.values = []
            case CollectdPartType.message:
                _ = try string(body, type: type, offset: off)
                stats.notifications += 1
            case CollectdPartType.severity:
                _ = try number(body, type: type, offset: off, length: length)
            default:
                stats.unknownParts += 1
            }
            off += length
        }
    }

    private func handleEncrypted(_ body: UnsafeRawBufferPointer, offset: Int, length: Int, signed: Bool, depth: Int,
                                 stats: inout ParseStats, _ deliver: (CollectdValueList) -> Void) throws {
        let type = CollectdPartType.encryption
        // u16 user length, user, 16-byte IV, 20-byte SHA-1, ≥ 1 payload byte.
        guard body.count >= 2 else { throw CollectdError.invalidPartLength(type: type, offset: offset, length: length) }
        let userLen = Int(be16(body, 0))
        guard userLen > 0, body.count >= 2 + userLen + 16 + 20 + 1 else {
            throw CollectdError.invalidPartLength(type: type, offset: offset, length: length)
        }
        guard depth < CollectdParser.maxNestingDepth else { throw CollectdError.nestingTooDeep(offset: offset) }
        let user = String(decoding: UnsafeRawBufferPointer(rebasing: body[2..<(2 + userLen)]), as: UTF8.self)
        guard let password = auth?.password(for: user) else { throw CollectdError.unknownUser(user) }
        let iv = Array(UnsafeRawBufferPointer(rebasing: body[(2 + userLen)..<(2 + userLen + 16)]))
        let cipher = Array(UnsafeRawBufferPointer(rebasing: body[(2 + userLen + 16)...]))
        let key = CollectdCrypto.sha256(Array(password.utf8))
        guard let plain = CollectdCrypto.aes256OFB(key: key, iv: iv, data: cipher) else {
            throw CollectdError.cryptoFailure
        }
        let payload = Array(plain[20...])
        guard CollectdCrypto.equal(CollectdCrypto.sha1(payload), Array(plain[0..<20])) else {
            throw CollectdError.decryptionFailed(user: user)
        }
        stats.decryptedParts += 1
        try payload.withUnsafeBytes {
            try parseBuffer($0, signed: signed, encrypted: true, depth: depth + 1, stats: &stats, deliver)
        }
    }

    private func string(_ body: UnsafeRawBufferPointer, type: UInt16, offset: Int) throws -> String {
        guard let last = body.last, last == 0 else { throw CollectdError.missingNul(type: type, offset: offset) }
        var n = 0
        while body[n] != 0 { n += 1 }  // terminates: the last byte is NUL
        return String(decoding: UnsafeRawBufferPointer(rebasing: body[0..<n]), as: UTF8.self)
    }

    private func number(_ body: UnsafeRawBufferPointer, type: UInt16, offset: Int, length: Int) throws -> UInt64 {
        guard body.count == 8 else { throw CollectdError.invalidPartLength(type: type, offset: offset, length: length) }
        return be64(body, 0)
    }

    private func secondsToNs(_ secs: UInt64, type: UInt16, offset: Int) throws -> Int64 {
        guard secs <= UInt64(Int64.max / 1_000_000_000) else {
            throw CollectdError.timeOutOfRange(type: type, offset: offset)
        }
        return Int64(secs) * 1_000_000_000
    }

    private func values(_ body: UnsafeRawBufferPointer, offset: Int, length: Int) throws -> [CollectdValue] {
        guard body.count >= 2 else {
            throw CollectdError.invalidValueCount(offset: offset, count: 0, length: length)
        }
        let count = Int(be16(body, 0))
        guard count > 0, length == 6 + 9 * count else {
            throw CollectdError.invalidValueCount(offset: offset, count: count, length: length)
        }
        var out: [CollectdValue] = []
        out.reserveCapacity(count)
        let dataStart = 2 + count
        for i in 0..<count {
            let code = body[2 + i]
            let p = dataStart + 8 * i
            switch code {
            case 0: out.append(.counter(be64(body, p)))
            case 1: out.append(.gauge(Double(bitPattern: le64(body, p))))
            case 2: out.append(.derive(Int64(bitPattern: be64(body, p))))
            case 3: out.append(.absolute(be64(body, p)))
            default: throw CollectdError.unknownValueType(code: code, offset: offset + 6 + i)
            }
        }
        return out
    }
}

/// Converts collectd's high-resolution time (units of 2^-30 s) to nanoseconds, truncating:
/// ns = (v · 10^9) >> 30, computed in 128 bits. Returns nil when the result exceeds Int64.
public func collectdHighResToNanoseconds(_ v: UInt64) -> Int64? {
    let (high, low) = v.multipliedFullWidth(by: 1_000_000_000)
    // high < 10^9 < 2^30, so high << 34 cannot overflow.
    let ns = (high << 34) | (low >> 30)
    return ns <= UInt64(Int64.max) ? Int64(ns) : nil
}

/// Converts nanoseconds to collectd's high-resolution units (inverse of the above, rounding down).
public func nanosecondsToCollectdHighRes(_ ns: Int64) -> UInt64 {
    let v = UInt64(max(ns, 0))
    // (ns << 30) / 10^9 in 128 bits.
    let high = v >> 34
    let low = v << 30
    return UInt64(1_000_000_000).dividingFullWidth((high, low)).quotient
}

// Fixed-width fields at offsets whose bounds the parser has already checked (ByteReader does
// the loads; an out-of-bounds offset would read as 0, never past the buffer).
@inline(__always) func be16(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt16 { (try? ByteReader.be(UInt16.self, b, at: i)) ?? 0 }
@inline(__always) func be64(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt64 { (try? ByteReader.be(UInt64.self, b, at: i)) ?? 0 }
@inline(__always) func le64(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt64 { (try? ByteReader.le(UInt64.self, b, at: i)) ?? 0 }
