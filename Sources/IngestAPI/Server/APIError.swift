import Foundation
import Hummingbird

/// Every error the API answers with: a status and a sentence a person can act on, as
/// `{"error": {"status": 404, "message": "..."}}`. Never carries a secret.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// Extra fields for clients that resume (the current offset of an upload).
    public var details: [String: Int64] = [:]
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, details: [String: Int64] = [:]) {
        self.status = status
        self.message = message
        self.details = details
    }

    struct Body: Encodable {
        struct Inner: Encodable {
            var status: Int
            var message: String
            var details: [String: Int64]?
        }
        var error: Inner
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            error: .init(status: status.code, message: message, details: details.isEmpty ? nil : details)
        )
        var response = try JSONResponse.make(body, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, what) }
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
}

/// JSON responses: ISO 8601 dates, sorted keys (stable output for people and diffs), camelCase names as the replaced platform's
/// platform used them.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        make(bytes: try encoder.encode(value), status: status)
    }

    /// A JSON document already encoded.
    static func make(bytes data: some Sequence<UInt8>, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a small JSON body (bounded by the context's `maxUploadSize`).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: APIContext) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, "the JSON body is larger than \(context.maxUploadSize) bytes")
        }
        do {
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.badRequest("invalid JSON body: \(Self.describe(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(key.stringValue)\(path(context))"
        case .typeMismatch(_, let context): return "wrong type\(path(context)): \(context.debugDescription)"
        case .valueNotFound(_, let context): return "missing value\(path(context))"
        case .dataCorrupted(let context): return "malformed\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
