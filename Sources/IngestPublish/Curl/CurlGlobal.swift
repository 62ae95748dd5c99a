internal import CCurl

/// One-time process-wide libcurl initialisation.
///
/// `curl_global_init` is not thread-safe on every libcurl build, and `curl_easy_init` would call it implicitly
/// (unsynchronised) if we did not, so every handle constructor goes through `CurlGlobal.initialize()` first.
public enum CurlGlobal {
    /// A `static let` is initialised exactly once, thread-safely (swift_once), so no lock or mutable state is needed.
    /// The result is cached: if initialisation failed it fails the same way for every caller.
    private static let initResult: Result<Void, CurlError> = {
        let code = curl_global_init(ri_curl_global_all())
        guard code == CURLE_OK else {
            return .failure(CurlError(easyCode: code))
        }
        return .success(())
    }()

    /// Runs `curl_global_init(CURL_GLOBAL_ALL)` on first call; later calls return (or throw) the same result.
    ///
    /// There is deliberately no `cleanup`: the daemon keeps curl for its whole lifetime, and calling
    /// `curl_global_cleanup` while another thread still uses curl is undefined behaviour.
    public static func initialize() throws(CurlError) {
        try initResult.get()
    }
}
