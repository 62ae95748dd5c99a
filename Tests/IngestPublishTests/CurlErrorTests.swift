import Testing

@testable import IngestPublish

@Suite("CurlError mapping")
struct CurlErrorTests {
    @Test func easyCodeCarriesNumberAndCurlsOwnMessage() {
        let error = CurlError(easyCodeValue: 6)
        #expect(error.kind == .easy)
        #expect(error.code == 6)
        #expect(error.message == "Couldn't resolve host name")
        #expect(error.detail == nil)
        #expect(error.abortReason == nil)
        #expect(CurlError.Code.couldntResolveHost == 6)
    }

    @Test func multiCodeUsesTheMultiMessageTable() {
        // CURLM_BAD_EASY_HANDLE; easy code 2 would read "Failed initialization".
        let error = CurlError(multiCodeValue: 2)
        #expect(error.kind == .multi)
        #expect(error.code == 2)
        #expect(error.message == "Invalid easy handle")
    }

    @Test func descriptionNamesCodeMessageDetailAndReason() {
        let error = CurlError(
            kind: .easy,
            code: 23,
            message: "Failed writing received data to disk/application",
            detail: "Failure writing output to destination",
            abortReason: .responseBodyTooLarge(limit: 10)
        )
        #expect(
            error.description
                == "curl error 23: Failed writing received data to disk/application"
                + " (Failure writing output to destination) [response body larger than the 10-byte limit]"
        )
    }
}
