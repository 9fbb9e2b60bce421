import FleetAgent

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

exit(FleetAgentMain.run(arguments: FleetAgentMain.processArguments()))
