import Crypto
import Foundation
import IngestCore

/// URLs of published objects for players and previews. Through the CDN when one is public; for an S3 store without
/// one, presigned URLs; for a `file://` store, URLs the agent serves itself, signed with an expiry:
/// `/media/N/EXPIRES/SIGNATURE/KEY`, where the signature covers the expiry and the first N components of the key
/// (the object's folder). An HLS playlist's relative references then resolve to URLs under the same signed folder,
/// so a player can fetch every segment without a token.
struct MediaLinks: Sendable {
    let backend: any IngestBackend
    let secret: SymmetricKey

    struct Link: Sendable {
        var url: String
        var source: String
        var expiresAt: Date?
    }

    init(backend: any IngestBackend, secret: String) {
        self.backend = backend
        self.secret = SymmetricKey(data: Data(secret.utf8))
    }

    private var cdnBase: String? {
        let cdn = backend.config.cdn
        guard cdn.provider != "none", let base = cdn.baseURL else { return nil }
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    private var fileStore: Bool {
        StoreLocation(backend.config.storage.url).map { if case .file = $0 { true } else { false } } ?? false
    }

    /// For listings: the CDN URL, or an agent URL for a file store (valid for `api.preview_expiry`); nil for a
    /// private S3 store (ask `/preview`).
    func url(forKey key: String, recorded: String?) -> String? {
        if let recorded { return recorded }
        if let cdnBase { return cdnBase + "/" + Self.encodePath(key) }
        guard fileStore else { return nil }
        return signed(key: key, expiresIn: Int(backend.config.api.previewExpiry.timeInterval)).url
    }

    /// A URL that works for `seconds` (or for good, through a public CDN).
    func timeLimited(key: String, recorded: String?, expiresIn seconds: Int) throws -> Link {
        if let recorded { return Link(url: recorded, source: "cdn", expiresAt: nil) }
        if let cdnBase { return Link(url: cdnBase + "/" + Self.encodePath(key), source: "cdn", expiresAt: nil) }
        if let presigned = try backend.presignedURL(key: key, expiresIn: seconds) {
            return Link(url: presigned, source: "s3-presigned", expiresAt: Date().addingTimeInterval(Double(seconds)))
        }
        return signed(key: key, expiresIn: seconds)
    }

    /// A playlist URL whose relative references work too: CDN or agent; nil for a private S3 store.
    func playable(key: String, recorded: String?, expiresIn seconds: Int) throws -> String? {
        if let recorded { return recorded }
        if let cdnBase { return cdnBase + "/" + Self.encodePath(key) }
        return fileStore ? signed(key: key, expiresIn: seconds).url : nil
    }

    func signed(key: String, expiresIn seconds: Int) -> Link {
        let expires = Date().addingTimeInterval(Double(seconds))
        let components = key.split(separator: "/")
        let scopeCount = max(components.count - 1, 0)
        let scope = components.prefix(scopeCount).joined(separator: "/")
        let stamp = Int(expires.timeIntervalSince1970)
        let signature = sign(stamp: stamp, scope: scope)
        let url = "/media/\(scopeCount)/\(stamp)/\(signature)/" + Self.encodePath(key)
        return Link(url: url, source: "agent", expiresAt: expires)
    }

    /// The store key a `/media/...` path names, if its signature holds and it has not expired.
    func verify(path: String, now: Date = Date()) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        // "", "media", N, EXPIRES, SIGNATURE, key...
        guard parts.count >= 6, parts[1] == "media", let count = Int(parts[2]), let stamp = Int(parts[3]),
            count >= 0, count < parts.count - 5
        else { return nil }
        guard Double(stamp) > now.timeIntervalSince1970 else { return nil }
        let keyParts = parts[5...].map { String($0).removingPercentEncoding ?? "" }
        guard !keyParts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." || $0.contains("/") }) else {
            return nil
        }
        let scope = keyParts.prefix(count).joined(separator: "/")
        let expected = sign(stamp: stamp, scope: scope)
        guard Self.constantTimeEqual(expected, String(parts[4])) else { return nil }
        return keyParts.joined(separator: "/")
    }

    private func sign(stamp: Int, scope: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(stamp)/\(scope)".utf8), using: secret)
        return mac.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }

    static func encodePath(_ key: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#;")
        return key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
    }
}
