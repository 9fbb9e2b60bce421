// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "6e550baddd8473ce41ffeba1ac72627d26a83caee26902794f484091a91d3490"
}
