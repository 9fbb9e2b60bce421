import ArgumentParser

/// The formats every listing offers. Machine formats carry RFC 3339 times and QGA's member
/// names for guest facts; the table is for people.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json, ndjson, yaml, csv
}

/// --format, the one option group every command that prints data takes.
struct FormatOnlyOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output format: table, json, ndjson, yaml or csv.")
    var format: OutputFormat?

    /// The format asked for, or the command's own default.
    func resolved(_ fallback: OutputFormat = .table) -> OutputFormat { format ?? fallback }
}

/// --format and --columns, shared by every listing.
struct FormatOptions: ParsableArguments {
    @OptionGroup var formatOption: FormatOnlyOptions

    @Option(name: .long, help: ArgumentHelp(
        "Comma-separated columns to show (table and csv; json, ndjson and yaml keep only these members).",
        valueName: "col,col"))
    var columns: String?

    var format: OutputFormat { formatOption.resolved() }

    var chosenColumns: [String]? {
        columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }
}
