/// Users and passwords in collectd's AuthFile format: one `username: password` per line.
/// Blank lines and lines starting with `#` are ignored; whitespace around both fields is trimmed.
public struct CollectdAuth: Sendable {
    private var users: [String: String] = [:]

    public init(file contents: String) {
        for raw in contents.split(omittingEmptySubsequences: true, whereSeparator: { $0.isNewline }) {
            let line = trim(raw)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let user = trim(line[..<colon])
            let password = trim(line[line.index(after: colon)...])
            if user.isEmpty { continue }
            users[String(user)] = String(password)
        }
    }

    public init(users: [String: String]) { self.users = users }

    public func password(for user: String) -> String? { users[user] }
}

@inline(__always)
func trim<S: StringProtocol>(_ s: S) -> Substring {
    var sub = Substring(s)
    while let f = sub.first, f == " " || f == "\t" { sub.removeFirst() }
    while let l = sub.last, l == " " || l == "\t" || l == "\r" { sub.removeLast() }
    return sub
}
