import Foundation

/// Valid inputs for each target, the starting corpus of `make fuzz` and of the regression suite's mutations. The
/// configuration seeds are the repository's own example files (`etc/reel-ingest`), read where they are.
extension FuzzTarget {
    public func seeds(repository: String) -> [Data] {
        let texts: [String]
        switch self {
        case .config:
            return ["agent.toml", "demo.toml"].compactMap {
                FileManager.default.contents(atPath: repository + "/etc/reel-ingest/" + $0)
            }
        case .dropIn:
            texts = [
                "path = \"/srv/share/line-1\"\nprofile = \"default\"\npriority = 5\non_success = \"move:done\"\n",
                "path = \"/mnt/nas\"\nmode = \"poll\"\nsettle_time = \"10s\"\nignore = [\"*.tmp\"]\nenabled = false\n",
            ]
            return texts.map { Data($0.utf8) }
                + [FileManager.default.contents(atPath: repository + "/etc/reel-ingest/watches.d/line-1.toml.example")]
                .compactMap { $0 }
        case .sidecar:
            texts = [
                #"{"title": "Welding, take 1", "tags": ["welding", "M-200"], "customerAccess": ["acme"]}"#,
                #"{"description": "x", "customerAccess": true, "process": "weld"}"#,
            ]
        case .template:
            texts = ["{machine}/{process}\nM-200/welding/take 1.mp4", "{title}\n\\xDCbung.mp4", "\n"]
        case .tus:
            texts = ["filename dGFrZSAxLm1wNA==,watch bGluZQ==,title V2VsZGluZw==", "filename,is_private"]
        case .chunked:
            texts = [
                #"{"filename": "line 3/take.mp4", "size": 1024, "watch": "line", "metadata": {"title": "t"}}"#,
                #"{"filename": "a.mov", "size": -1}"#,
            ]
        case .workerJSON:
            texts = [
                #"{"event":"progress","percent":42.5,"fps":25,"eta_seconds":12}"#,
                #"{"event":"file","path":"v1080/seg_00003.m4s","bytes":2519044}"#,
                #"{"event":"log","level":"warning","message":"passthrough refused"}"#,
            ]
        case .s3XML:
            texts = [
                "<Error><Code>SlowDown</Code><Message>Reduce &amp; retry</Message><RequestId>1</RequestId></Error>",
                "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>"
                    + "<Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag><Size>5242880</Size></Part>"
                    + "</ListPartsResult>",
                "<ListMultipartUploadsResult><Upload><Key>a/b</Key><UploadId>x</UploadId>"
                    + "<Initiated>2026-12-06T12:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>",
            ]
        case .container:
            // Headers of each kind, whole and cut: an MP4 (ftyp, mdat of 16 bytes, moov), a Matroska segment of
            // unknown size with Cues, an AVI RIFF, two transport stream packets.
            let ftyp: [UInt8] = [0, 0, 0, 16] + Array("ftypisom".utf8) + [0, 0, 2, 0]
            let mdat: [UInt8] = [0, 0, 0, 16] + Array("mdat".utf8) + [UInt8](repeating: 1, count: 8)
            let moov: [UInt8] = [0, 0, 0, 8] + Array("moov".utf8)
            let ebml: [UInt8] = [0x1A, 0x45, 0xDF, 0xA3, 0x84, 0x42, 0x86, 0x81, 0x01]
            let segment: [UInt8] = [0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
            let cues: [UInt8] = [0x1C, 0x53, 0xBB, 0x6B, 0x82, 0, 0]
            let riff: [UInt8] = Array("RIFF".utf8) + [12, 0, 0, 0] + Array("AVI LIST".utf8) + [0, 0, 0, 0]
            let packet: [UInt8] = [0x47] + [UInt8](repeating: 0xFF, count: 187)
            return [ftyp + mdat + moov, ftyp + mdat, ebml + segment + cues, riff, packet + packet, packet + [0x47]]
                .map { Data($0) }
        case .checkpoint:
            texts = [
                #"{"initSegment":{"bytes":1,"file":"v0/init.mp4","sha256":"x","track":"v0"}}"# + "\n"
                    + #"{"finished":"v0"}"# + "\n",
                #"{"thumbnails":[]}"# + "\n" + #"{"segment":{"index":0,"track":"v0"}}"#,
            ]
        }
        return texts.map { Data($0.utf8) }
    }
}
