/// Which set of canonicalisation rules the signer applies.
public enum SigV4Mode: Sendable, Hashable {
    /// Amazon S3 (and S3-compatible stores): the path is URI-encoded once, `/` kept, and never normalised
    /// (`a//b/../c` is a valid object key). The `x-amz-content-sha256` header is always added and signed;
    /// its value is the request's payload hash (`UNSIGNED-PAYLOAD` allowed). Presigned URLs sign
    /// `UNSIGNED-PAYLOAD`.
    case s3
    /// The generic AWS service rules: the path is normalised (empty, `.` and `..` segments removed, a trailing
    /// `/` kept) and then URI-encoded twice. No `x-amz-content-sha256` header is added; one given in the
    /// request's headers is signed like any other header.
    case generic
}
