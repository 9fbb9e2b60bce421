// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "6aac851a946d6da6952cdb8ee44eeb73f85ed2e7e91eed78f32f0044957ad269"
}
