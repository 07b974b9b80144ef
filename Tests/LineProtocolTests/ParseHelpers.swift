import LineProtocol

/// Everything a parse produced, in an owned form.
struct ParseOutcome: Equatable, CustomStringConvertible {
    var points: [OwnedPoint] = []
    var errors: [LineError] = []
    /// Line number of each point, parallel to `points`.
    var pointLines: [Int] = []

    var description: String {
        "points: \(points.map(\.description))\nlines: \(pointLines)\nerrors: \(errors.map(\.description))"
    }
}

/// Parses a whole buffer with the one-shot API.
func parseWhole(_ bytes: [UInt8], precision: Precision = .nanoseconds, defaultTime: Int64 = 0,
                maxLineLength: Int = 262_144, maxKeyLength: Int = 65_535,
                timeKeyPolicy: TimeKeyPolicy = .influxDB1) -> ParseOutcome {
    var out = ParseOutcome()
    bytes.withUnsafeBytes { buf in
        LineProtocolParser.parse(buf, precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength,
                                 maxKeyLength: maxKeyLength, timeKeyPolicy: timeKeyPolicy,
                                 onPoint: { out.points.append($0.owned()); out.pointLines.append($0.lineNumber) },
                                 onError: { out.errors.append($0) })
    }
    return out
}

func parseWhole(_ text: String, precision: Precision = .nanoseconds, defaultTime: Int64 = 0,
                maxLineLength: Int = 262_144, maxKeyLength: Int = 65_535,
                timeKeyPolicy: TimeKeyPolicy = .influxDB1) -> ParseOutcome {
    parseWhole(Array(text.utf8), precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength,
               maxKeyLength: maxKeyLength, timeKeyPolicy: timeKeyPolicy)
}

/// Parses by feeding the given chunks to one streaming parser, then `finish`.
func parseChunks(_ chunks: [[UInt8]], precision: Precision = .nanoseconds, defaultTime: Int64 = 0,
                 maxLineLength: Int = 262_144) -> ParseOutcome {
    var out = ParseOutcome()
    var parser = LineProtocolParser(precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength)
    for c in chunks {
        parser.feed(c, onPoint: { out.points.append($0.owned()); out.pointLines.append($0.lineNumber) },
                    onError: { out.errors.append($0) })
    }
    parser.finish(onPoint: { out.points.append($0.owned()); out.pointLines.append($0.lineNumber) },
                  onError: { out.errors.append($0) })
    return out
}

/// The single point of a one-line input that must parse.
func onePoint(_ text: String, precision: Precision = .nanoseconds, defaultTime: Int64 = 0,
              timeKeyPolicy: TimeKeyPolicy = .influxDB1) -> OwnedPoint? {
    let r = parseWhole(text, precision: precision, defaultTime: defaultTime, timeKeyPolicy: timeKeyPolicy)
    guard r.errors.isEmpty, r.points.count == 1 else { return nil }
    return r.points[0]
}

/// The field value of a one-field line `m f=<value>`.
func fieldValue(_ value: String) -> OwnedFieldValue? {
    guard let p = onePoint("m f=\(value) 0"), p.fields.count == 1 else { return nil }
    return p.fields[0].value
}

/// True when the input yields exactly one error and no point.
func rejects(_ text: String, precision: Precision = .nanoseconds, timeKeyPolicy: TimeKeyPolicy = .influxDB1) -> Bool {
    let r = parseWhole(text, precision: precision, timeKeyPolicy: timeKeyPolicy)
    return r.points.isEmpty && r.errors.count == 1
}

func tags(_ pairs: (String, String)...) -> [OwnedPoint.Tag] {
    pairs.map { OwnedPoint.Tag(key: $0.0, value: $0.1) }
}

func fields(_ pairs: (String, OwnedFieldValue)...) -> [OwnedPoint.Field] {
    pairs.map { OwnedPoint.Field(key: $0.0, value: $0.1) }
}
