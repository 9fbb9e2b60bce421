/// Options every command takes (ConnectionOptions), which may also come before the command's
/// name. ArgumentParser only reads a subcommand's options after its name, so those given in
/// front are moved behind the command words — before a `--` terminator, whose words belong to
/// the guest command and are never touched.
enum GlobalOptions {
    /// Options that take a value.
    static let valued: Set<String> = ["--socket"]

    static func hoisted(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if valued.contains(word), index + 1 < arguments.count {
                leading += [word, arguments[index + 1]]
                index += 2
            } else if let equals = word.firstIndex(of: "="), valued.contains(String(word[..<equals])) {
                leading.append(word)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        let terminator = rest.firstIndex(of: "--") ?? rest.endIndex
        rest.insert(contentsOf: leading, at: terminator)
        return rest
    }
}
