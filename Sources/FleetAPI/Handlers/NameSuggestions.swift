/// Close VM names for a name nobody knows ("did you mean …?").
enum NameSuggestions {
    static func closest(to name: String, in names: [String], limit: Int = 3) -> [String] {
        let wanted = Array(name.lowercased())
        let scored = names.compactMap { candidate -> (String, Int)? in
            let lower = candidate.lowercased()
            if lower.contains(name.lowercased()) || name.lowercased().contains(lower) { return (candidate, 0) }
            let distance = editDistance(wanted, Array(lower))
            return distance <= max(2, wanted.count / 3) ? (candidate, distance) : nil
        }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance with one row of memory.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
