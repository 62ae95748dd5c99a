internal import CCurl

/// Namespace for process-wide libcurl facts.
public enum Curl {
    /// The libcurl this process is linked against at run time (not the headers it was built with).
    /// Read once: older libcurl fills `curl_version_info`'s static struct on every call, so concurrent calls race.
    public static let version: CurlVersionInfo = CurlVersionInfo.current()
}

/// A Swift copy of the parts of `curl_version_info_data` we log and check at start-up.
public struct CurlVersionInfo: Sendable, Equatable, CustomStringConvertible {
    /// For example "7.88.1".
    public let version: String
    /// `LIBCURL_VERSION_NUM` layout: 0xXXYYZZ for X.Y.Z.
    public let versionNumber: UInt32
    /// TLS backend, for example "OpenSSL/3.0.11"; nil when curl was built without TLS.
    public let sslVersion: String?
    public let libzVersion: String?
    /// Lower-case URL schemes, for example ["dict", "file", "ftp", "http", "https", ...].
    public let protocols: [String]

    public func supports(protocol name: String) -> Bool {
        protocols.contains(name.lowercased())
    }

    public var description: String {
        "libcurl \(version) (\(sslVersion ?? "no TLS"))"
    }

    static func current() -> CurlVersionInfo {
        // curl_version_info returns a pointer to static data; it never fails for CURLVERSION_NOW in practice,
        // but the import is optional, so degrade to an empty description rather than trapping.
        guard let data = curl_version_info(ri_curl_version_now()) else {
            return CurlVersionInfo(version: "", versionNumber: 0, sslVersion: nil, libzVersion: nil, protocols: [])
        }
        let info = data.pointee
        var protocols: [String] = []
        if var cursor = info.protocols {
            while let name = cursor.pointee {
                protocols.append(String(cString: name))
                cursor += 1
            }
        }
        return CurlVersionInfo(
            version: info.version.map { String(cString: $0) } ?? "",
            versionNumber: UInt32(info.version_num),
            sslVersion: info.ssl_version.map { String(cString: $0) },
            libzVersion: info.libz_version.map { String(cString: $0) },
            protocols: protocols
        )
    }

    init(version: String, versionNumber: UInt32, sslVersion: String?, libzVersion: String?, protocols: [String]) {
        self.version = version
        self.versionNumber = versionNumber
        self.sslVersion = sslVersion
        self.libzVersion = libzVersion
        self.protocols = protocols
    }
}
