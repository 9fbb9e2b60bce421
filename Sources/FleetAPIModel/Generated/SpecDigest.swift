// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "35fdabe273c702b6b32ddfd817a30627c76d733ecd696d39404592ae2c346fbf"
}
