/// RFC 4180 CSV: a header row, fields quoted when they hold a comma, quote or line break,
/// CRLF-free (LF) lines as spreadsheets and Python's csv module read them.
/// Written here rather than with CSV.swift: its writer pushes one scalar at a time through an
/// OutputStream, which is what an export of 10,000 VMs must not do. Shared: fleetd renders
/// exports as CSV, fleetctl every other listing.
public enum CSVText {
    public static func string(header: [String], rows: [[String]]) -> String {
        var out = ""
        out.reserveCapacity((rows.count + 1) * header.count * 16)
        append(header, to: &out)
        for row in rows { append(row, to: &out) }
        return out
    }

    public static func append(_ fields: [String], to out: inout String) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out += "," }
            // Bytes, not Characters: the four are ASCII, never part of a longer UTF-8 sequence,
            // and walking grapheme clusters cost a tenth of a 10,000-VM export.
            if field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
                out += "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                out += field
            }
        }
        out += "\n"
    }
}
