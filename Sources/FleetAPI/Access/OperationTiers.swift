/// The tier each operation needs — the same as `x-fleet-tier` in docs/openapi.yaml (a test
/// compares the two).
enum OperationTiers {
    static let required: [String: Tier] = [
        "whoAmI": .none,
        "getStatus": .read, "listVMs": .read, "getVM": .read, "getHistory": .read,
        "listExecs": .read, "getExec": .read, "exportInventory": .read, "getMetrics": .read,
        "pingVM": .operate, "getFreezeStatus": .operate, "freezeVM": .operate, "extendFreeze": .operate, "thawVM": .operate,
        "fstrimVM": .operate, "setTime": .operate, "shutdownVM": .operate,
        "startExec": .admin, "readFile": .admin, "writeFile": .admin, "setPassword": .admin,
        "getSSHKeys": .admin, "changeSSHKeys": .admin, "agentCommand": .admin, "listAudit": .admin,
    ]

    /// Unknown operations need admin: a route added without a tier is closed, not open.
    static func tier(for operationID: String) -> Tier { required[operationID] ?? .admin }
}
