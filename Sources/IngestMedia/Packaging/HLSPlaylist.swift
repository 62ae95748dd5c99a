import Foundation

/// HLS playlists for CMAF tracks, written from the segment index (FFmpeg 5.1's dash muxer leaves out several
/// of the tags players and validators want).
enum HLSPlaylist {
    /// A VOD media playlist; URIs are relative to the track's directory, where the playlist lives.
    static func media(_ track: TrackIndex) -> String {
        var lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            // The longest segment rounded up (RFC 8216 asks no less than its nearest integer); a millisecond of
            // tolerance so that 4.000001 s stays 4.
            "#EXT-X-TARGETDURATION:\(max(1, Int((track.maxSegmentSeconds - 0.001).rounded(.up))))",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            "#EXT-X-MAP:URI=\"\(name(track.initFile))\"",
        ]
        for segment in track.segments {
            let seconds = Double(segment.duration) / Double(track.timescale)
            lines.append("#EXTINF:\(String(format: "%.6f", seconds)),")
            lines.append(name(segment.file))
        }
        lines.append("#EXT-X-ENDLIST")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The master playlist: one variant per rung (peak and average bandwidth include the audio), audio as a
    /// rendition group.
    static func master(
        video: [(track: TrackIndex, width: Int, height: Int)],
        audio: TrackIndex?,
        audioChannels: Int,
        frameRate: Double
    ) -> String {
        var lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
        if let audio {
            lines.append(
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"audio\",LANGUAGE=\"und\",DEFAULT=YES,AUTOSELECT=YES,"
                    + "CHANNELS=\"\(audioChannels)\",URI=\"\(playlistPath(audio))\""
            )
        }
        for (track, width, height) in video {
            var attributes = [
                "BANDWIDTH=\(track.peakBandwidth + (audio?.peakBandwidth ?? 0))",
                "AVERAGE-BANDWIDTH=\(track.averageBandwidth + (audio?.averageBandwidth ?? 0))",
                "CODECS=\"\(([track.codecs] + (audio.map { [$0.codecs] } ?? [])).joined(separator: ","))\"",
                "RESOLUTION=\(width)x\(height)",
                "FRAME-RATE=\(String(format: "%.3f", frameRate))",
            ]
            if audio != nil { attributes.append("AUDIO=\"aac\"") }
            lines.append("#EXT-X-STREAM-INF:" + attributes.joined(separator: ","))
            lines.append(playlistPath(track))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func playlistPath(_ track: TrackIndex) -> String {
        track.id + "/index.m3u8"
    }

    private static func name(_ path: String) -> String {
        (path as NSString).lastPathComponent
    }
}
