// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "f1f1257855234e7f5c797041d8b680bce1ba72348436fc49fb6e59611ec5b080"
}
