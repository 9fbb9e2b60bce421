/// An action asked of a VM whose session cannot carry it now (not connected, or not synced).
public struct SessionUnavailable: Error, Sendable, Equatable {
    public var state: SessionState
    public init(state: SessionState) { self.state = state }
}
