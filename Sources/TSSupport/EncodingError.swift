/// Errors thrown by every byte-level decoder: `ByteReader`, varints and the column codecs of
/// TSEncoding.
///
/// Decoders never trap on malformed input: any byte sequence that does not
/// describe exactly the requested values produces one of these errors.
public enum EncodingError: Error, Equatable, Sendable {
    /// The input ended before the declared content was complete.
    case truncated
    /// The input is structurally invalid (bad field value, trailing bytes,
    /// size mismatch, ...). The string is a short, static description.
    case corrupt(String)
    /// A codec id byte is not known, or not valid for the column type.
    case unknownCodec(UInt8)
}
