@testable import CollectdProtocol

func hex(_ s: String) -> [UInt8] {
    let chars = Array(s.utf8).filter { $0 != 10 && $0 != 32 && $0 != 13 }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 2)
    func nib(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: fatalError("bad hex")
        }
    }
    var i = 0
    while i + 1 < chars.count { out.append(nib(chars[i]) << 4 | nib(chars[i + 1])); i += 2 }
    return out
}

func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
func u64be(_ v: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8((v >> (8 * UInt64($0))) & 0xff) } }
func u64le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xff) } }

/// Parses, collecting value lists delivered before any error.
func parseAll(_ packet: [UInt8], parser: CollectdParser = CollectdParser())
    -> (lists: [CollectdValueList], stats: ParseStats?, error: CollectdError?) {
    var lists: [CollectdValueList] = []
    do {
        let stats = try parser.parse(packet) { lists.append($0) }
        return (lists, stats, nil)
    } catch let e as CollectdError {
        return (lists, nil, e)
    } catch {
        fatalError("unexpected error type \(error)")
    }
}
