/// One file of the web page, compiled into the binary. `WebAsset.all` (generated at build time by the
/// WebAssetsPlugin from the files in Web/) holds every one by its file name.
struct WebAsset: Sendable {
    let bytes: [UInt8]
    /// The Content-Type header, chosen by extension in scripts/web-assets.sh.
    let type: String
}
