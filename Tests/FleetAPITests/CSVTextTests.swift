import FleetAPIModel
import Testing

/// CSV fields as RFC 4180 wants them, whatever a guest put in them.
@Suite("CSV text")
struct CSVTextTests {
    @Test("fields with a comma, quote, CR, LF or CRLF are quoted (quotes doubled); others are not")
    func quoting() {
        let text = CSVText.string(
            header: ["name", "value"],
            rows: [["plain", "ü-ß"], ["a,b", "say \"hi\""], ["line\nbreak", "cr\ronly"], ["crlf\r\nend", ""]])
        #expect(text == """
            name,value
            plain,ü-ß
            "a,b","say ""hi\"\"\"
            "line
            break","cr\ronly"
            "crlf\r\nend",

            """)
    }
}
