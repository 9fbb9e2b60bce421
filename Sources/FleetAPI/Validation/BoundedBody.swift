import Foundation
import OpenAPIRuntime

/// Reads a request body while counting it: past `limit` bytes it stops at once and the caller
/// answers 413, so a client cannot make fleetd hold more than one route's cap (the rest of an
/// oversized body is never read: the connection is closed after the answer).
enum BoundedBody {
    static func collect(_ body: HTTPBody?, limit: Int) async throws -> [UInt8] {
        guard let body else { return [] }
        if case .known(let declared) = body.length, declared > Int64(limit) {
            throw tooLarge(limit, declared: declared)
        }
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                guard bytes.count + chunk.count <= limit else { throw tooLarge(limit, declared: nil) }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw malformed(String(describing: error))
        }
        return bytes
    }

    static func isPending(_ body: HTTPBody?) -> Bool {
        guard let body else { return false }
        if case .known(let length) = body.length { return length > 0 }
        return true
    }

    static func tooLarge(_ limit: Int, declared: Int64?) -> APIError {
        let size = declared.map { " (\($0) bytes declared)" } ?? ""
        var error = APIError(.contentTooLarge, .badRequest, "the request body is larger than this route's \(limit) bytes\(size)")
        error.closesConnection = true
        return error
    }

    /// A body the HTTP layer could not read (a bad chunk size, fewer bytes than Content-Length
    /// before the client stopped sending): the client's fault, and the connection is unusable.
    static func malformed(_ why: String) -> APIError {
        var error = APIError(.badRequest, .badRequest, "the request body could not be read: \(why)")
        error.closesConnection = true
        return error
    }
}
