// swift-tools-version: 6.1
import PackageDescription

// Builds swift-openapi-generator's command-line tool, pinned, for scripts/generate-openapi.
// The generated code is committed (Sources/FleetAPIModel, FleetAPI, FleetClient), so the main
// package's builds never run the generator.
let package = Package(
    name: "FleetOpenAPIGenerator",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
    ]
)
