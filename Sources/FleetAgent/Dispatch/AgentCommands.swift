import QGA

/// Every command fleet-agent serves on Linux.
enum AgentCommands {
    static func registry() -> CommandRegistry {
        var registry = CommandRegistry()
        ControlCommands.register(&registry)
        PowerCommands.register(&registry)
        FileCommands.register(&registry)
        FreezeCommands.register(&registry)
        NetworkCommands.register(&registry)
        ProcessorCommands.register(&registry)
        DiskCommands.register(&registry)
        ExecCommands.register(&registry)
        SystemInfoCommands.register(&registry)
        AccountCommands.register(&registry)
        // Windows only in qemu-ga; listed as disabled on Linux, as qemu-ga lists it.
        registry.registerUnavailable(GuestGetDevicesCommand.self)
        return registry
    }
}
