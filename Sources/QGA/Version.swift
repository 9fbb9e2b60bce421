/// The version every Fleet program reports (fleet-agent also reports it in guest-info).
public enum FleetVersion {
    public static let current = "0.1.0"
}
