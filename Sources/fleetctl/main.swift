import QGA
print("fleetctl \(FleetVersion.current): not yet")
