import Foundation

/// tus `Upload-Metadata`: comma-separated `key base64value` pairs (a key alone means an empty value).
enum TusMetadata {
    static func parse(_ header: String) throws(APIError) -> [String: String] {
        var result: [String: String] = [:]
        for pair in header.split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            guard let key = parts.first, !key.isEmpty else { continue }
            guard result[String(key)] == nil else {
                throw APIError.badRequest("Upload-Metadata names \(key) twice")
            }
            if parts.count == 1 {
                result[String(key)] = ""
                continue
            }
            guard let data = Data(base64Encoded: String(parts[1])) else {
                throw APIError.badRequest("Upload-Metadata value of \(key) is not valid base64")
            }
            guard let value = String(data: data, encoding: .utf8) else {
                throw APIError.badRequest("Upload-Metadata value of \(key) is not UTF-8 text")
            }
            result[String(key)] = value
        }
        return result
    }
}
