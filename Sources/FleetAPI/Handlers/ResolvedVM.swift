import FleetStore

/// The VM a request's path names, as request validation found it: the handler uses it instead
/// of looking the VM up a second time.
enum ResolvedVM {
    @TaskLocal static var current: VMRecord?
}
