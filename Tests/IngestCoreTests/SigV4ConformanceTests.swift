import Foundation
import IngestCore
import Testing

/// AWS's Signature Version 4 test suite, run in `.generic` mode (the suite's rules: double-encoded, normalised
/// paths). Each case's raw HTTP request text is parsed here, signed, and compared with the suite's canonical
/// request, string to sign and `Authorization` header.
@Suite("SigV4 AWS test suite (generic mode)")
struct SigV4ConformanceTests {
    @Test("The suite file is found and holds its 28 cases")
    func suiteIsPresent() throws {
        let suite = try SigV4Suite.load()
        #expect(suite.cases.count == 28)
        #expect(SigV4Suite.caseNames.count == 28)
        #expect(suite.config.service == "service")
        #expect(suite.config.region == "us-east-1")
    }

    @Test("Suite case", arguments: SigV4Suite.caseNames)
    func suiteCase(name: String) throws {
        let suite = try SigV4Suite.load()
        let testCase = try #require(suite.cases[name])
        let raw = try SigV4RawRequest(parsing: testCase.req)

        // Our parse of the raw text agrees with the suite's own structured form.
        #expect(raw.method == testCase.request.method)
        #expect(raw.uri == testCase.request.uri)
        #expect(raw.headers.map(\.name) == testCase.request.headers.map { $0.first ?? "" })
        #expect(raw.body == testCase.request.body)

        let amzDate = try #require(raw.header("X-Amz-Date"))
        let signed = try suite.signer.sign(raw.sigV4Request(), date: sigV4Date(amzDate))

        #expect(signed.canonicalRequest == testCase.creq)
        #expect(signed.amzDate == amzDate)
        #expect(signed.headersToAdd.first { $0.name == "X-Amz-Date" }?.value == amzDate)
        #expect(signed.headersToAdd.first { $0.name == "Authorization" }?.value == signed.authorization)

        if SigV4Suite.knownInconsistentCases.contains(name) && !testCase.isSelfConsistent {
            // The file's sts/authz do not belong to its creq (see `knownInconsistentCases`); assert what can be.
            let expectedLines = testCase.sts.split(separator: "\n", omittingEmptySubsequences: false)
            let ourLines = signed.stringToSign.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(ourLines.count == 4)
            #expect(Array(ourLines.prefix(3)) == Array(expectedLines.prefix(3)))
            #expect(ourLines.last.map(String.init) == SigV4Payload.sha256(of: Data(testCase.creq.utf8)).hash)
            // Our key derivation and HMAC reproduce the file's signature from the file's string to sign.
            let key = try suite.signer.signingKey(for: sigV4Date(amzDate))
            #expect(testCase.authz.hasSuffix("Signature=" + key.signature(for: testCase.sts)))
            #expect(
                testCase.authz.hasPrefix(
                    "AWS4-HMAC-SHA256 Credential=\(suite.config.accessKeyId)/\(signed.credentialScope), "
                )
            )
        } else {
            #expect(signed.stringToSign == testCase.sts)
            #expect(signed.authorization == testCase.authz)
        }
    }

    @Test("Only the two form cases are inconsistent in the suite data")
    func suiteDataConsistency() throws {
        let suite = try SigV4Suite.load()
        let inconsistent = Set(suite.cases.values.filter { !$0.isSelfConsistent }.map(\.name))
        #expect(inconsistent.isSubset(of: SigV4Suite.knownInconsistentCases))
    }

    @Test("post-sts-header-before: a session token in the credentials is added and signed")
    func sessionTokenSignedByTheSigner() throws {
        let suite = try SigV4Suite.load()
        let testCase = try #require(suite.cases["post-sts-header-before"])
        let raw = try SigV4RawRequest(parsing: testCase.req)
        var request = try raw.sigV4Request()
        #expect(raw.header("X-Amz-Security-Token") == suite.stsToken)
        request.headers.removeAll { $0.name.lowercased() == "x-amz-security-token" }

        var credentials = suite.credentials
        credentials.sessionToken = suite.stsToken
        let signer = SigV4Signer(
            credentials: credentials,
            region: suite.config.region,
            service: suite.config.service,
            mode: .generic
        )
        let signed = try signer.sign(request, date: sigV4Date(try #require(raw.header("X-Amz-Date"))))
        #expect(signed.canonicalRequest == testCase.creq)
        #expect(signed.stringToSign == testCase.sts)
        #expect(signed.authorization == testCase.authz)
        #expect(signed.headersToAdd.contains(SigV4Header(name: "X-Amz-Security-Token", value: suite.stsToken)))
    }

    @Test("post-sts-header-after: the token is appended after signing and is not signed")
    func sessionTokenAddedAfterSigning() throws {
        let suite = try SigV4Suite.load()
        let testCase = try #require(suite.cases["post-sts-header-after"])
        let raw = try SigV4RawRequest(parsing: testCase.req)
        let signed = try suite.signer.sign(raw.sigV4Request(), date: sigV4Date(try #require(raw.header("X-Amz-Date"))))
        #expect(!signed.signedHeaders.contains("x-amz-security-token"))
        let rendered = [
            testCase.req,
            "X-Amz-Security-Token:" + suite.stsToken,
            "Authorization: " + signed.authorization,
        ]
        .joined(separator: "\n")
        #expect(rendered == testCase.sreq)
    }
}
