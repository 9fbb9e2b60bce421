// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "451a9202136534da22f1740fe2bde1a7767449c7725ef779333e71944d8b29c3"
}
