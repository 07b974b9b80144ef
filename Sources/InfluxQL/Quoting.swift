/// Quoting of names and values for InfluxQL text, as InfluxDB 1.x does it (`QuoteIdent`, `QuoteString`).
public enum InfluxQLQuote {
    /// An identifier as InfluxQL text: left bare when it is a valid bare identifier (`[A-Za-z_][A-Za-z0-9_]*`
    /// and not a keyword), otherwise double-quoted with `\`, `"` and line breaks escaped.
    public static func identifier(_ s: String) -> String {
        if !needsQuotes(s) { return s }
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        out += "\""
        return out
    }

    /// A single-quoted string literal with `\`, `'` and line breaks escaped.
    public static func string(_ s: String) -> String {
        var out = "'"
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        out += "'"
        return out
    }

    /// Whether `s` must be double-quoted to be read back as the same identifier.
    public static func needsQuotes(_ s: String) -> Bool {
        let u = s.utf8
        guard let first = u.first, isIdentFirst(first) else { return true }  // empty or bad first char
        for b in u where !isIdentByte(b) { return true }
        return Keyword.lookup(s) != nil
    }
}
