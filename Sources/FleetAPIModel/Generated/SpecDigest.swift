// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "1f4cd3b4c36fea9d8ac2778f40abd5622d2c7d5fc122af1da8424c4c75c3a1a9"
}
