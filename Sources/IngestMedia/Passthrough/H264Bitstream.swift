/// Just enough H.264 syntax to tell an IDR access unit from any other keyframe: the NAL unit types in a packet,
/// length-prefixed (avcC, as in MP4 and Matroska) or with Annex B start codes (transport streams, raw files).
enum H264Bitstream {
    static let idrType: UInt8 = 5

    /// The NAL length size an avcC record declares; nil for Annex B configuration (or none).
    static func lengthSize(extradata: [UInt8]) -> Int? {
        guard extradata.count >= 5, extradata[0] == 1 else { return nil }
        return Int(extradata[4] & 3) + 1
    }

    /// The `nal_unit_type` of every NAL unit in `data`.
    static func nalTypes(_ data: UnsafeRawBufferPointer, lengthSize: Int?) -> [UInt8] {
        guard let lengthSize else { return annexBTypes(data) }
        var types: [UInt8] = []
        var offset = 0
        while offset + lengthSize < data.count {
            var length = 0
            for i in 0..<lengthSize { length = length << 8 | Int(data[offset + i]) }
            offset += lengthSize
            guard length > 0, offset + length <= data.count else { break }
            types.append(data[offset] & 0x1F)
            offset += length
        }
        return types
    }

    static func containsIDR(_ data: UnsafeRawBufferPointer, lengthSize: Int?) -> Bool {
        nalTypes(data, lengthSize: lengthSize).contains(idrType)
    }

    private static func annexBTypes(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var types: [UInt8] = []
        var i = 0
        while i + 3 < data.count {
            if data[i] == 0, data[i + 1] == 0, data[i + 2] == 1 {
                types.append(data[i + 3] & 0x1F)
                i += 3
            } else {
                i += 1
            }
        }
        return types
    }
}
