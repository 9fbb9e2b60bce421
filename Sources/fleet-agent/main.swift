import QGA
print("fleet-agent \(FleetVersion.current): not yet")
