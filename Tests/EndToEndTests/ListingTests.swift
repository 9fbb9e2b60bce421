import FleetTestSupport
import Foundation
import Testing

/// status, list, show, history and export through the real fleetctl, against a live fleetd
/// supervising two fleet-agents and Debian's qemu-ga; every format parsed back.
@Suite("fleetctl listings", .serialized)
struct ListingTests {
    @Test("status and list in every format, with filters, columns and sort")
    func statusAndList() throws {
        let fleet = try FleetFixture()
        try fleet.startFleetd()
        let names = fleet.vmNames
        try fleet.waitFor(names, state: "responsive")

        // All responsive: the summary alone; --all lists every VM.
        let table = try fleet.fleetctl(["status"])
        #expect(table.status == 0)
        #expect(table.text == "\(names.count) VMs: \(names.count) responsive\n")
        // Global options go before the command as well as after it (FLEET_SOCKET points nowhere here).
        let nowhere = ["FLEET_SOCKET": fleet.directory.appendingPathComponent("nowhere.sock").path]
        for arguments in [["--socket", fleet.controlSocket, "status"], ["--socket=\(fleet.controlSocket)", "status"],
                          ["status", "--socket", fleet.controlSocket], ["--socket", fleet.controlSocket, "exec", "list", "--vm", names[0]]] {
            let result = try fleet.fleetctl(arguments, environment: nowhere)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        #expect(try fleet.fleetctl(["status"], environment: nowhere).status == 3, "the flag, not the variable, reached fleetd")
        let everything = try fleet.fleetctl(["status", "--all"])
        #expect(everything.text.hasPrefix("\(names.count) VMs: \(names.count) responsive"))
        for name in names { #expect(everything.text.contains("\n\(name) ")) }
        #expect(everything.text.contains("NAME") && everything.text.contains("LAST SEEN") && everything.text.contains("ago"))

        let summary = try #require(try fleet.json(["status"]) as? [String: Any])
        #expect((summary["vms"] as? [Any])?.isEmpty == true && summary["omitted"] as? Int == 0)
        let status = try #require(try fleet.json(["status", "--all"]) as? [String: Any])
        #expect(status["total"] as? Int == names.count)
        #expect((status["counts"] as? [String: Any])?["responsive"] as? Int == names.count)
        let rows = try #require(status["vms"] as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == names)
        for row in rows {
            // Machine formats carry RFC 3339 times.
            let since = try #require(row["since"] as? String)
            #expect((try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(since)) != nil)
            #expect(row["os"] as? String != nil && row["agentVersion"] as? String != nil)
        }

        let yaml = try #require(try Parsers.yaml(try fleet.fleetctl(["list", "--format", "yaml"]).text) as? [[String: Any]])
        #expect(yaml.compactMap { $0["name"] as? String } == names)
        #expect(yaml.allSatisfy { $0["state"] as? String == "responsive" })
        // YAML reads back exactly as JSON does: times stay strings, never YAML timestamps.
        for command in [["list"], ["status", "--all"], ["show", names[0]], ["exec", "list"], ["export", "--table", "vms"]] {
            let json = try fleet.json(command)
            let read = try Parsers.yaml(try fleet.fleetctl(command + ["--format", "yaml"]).text)
            let differences = SameData.differences(json: json, yaml: read)
            #expect(differences.isEmpty, "\(command): \(differences.prefix(5))")
        }
        #expect((yaml.first?["since"]).map { $0 is String } == true, "an RFC 3339 time reads back as a string")

        let ndjson = try Parsers.ndjson(try fleet.fleetctl(["list", "--format", "ndjson"]).stdout)
        #expect(ndjson.compactMap { $0["name"] as? String } == names)

        let csvText = try fleet.fleetctl(["list", "--format", "csv"]).text
        let csv = try Parsers.csv(csvText)
        #expect(csv.map { $0["name"] } == names)
        #expect(csv.allSatisfy { $0["state"] == "responsive" && ($0["rttMicros"].flatMap { Int($0) } ?? -1) > 0 })

        // Chosen columns, in the chosen order; --columns limits json members too.
        let chosen = try fleet.fleetctl(["list", "--format", "csv", "--columns", "state,name"]).text
        #expect(Parsers.csvHeader(chosen) == ["state", "name"])
        let projected = try #require(try fleet.json(["list", "--columns", "name,state"]) as? [[String: Any]])
        #expect(projected.allSatisfy { Set($0.keys) == ["name", "state"] })

        // Filters.
        let agentsOnly = try #require(try fleet.json(["list", "--filter", "name=vm*"]) as? [[String: Any]])
        #expect(agentsOnly.compactMap { $0["name"] as? String } == ["vm1", "vm2"])
        let none = try #require(try fleet.json(["list", "--filter", "state=gone"]) as? [[String: Any]])
        #expect(none.isEmpty)
        let address = try #require((rows.first?["addresses"] as? [String])?.first)
        let network = try #require(address.split(separator: "/").first)
        let byAddress = try #require(try fleet.json(["list", "--filter", "address=\(network)"]) as? [[String: Any]])
        #expect(byAddress.count == names.count)  // every agent here reports this host's addresses
        let otherNet = try #require(try fleet.json(["list", "--filter", "address=203.0.113.0/24"]) as? [[String: Any]])
        #expect(otherNet.isEmpty)
        let badState = try fleet.fleetctl(["list", "--filter", "state=sleeping"])
        #expect(badState.status == 2 && badState.stderr.contains("query parameter 'state': must be comma-separated states"))
        #expect(badState.stderr.contains("(got 'sleeping')"))

        let sorted = try Parsers.csv(try fleet.fleetctl(["list", "--format", "csv", "--sort=-name"]).text)
        #expect(sorted.map { $0["name"] } == names.reversed())
    }

    @Test("show: every section, QGA shapes in json, the host's own interfaces")
    func show() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1"])
        try fleet.startFleetd()
        try fleet.waitFor(fleet.vmNames, state: "responsive")
        for name in fleet.vmNames {
            // Interfaces and filesystems arrive with the first inventory round; wait for them.
            var detail: [String: Any] = [:]
            let deadline = Date().addingTimeInterval(15)
            repeat {
                detail = try #require(try fleet.json(["show", name]) as? [String: Any])
                if !((detail["interfaces"] as? [Any]) ?? []).isEmpty, !((detail["filesystems"] as? [Any]) ?? []).isEmpty { break }
                usleep(200_000)
            } while Date() < deadline
            #expect(detail["name"] as? String == name)
            #expect(detail["state"] as? String == "responsive")
            #expect(((detail["enabledCommands"] as? [String]) ?? []).contains("guest-ping"))
            let os = try #require(detail["os"] as? [String: Any])
            let kernel = try runProcess("/bin/uname", ["-r"]).text.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(os["kernel-release"] as? String == kernel)
            let interfaces = try #require(detail["interfaces"] as? [[String: Any]])
            for interface in interfaces {
                let ifname = try #require(interface["name"] as? String)
                // The agents run on this machine: their MACs are this machine's.
                if let mac = interface["hardware-address"] as? String,
                   let expected = try? String(contentsOfFile: "/sys/class/net/\(ifname)/address", encoding: .utf8) {
                    #expect(mac == expected.trimmingCharacters(in: .whitespacesAndNewlines))
                }
                for ip in (interface["ip-addresses"] as? [[String: Any]]) ?? [] {
                    #expect(["ipv4", "ipv6"].contains(ip["ip-address-type"] as? String ?? ""))
                    #expect(ip["ip-address"] as? String != nil && ip["prefix"] as? Int != nil)
                }
            }
            let filesystems = try #require(detail["filesystems"] as? [[String: Any]])
            let root = try #require(filesystems.first { $0["mountpoint"] as? String == "/" })
            #expect(root["type"] as? String != nil && root["disk"] as? [Any] != nil)
            #expect((root["total-bytes"] as? Int ?? 0) > 0)
            #expect(((detail["transitions"] as? [[String: Any]]) ?? []).last?["to"] as? String == "responsive")

            let text = try fleet.fleetctl(["show", name])
            #expect(text.status == 0)
            for heading in ["Name:", "State:", "Agent:", "OS:", "Heartbeat:", "Interfaces:", "Filesystems:", "Recent transitions:"] {
                #expect(text.text.contains(heading), "\(heading) missing from show \(name)")
            }
            let yaml = try #require(try Parsers.yaml(try fleet.fleetctl(["show", name, "--format", "yaml"]).text) as? [String: Any])
            #expect(yaml["name"] as? String == name && yaml["interfaces"] != nil)
        }
        let csv = try fleet.fleetctl(["show", "vm1", "--format", "csv"])
        #expect(csv.status != 0 && csv.stderr.contains("export"))
    }

    @Test("export: every table as csv, json and yaml; history with --since")
    func exportAndHistory() throws {
        let fleet = try FleetFixture()
        try fleet.startFleetd()
        let names = fleet.vmNames
        try fleet.waitFor(names, state: "responsive")
        // Wait for the first inventory round (addresses) of every VM.
        let deadline = Date().addingTimeInterval(15)
        var report: [String: Any] = [:]
        repeat {
            report = try #require(try fleet.json(["export"]) as? [String: Any])
            let withAddresses = Set(((report["addresses"] as? [[String: Any]]) ?? []).compactMap { $0["vm"] as? String })
            if withAddresses == Set(names) { break }
            usleep(200_000)
        } while Date() < deadline
        #expect(((report["vms"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String } == names)
        for table in ["interfaces", "addresses", "filesystems"] {
            #expect(!((report[table] as? [Any]) ?? []).isEmpty, "\(table) is empty")
        }

        let vmsCSV = try Parsers.csv(try fleet.fleetctl(["export"]).text)  // csv is export's default
        #expect(vmsCSV.map { $0["name"] } == names)
        #expect(vmsCSV.allSatisfy { !($0["kernel-release"] ?? "").isEmpty && !($0["host-name"] ?? "").isEmpty })
        let addresses = try Parsers.csv(try fleet.fleetctl(["export", "--format", "csv", "--table", "addresses"]).text)
        #expect(addresses.count == ((report["addresses"] as? [Any]) ?? []).count)
        #expect(addresses.allSatisfy { ["ipv4", "ipv6"].contains($0["ip-address-type"] ?? "") && Int($0["prefix"] ?? "") != nil })
        let filesystems = try Parsers.csv(try fleet.fleetctl(["export", "--format", "csv", "--table", "filesystems"]).text)
        #expect(filesystems.contains { $0["mountpoint"] == "/" && Int($0["total-bytes"] ?? "") ?? 0 > 0 })

        // fleetd renders export CSV itself; with --columns fleetctl renders it from the JSON
        // report. The two must agree to the byte.
        for (table, columns) in [
            ("vms", "name,state,since,agentVersion,host-name,id,pretty-name,version-id,kernel-release,machine,vcpus,memoryBytes,lastSeen,rttMicros,clockDriftMs"),
            ("interfaces", "vm,name,hardware-address"), ("addresses", "vm,interface,ip-address-type,ip-address,prefix"),
            ("filesystems", "vm,mountpoint,name,type,used-bytes,total-bytes"),
        ] {
            // lastSeen and rttMicros move with every heartbeat: compare the rest.
            func stable(_ text: String) throws -> [[String: String]] {
                try Parsers.csv(text).map { $0.filter { $0.key != "lastSeen" && $0.key != "rttMicros" } }
            }
            let byFleetd = try fleet.fleetctl(["export", "--table", table]).text
            let byFleetctl = try fleet.fleetctl(["export", "--table", table, "--columns", columns]).text
            #expect(byFleetd.split(separator: "\n").first == byFleetctl.split(separator: "\n").first, "\(table) header")
            #expect(try stable(byFleetd) == stable(byFleetctl), "\(table) rows")
        }

        let output = fleet.directory.appendingPathComponent("inventory.yaml").path
        #expect(try fleet.fleetctl(["export", "--format", "yaml", "--output", output]).status == 0)
        let yaml = try #require(try Parsers.yaml(try String(contentsOfFile: output, encoding: .utf8)) as? [String: Any])
        #expect(((yaml["vms"] as? [[String: Any]]) ?? []).count == names.count)

        let history = try #require(try fleet.json(["history", "vm1"]) as? [[String: Any]])
        let kinds = history.compactMap { $0["kind"] as? String }
        #expect(kinds.first == "transition" && kinds.contains("added"))
        #expect(history.contains { $0["kind"] as? String == "transition" && ($0["summary"] as? String ?? "").contains("→ responsive") })
        let times = history.compactMap { ($0["at"] as? String).flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) } }
        #expect(times == times.sorted(), "history is oldest first")
        let future = try #require(try fleet.json(["history", "vm1", "--since", "2099-01-01T00:00:00Z"]) as? [[String: Any]])
        #expect(future.isEmpty)
        let recent = try fleet.fleetctl(["history", "vm1", "--since", "1h"])
        #expect(recent.status == 0 && recent.text.contains("responsive"))
    }
}
