// Fuzz target `graphite`: the Graphite plaintext protocol and its templates (Sources/GraphiteProtocol).
//
// Input: lines `path value [timestamp]`, split on newlines as tsdbd's Graphite listener does. If
// the input holds a NUL byte, the text before it is a list of template specifications (one per
// line, `[filter] template [tag=v,...]` or a preset name) replacing the defaults; a set the matcher
// refuses leaves the defaults in place.
// Checks: an accepted point has a non-empty measurement and field, no empty tag key, and a finite value.
import FuzzSupport
import GraphiteProtocol

let now: Int64 = 1_700_000_000_000_000_000
let defaultParser = try! GraphiteParser()

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    var parser = defaultParser
    var body = data[...]
    if let nul = data.firstIndex(of: 0) {
        let specs = String(decoding: UnsafeRawBufferPointer(rebasing: data[..<nul]), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        // The separator joins several matched parts; vary it with the input.
        let separator = [".", "_", "", "::"][specs.count % 4]
        do {
            parser = try GraphiteParser(templates: specs, separator: separator)
        } catch {
            _ = error as GraphiteError  // typed throws: nothing else can come out
        }
        body = data[(nul + 1)...]
    }
    for line in UnsafeRawBufferPointer(rebasing: body).split(separator: UInt8(ascii: "\n")) {
        let text = String(decoding: line, as: UTF8.self)
        if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
        guard let p = try? parser.parse(text, now: now) else { continue }
        invariant(!p.measurement.isEmpty && !p.field.isEmpty, "empty measurement or field: \(p)")
        invariant(p.value.isFinite, "non-finite value \(p.value)")
        invariant(!p.tags.keys.contains(""), "empty tag key: \(p)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt { runOne(data, size, fuzzOne) }

#if !FUZZING
@main struct Main { static func main() { Replay.main("graphite", fuzzOne) } }
#endif
