import Foundation
import IngestCore

/// A static DASH MPD (ISO BMFF live profile: SegmentTemplate + SegmentTimeline) over the same CMAF segments the
/// HLS playlists use. Validated against the DASH-MPD schema in the tests.
enum DASHManifest {
    static func render(
        video: [(track: TrackIndex, width: Int, height: Int)],
        audio: TrackIndex?,
        audioSettings: AudioSettings,
        frameRate: (num: Int32, den: Int32),
        duration: Double,
        segmentSeconds: Double
    ) -> String {
        let maxSegment = (video.map(\.track) + (audio.map { [$0] } ?? [])).map(\.maxSegmentSeconds).max() ?? 0
        var xml = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\""
                + " type=\"static\" mediaPresentationDuration=\"\(isoDuration(duration))\""
                + " maxSegmentDuration=\"\(isoDuration(maxSegment))\""
                + " minBufferTime=\"\(isoDuration(segmentSeconds))\">",
            "  <Period id=\"0\" start=\"PT0S\">",
        ]
        let rate = frameRate.den == 1 ? "\(frameRate.num)" : "\(frameRate.num)/\(frameRate.den)"
        let maxWidth = video.map(\.width).max() ?? 0
        let maxHeight = video.map(\.height).max() ?? 0
        xml.append(
            "    <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\""
                + " startWithSAP=\"1\" maxWidth=\"\(maxWidth)\" maxHeight=\"\(maxHeight)\" frameRate=\"\(rate)\">"
        )
        for (track, width, height) in video {
            xml.append(
                "      <Representation id=\"\(track.id)\" codecs=\"\(track.codecs)\" bandwidth=\"\(track.peakBandwidth)\""
                    + " width=\"\(width)\" height=\"\(height)\" sar=\"1:1\">"
            )
            xml += template(track, indent: "        ")
            xml.append("      </Representation>")
        }
        xml.append("    </AdaptationSet>")
        if let audio {
            xml.append(
                "    <AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" lang=\"und\""
                    + " segmentAlignment=\"true\" startWithSAP=\"1\">"
            )
            xml.append(
                "      <AudioChannelConfiguration"
                    + " schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\""
                    + " value=\"\(audioSettings.channels)\"/>"
            )
            xml.append(
                "      <Representation id=\"\(audio.id)\" codecs=\"\(audio.codecs)\" bandwidth=\"\(audio.peakBandwidth)\""
                    + " audioSamplingRate=\"\(audioSettings.sampleRate)\">"
            )
            xml += template(audio, indent: "        ")
            xml.append("      </Representation>")
            xml.append("    </AdaptationSet>")
        }
        xml += ["  </Period>", "</MPD>"]
        return xml.joined(separator: "\n") + "\n"
    }

    /// SegmentTemplate with a run-length SegmentTimeline from the measured segment times.
    private static func template(_ track: TrackIndex, indent: String) -> [String] {
        var lines = [
            indent + "<SegmentTemplate timescale=\"\(track.timescale)\""
                + " presentationTimeOffset=\"\(track.presentationOffset)\" initialization=\"\(track.id)/init.mp4\""
                + " media=\"\(track.id)/seg_$Number%05d$.m4s\" startNumber=\"1\">",
            indent + "  <SegmentTimeline>",
        ]
        var runs: [(start: Int64, duration: Int64, repeats: Int)] = []
        for segment in track.segments {
            if let last = runs.last, last.duration == segment.duration,
                last.start + last.duration * Int64(last.repeats + 1) == segment.start
            {
                runs[runs.count - 1].repeats += 1
            } else {
                runs.append((segment.start, segment.duration, 0))
            }
        }
        for run in runs {
            let repeats = run.repeats > 0 ? " r=\"\(run.repeats)\"" : ""
            lines.append(indent + "    <S t=\"\(run.start)\" d=\"\(run.duration)\"\(repeats)/>")
        }
        lines += [indent + "  </SegmentTimeline>", indent + "</SegmentTemplate>"]
        return lines
    }

    /// `PT1M2.500S`-style xs:duration.
    static func isoDuration(_ seconds: Double) -> String {
        let total = max(0, seconds)
        let hours = Int(total / 3600)
        let minutes = Int(total.truncatingRemainder(dividingBy: 3600) / 60)
        let rest = total - Double(hours * 3600 + minutes * 60)
        var text = "PT"
        if hours > 0 { text += "\(hours)H" }
        if minutes > 0 { text += "\(minutes)M" }
        return text + String(format: "%.3fS", rest)
    }
}
