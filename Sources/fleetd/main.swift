import QGA
print("fleetd \(FleetVersion.current): not yet")
