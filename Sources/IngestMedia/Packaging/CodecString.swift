/// RFC 6381 codec strings for manifests.
enum CodecString {
    static let aacLC = "mp4a.40.2"

    /// `avc1.PPCCLL` from the SPS in the encoder's extradata (avcC or Annex B, libx264 gives the latter).
    static func h264(extradata: [UInt8]) -> String? {
        if extradata.count >= 4, extradata[0] == 1 {
            return "avc1." + hex(extradata[1...3])
        }
        var i = 0
        while i + 3 < extradata.count {
            let shortStart = extradata[i] == 0 && extradata[i + 1] == 0 && extradata[i + 2] == 1
            if shortStart, i + 6 < extradata.count, extradata[i + 3] & 0x1F == 7 {
                return "avc1." + hex(extradata[(i + 4)...(i + 6)])
            }
            i += 1
        }
        return nil
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
