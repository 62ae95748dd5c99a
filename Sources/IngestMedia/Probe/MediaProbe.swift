internal import CFFmpeg
import Foundation
import IngestCore

/// Decides whether a file is a usable video and describes it.
public enum MediaProbe {
    /// Probes `path` against `limits`; every refusal is a `ProbeRejection` with its plain reason.
    public static func probe(path: String, limits: ProbeLimits) throws(ProbeRejection) -> ProbeReport {
        let (input, report) = try open(path: path, limits: limits)
        _ = input
        return report
    }

    /// Opens and checks the file, returning the open input for a transcode to continue with.
    static func open(path: String, limits: ProbeLimits) throws(ProbeRejection) -> (FormatInput, ProbeReport) {
        let (size, header) = try readHeader(path)
        guard size > 0 else { throw .emptyFile }
        let input: FormatInput
        do {
            input = try FormatInput(path: path, formats: ContainerName.demuxers(for: limits.allowedContainers))
        } catch {
            // A recognised header of a container that is not allowed (so its demuxer was never tried) says so;
            // one of an allowed container that libav then cannot open (an MP4 cut before its moov box) is damaged;
            // anything else is not media at all.
            guard let detected = FormatInput.detectFormat(header: header) else { throw .notAVideoFile }
            let container = ContainerName.resolve(formatName: detected, majorBrand: nil, header: header)
            throw limits.allowedContainers.contains(container) ? .damaged : .containerNotAllowed(container)
        }
        // libav will open arbitrary bytes as some raw format; only a confident header match counts as media.
        let recognised = FormatInput.detectFormat(header: header) != nil
        var streams: [ProbeStream] = []
        for index in 0..<input.streamCount {
            if let stream = input.stream(index) { streams.append(StreamInfo.describe(stream, in: input)) }
        }
        guard let videoIndex = mainVideoStream(input), let videoStream = input.stream(videoIndex) else {
            throw recognised ? .noVideoStream : .notAVideoFile
        }
        let container = ContainerName.resolve(
            formatName: input.formatName,
            majorBrand: input.metadata("major_brand"),
            header: header
        )
        guard limits.allowedContainers.contains(container) else {
            throw recognised ? .containerNotAllowed(container) : .notAVideoFile
        }
        let video = streams[videoIndex]
        let duration = input.duration ?? video.duration ?? 0
        guard duration > 0, duration.isFinite else { throw .unknownDuration }
        guard duration <= limits.maxDuration else { throw .tooLong(seconds: duration, maxSeconds: limits.maxDuration) }
        let (displayWidth, displayHeight) = displaySize(video)
        guard displayWidth > 0, displayHeight > 0 else { throw .undecodableFirstFrame }
        guard displayWidth <= limits.maxWidth, displayHeight <= limits.maxHeight else {
            throw .dimensionsTooLarge(
                width: displayWidth,
                height: displayHeight,
                maxWidth: limits.maxWidth,
                maxHeight: limits.maxHeight
            )
        }
        guard decodesFirstFrame(input: input, stream: videoStream) else { throw .undecodableFirstFrame }
        let audioIndex = input.bestStream(AVMEDIA_TYPE_AUDIO)
        let report = ProbeReport(
            container: container,
            formatName: input.formatName,
            duration: duration,
            size: size,
            bitRate: input.bitRate,
            videoStream: videoIndex,
            audioStream: audioIndex,
            displayWidth: displayWidth,
            displayHeight: displayHeight,
            streams: streams
        )
        return (input, report)
    }

    /// Upright, square-pixel size: the sample aspect ratio stretches the width, a quarter turn swaps the sides.
    static func displaySize(_ video: ProbeStream) -> (Int, Int) {
        var width = video.width ?? 0
        let height = video.height ?? 0
        if let sar = video.sampleAspectRatio, sar != "1:1" {
            let parts = sar.split(separator: ":").compactMap { Double($0) }
            if parts.count == 2, parts[0] > 0, parts[1] > 0 {
                width = Int((Double(width) * parts[0] / parts[1]).rounded())
            }
        }
        let quarterTurn = (video.rotation ?? 0) % 180 == 90
        return quarterTurn ? (height, width) : (width, height)
    }

    /// The best video stream that is a moving picture, not cover art.
    static func mainVideoStream(_ input: FormatInput) -> Int? {
        guard let index = input.bestStream(AVMEDIA_TYPE_VIDEO), let stream = input.stream(index) else { return nil }
        return stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 ? index : nil
    }

    /// Decodes until one picture comes out; a bounded number of packets so a damaged file fails fast.
    static func decodesFirstFrame(input: FormatInput, stream: UnsafeMutablePointer<AVStream>) -> Bool {
        do {
            let decoder = try Decoder(stream: stream, threads: 1)
            let packet = try Packet()
            let frame = try Frame()
            let index = Int(stream.pointee.index)
            var sent = 0
            while sent < 300, try input.read(into: packet) {
                defer { packet.unref() }
                guard packet.streamIndex == index else { continue }
                sent += 1
                // A damaged packet is skipped, as a player would; only "no picture at all" rejects the file.
                do { try decoder.send(packet) } catch { continue }
                if (try? decoder.receive(into: frame)) == true { return true }
            }
            try? decoder.send(nil)
            return (try? decoder.receive(into: frame)) == true
        } catch {
            return false
        }
    }

    /// File size and the first 4 KiB, read with plain POSIX calls so "missing" and "unreadable" are told apart.
    static func readHeader(_ path: String) throws(ProbeRejection) -> (Int64, [UInt8]) {
        let fd = path.withFileSystemPath { Foundation.open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .fileNotFound(path.readablePath) }
            throw .unreadable(String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notAVideoFile }
        var header = [UInt8](repeating: 0, count: 4096)
        let count = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
        return (Int64(info.st_size), Array(header.prefix(count)))
    }
}
