/// A VM a supervisor is about to serve or hold, as its source reports it: its name, where its
/// agent is, and for a Proxmox VM its vmid (which keeps the VM's row and history when it is
/// renamed in Proxmox).
public struct VMAttachment: Sendable, Equatable {
    public var name: String
    public var socketPath: String
    public var vmid: Int64?
    /// Why the VM starts over from `disconnected` when it was held or gone (nil: it was gone, or
    /// fleetd started).
    public var reason: String?

    public init(name: String, socketPath: String, vmid: Int64? = nil, reason: String? = nil) {
        self.name = name
        self.socketPath = socketPath
        self.vmid = vmid
        self.reason = reason
    }

    /// The reason recorded when the VM, in `state`, is attached.
    func resumeReason(from state: VMState) -> String {
        if let reason { return reason }
        return state == .gone ? "socket reappeared" : "fleetd started"
    }
}
