import FleetAPIModel
import FleetStore
import OpenAPIRuntime
import Prometheus

/// /metrics: the Prometheus registry fleetd's metrics go to, plus the VM counts by state, read
/// from the store at scrape time (exact, and free between scrapes).
extension ControlAPI {
    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        let counts = try await reader.stateCounts()
        let descriptor = MetricNameDescriptor(metricName: "fleet_vms", unitName: "", helpText: "VMs by session state")
        for state in VMState.allCases {
            registry.makeGauge(descriptor: descriptor, labels: [("state", state.rawValue)]).set(Double(counts[state] ?? 0))
        }
        return .ok(.init(body: .plainText(HTTPBody(registry.emitToString()))))
    }
}
