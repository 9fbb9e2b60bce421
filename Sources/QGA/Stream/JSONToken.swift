/// The tokens of QEMU's JSON dialect. Scalar tokens carry their text in the decoder's token
/// buffer; the kind says how to read it.
enum JSONTokenKind: Equatable {
    case beginObject, endObject, beginArray, endArray, colon, comma
    case string
    case number(isInteger: Bool)
    case keyword
}
