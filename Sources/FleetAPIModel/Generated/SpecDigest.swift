// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "3387497364401cda7c427b3f9ed075720295d65bbf98626bd008f4a4076164ef"
}
