// Written by scripts/generate-openapi: the SHA-256 of docs/openapi.yaml this code came from.
public enum OpenAPISpec {
    public static let sha256 = "007de3e0b53eefab7d96cbfcf5719d6676907c3d5c94ae736ff856fe6bab351e"
}
