// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "33d94f090b5325c5beb6223431730f82b03bb93c4e4a8d0e031ad1dce72376b2"
}
