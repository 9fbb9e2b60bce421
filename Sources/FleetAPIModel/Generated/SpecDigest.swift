// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "07406bbd3c66aaf0fc584ed55ccf4aaf59b847675375b7818fe19e58551afb22"
}
