import Foundation
import IngestCore
import IngestMedia
import Synchronization
import TestSupport
import Testing

/// Files that are really playlists or concat scripts, named like every accepted container: libav must neither open
/// another file through them nor connect anywhere. A loopback listener counts the connections it would have made.
@Suite("input allow-lists")
struct InputAllowListTests {
    static let extensions = ["mp4", "mov", "avi", "mkv", "webm"]

    /// Playlists and scripts that name a URL on the listener and a file outside the folder.
    static func hostileFiles(port: UInt16, outside: String) -> [(String, String)] {
        [
            (
                "hls",
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nhttp://127.0.0.1:\(port)/seg.ts\n#EXT-X-ENDLIST\n"
            ),
            ("hls-local", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n\(outside)\n#EXT-X-ENDLIST\n"),
            ("concat", "ffconcat version 1.0\nfile 'http://127.0.0.1:\(port)/a.mp4'\nfile '\(outside)'\n"),
            ("sdp", "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video \(port) RTP/AVP 96\n"),
        ]
    }

    @Test(.timeLimit(.minutes(2))) func playlistsInEveryContainersClothingAreRefusedWithoutAConnection() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let listener = try LoopbackListener()
        defer { listener.stop() }
        // A real clip outside the "share" that a playlist names: opening it would count as escaping.
        let outside = dir.path + "/outside.mp4"
        try await ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-c:v", "libx264", outside])

        for (kind, text) in Self.hostileFiles(port: listener.port, outside: outside) {
            for ext in Self.extensions {
                let path = try dir.write("share/\(kind).\(ext)", text)
                let probe = try await Tool.run(TestBinaries.mediaWorker, ["probe", path, "--json"])
                #expect(probe.status == 1, "\(kind).\(ext) was taken: \(probe.stdout)")
                #expect(!probe.stderr.isEmpty, "\(kind).\(ext) refused without a reason")
                let transcode = try await Tool.run(
                    TestBinaries.mediaWorker,
                    ["transcode", path, "--out", dir.path + "/out"]
                )
                #expect(transcode.status != 0, "\(kind).\(ext) was transcoded")
                // The library's protocol layer alone, without the format list: whatever it opens, it connects nowhere.
                _ = try? FormatInput(path: path)
                #expect(listener.connections == 0, "\(kind).\(ext): libav connected to the listener")
            }
        }
        #expect(listener.connections == 0, "libav connected to the listener")
    }

    /// Without a format list a playlist in an MP4's name opens the file it names (the escape the list closes);
    /// with the list of allowed containers' demuxers it opens nothing.
    @Test func formatListStopsAPlaylistFromOpeningAnotherFile() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let outside = dir.path + "/outside.mp4"
        try await ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-c:v", "libx264", outside])
        let playlist = try dir.write(
            "share/take.mp4",
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n\(outside)\n#EXT-X-ENDLIST\n"
        )
        let unrestricted = try FormatInput(path: playlist)
        #expect(unrestricted.streamCount > 0, "the playlist reached the outside file")
        #expect(throws: AVError.self) { try FormatInput(path: playlist, formats: ["mov", "matroska", "avi"]) }
    }

    @Test func acceptedContainersStillOpen() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        for (name, codec) in [("a.mp4", "libx264"), ("b.mov", "libx264"), ("c.mkv", "libx264"), ("d.webm", "libvpx")] {
            let path = dir.path + "/" + name
            try await ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1", "-c:v", codec, path])
            let probe = try await Tool.run(TestBinaries.mediaWorker, ["probe", path, "--json"])
            #expect(probe.status == 0, "\(name): \(probe.stderr)")
        }
    }
}

struct ListenFailed: Error {}

/// Accepts TCP connections on 127.0.0.1 and closes them at once, counting them.
final class LoopbackListener: Sendable {
    let port: UInt16
    private let fd: Int32
    private let count = Count()

    /// Shared with the accepting thread.
    final class Count: Sendable {
        let value = Atomic<Int>(0)
    }

    init() throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listening, generic, length) == 0 && listen(listening, 16) == 0
                    && getsockname(listening, generic, &length) == 0
            }
        }
        guard listening >= 0, bound else { throw ListenFailed() }
        fd = listening
        port = UInt16(bigEndian: address.sin_port)
        let counter = count
        Thread {
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 { return }
                counter.value.add(1, ordering: .relaxed)
                close(client)
            }
        }.start()
    }

    var connections: Int { count.value.load(ordering: .relaxed) }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
