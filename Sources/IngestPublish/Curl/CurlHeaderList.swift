internal import CCurl

/// Owns a `curl_slist` of request header lines for `CURLOPT_HTTPHEADER`.
///
/// Immutable after construction: curl keeps the raw list pointer (it does not copy it), so a list that could be
/// re-headed by a later append would leave a handle pointing at a stale list. `CurlEasy` retains the list it uses.
///
/// Line syntax is curl's: "Name: value" adds or replaces a header, "Name:" removes one curl would add itself
/// (for example "Expect:"), and "Name;" sends a header with an empty value.
public final class CurlHeaderList {
    /// Nil for an empty list; curl treats a NULL list as "no custom headers".
    let head: UnsafeMutablePointer<curl_slist>?

    public init(lines: [String]) throws(CurlError) {
        var head: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            // A CR or LF would let one header smuggle another into the request; a NUL would silently truncate it.
            if line.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                curl_slist_free_all(head)
                throw CurlError.synthetic(CURLE_BAD_FUNCTION_ARGUMENT, detail: "header line contains CR, LF or NUL")
            }
            // curl_slist_append copies the string; it returns NULL only when out of memory.
            guard let appended = line.withCString({ curl_slist_append(head, $0) }) else {
                curl_slist_free_all(head)
                throw CurlError.synthetic(CURLE_OUT_OF_MEMORY, detail: "curl_slist_append failed")
            }
            head = appended
        }
        self.head = head
    }

    /// Builds "Name: value" lines; an empty value is written "Name;" so curl sends it instead of dropping it.
    public convenience init(fields: [(name: String, value: String)]) throws(CurlError) {
        try self.init(lines: fields.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" })
    }

    deinit {
        curl_slist_free_all(head)
    }

    /// The lines as stored in the C list (read back from it, not from a Swift copy).
    public var lines: [String] {
        var result: [String] = []
        var node = head
        while let current = node {
            if let data = current.pointee.data {
                result.append(String(cString: data))
            }
            node = current.pointee.next
        }
        return result
    }

    public var count: Int {
        var count = 0
        var node = head
        while let current = node {
            count += 1
            node = current.pointee.next
        }
        return count
    }
}
