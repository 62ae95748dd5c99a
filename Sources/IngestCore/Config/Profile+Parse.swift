extension Profile {
    static func parse(_ r: TableReader, name: String) -> Profile {
        var p = Profile.standard
        if let rungs = r.tables("renditions") {
            p.renditions = rungs.map(Rendition.parse)
            if p.renditions.isEmpty {
                r.fail("renditions", "profile \"\(name)\" needs at least one rendition")
            }
            var seen: Set<Int> = []
            for rung in p.renditions where !seen.insert(rung.height).inserted {
                r.fail("renditions", "two renditions with height \(rung.height)")
            }
        }
        if let a = r.table("audio") { p.audio = .parse(a) }
        if let t = r.table("thumbnails") { p.thumbnails = .parse(t) }
        p.segmentDuration = r.duration(
            "segment_duration",
            default: p.segmentDuration,
            range: .seconds(1) ... .seconds(30)
        )
        p.maxFrameRate = r.double("max_frame_rate", default: p.maxFrameRate, range: 1...120)
        p.mp4Height = r.int("mp4_height", default: p.mp4Height, range: 0...4320)
        let mode = r.string("passthrough", default: p.passthrough.rawValue)
        if let parsed = PassthroughMode(rawValue: mode) {
            p.passthrough = parsed
        } else {
            r.fail("passthrough", "expected \"auto\" or \"never\", found \"\(mode)\"")
        }
        if !r.isAuto("passthrough_max_bitrate") {
            p.passthroughMaxBitrate = r.bitrate("passthrough_max_bitrate", default: p.effectivePassthroughMaxBitrate)
        }
        if !r.isAuto("passthrough_max_keyframe_interval") {
            p.passthroughMaxKeyframeInterval = r.duration(
                "passthrough_max_keyframe_interval",
                default: .seconds(p.effectivePassthroughMaxKeyframeInterval),
                range: .seconds(1) ... .seconds(300)
            )
        }
        r.finish()
        return p
    }
}

extension Rendition {
    static func parse(_ r: TableReader) -> Rendition {
        let height = r.int("height", default: 0, range: 2...4320)
        if !r.has("height") { r.fail(nil, "height is required") }
        if height % 2 != 0 { r.fail("height", "must be even (H.264 4:2:0 needs even dimensions)") }
        let bitrate = r.bitrate("video_bitrate", default: height * 4000)
        var rung = Rendition(
            height: height,
            videoBitrate: bitrate,
            maxrate: r.bitrate("maxrate", default: bitrate * 107 / 100),
            bufsize: r.bitrate("bufsize", default: bitrate * 3 / 2),
            level: r.string("level", default: "4.1")
        )
        if rung.maxrate < rung.videoBitrate {
            r.fail("maxrate", "must not be below video_bitrate")
        }
        if Double(rung.level).map({ $0 < 1 || $0 > 6.2 }) ?? true {
            r.fail("level", "not an H.264 level: \"\(rung.level)\" (e.g. \"3.1\", \"4.1\")")
        }
        rung.h264Profile = r.string("profile", default: rung.h264Profile)
        if !Rendition.h264Profiles.contains(rung.h264Profile) {
            r.fail("profile", "unknown H.264 profile \"\(rung.h264Profile)\" (baseline, main or high)")
        }
        rung.preset = r.string("preset", default: rung.preset)
        if !Rendition.presets.contains(rung.preset) {
            r.fail("preset", "unknown x264 preset \"\(rung.preset)\"")
        }
        r.finish()
        return rung
    }
}

extension AudioSettings {
    static func parse(_ r: TableReader) -> AudioSettings {
        var a = AudioSettings()
        a.bitrate = r.bitrate("bitrate", default: a.bitrate)
        a.channels = r.int("channels", default: a.channels, range: 1...2)
        a.sampleRate = r.int("sample_rate", default: a.sampleRate, range: 8000...96_000)
        r.finish()
        return a
    }
}

extension ThumbnailSettings {
    static func parse(_ r: TableReader) -> ThumbnailSettings {
        var t = ThumbnailSettings()
        t.percentages = r.numbers("percentages", default: t.percentages)
        for value in t.percentages where !(0...100).contains(value) {
            r.fail("percentages", "out of range: \(value) (allowed 0...100)")
        }
        t.seconds = r.numbers("seconds", default: t.seconds)
        for value in t.seconds where value < 0 {
            r.fail("seconds", "out of range: \(value) (must not be negative)")
        }
        if t.percentages.isEmpty && t.seconds.isEmpty {
            r.fail(nil, "give at least one position in percentages or seconds")
        }
        t.widths = r.numbers("widths", default: t.widths.map(Double.init)).map { Int($0) }
        for width in t.widths where !(16...7680).contains(width) || width % 2 != 0 {
            r.fail("widths", "width \(width) must be even and within 16...7680")
        }
        t.poster = r.bool("poster", default: t.poster)
        t.quality = r.int("quality", default: t.quality, range: 1...100)
        r.finish()
        return t
    }
}

extension TableReader {
    /// A key that is absent or says "auto" (its value is then derived from other settings).
    fileprivate func isAuto(_ key: String) -> Bool {
        guard let raw = value(key) else { return true }
        return raw == .string("auto")
    }
}
