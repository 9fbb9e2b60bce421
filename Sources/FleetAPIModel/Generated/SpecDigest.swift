// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "b92f581248f6165dafb524f15f472267ad7ebe8a36a82629ca06030b596d5498"
}
