internal import CFFmpeg
import Foundation
import IngestCore

/// The demux/decode loop and the hand-over of decoded frames to the rungs and thumbnails.
extension TranscodeJob {
    /// The demux/decode loop: video packets to the passthrough track and the decoder, decoded frames through the
    /// frame-rate converter to every rung, audio packets to the audio track. `origin`: resuming after a seek, the
    /// first run's first frame timestamp.
    func decodeAll(_ stream: UnsafeMutablePointer<AVStream>, origin: Int64?) throws {
        // One decoding thread: frame threads would hold extra full-size pictures, and the encoders are the bottleneck.
        let decoder = try Decoder(stream: stream, threads: 1)
        let timeBase = av_q2d(stream.pointee.time_base)
        if let origin {
            firstTime = Double(origin) * timeBase
            resuming = true
        }
        let packet = try Packet()
        while try input.read(into: packet) {
            defer { packet.unref() }
            if packet.streamIndex == videoIndex {
                try sourceTrack?.write(packet)
                // A damaged packet is skipped: the converter repeats the previous picture.
                guard try decoder.sendSkippingDamage(packet) else { continue }
                try drain(decoder, timeBase: timeBase)
            } else if let audio, !audioFinished, packet.streamIndex == audio.streamIndex {
                try audio.decode(packet)
            }
        }
        try decoder.send(nil)
        try drain(decoder, timeBase: timeBase)
        if let previous {
            for _ in 0..<converter.slotsUntil(end: lastTime + lastDuration) { try emit(previous) }
        }
        if !audioFinished { try audio?.decode(nil) }
    }

    func drain(_ decoder: Decoder, timeBase: Double) throws {
        var frame = try Frame()
        while try decoder.receive(into: frame) {
            try take(frame, timeBase: timeBase)
            frame = try Frame()
        }
    }

    /// A decoded picture: the one before it fills every output slot up to this one's time.
    func take(_ frame: Frame, timeBase: Double) throws {
        let stamp = frame.bestEffortTimestamp
        let time = stamp == LibAV.noTimestamp ? (firstTime ?? 0) + lastTime + lastDuration : Double(stamp) * timeBase
        let start = firstTime ?? time
        firstTime = start
        let duration = Double(frame.pointer.pointee.pkt_duration) * timeBase
        if duration > 0 { lastDuration = duration }
        lastTime = max(lastTime, time - start)
        if resuming {
            // Slots before this frame showed earlier pictures, all in kept segments.
            resuming = false
            emitted = converter.slotsBefore(time: time - start)
        } else if let previous {
            for _ in 0..<converter.slotsBefore(time: time - start) { try emit(previous) }
        }
        previous = frame
    }

    func emit(_ frame: Frame) throws {
        let slot = emitted
        try thumbnails?.offer(frame, at: Double(slot) / plan.fps, slotLength: 1 / plan.fps)
        for rung in rungs where slot >= rung.encodeFrom && !rung.queue.push(SlotFrame(frame: frame, slot: slot)) {
            // The rung's thread failed and closed its queue; its error is the one to report.
            _ = try rung.wait()
            throw TranscodeFailure("encoder \(rung.rung.id) stopped")
        }
        emitted += 1
        // Twice a second, and at every segment start (a fast transcode still reports its progress in steps).
        if Date().timeIntervalSince(lastReport) >= 0.5 || plan.cuts.isCut(slot) {
            let done = min(rungs.map(\.framesEncoded).min() ?? emitted, emitted)
            let expected = max(1.0, videoDuration * plan.fps)
            announce(stage: "transcoding", percent: min(95, Double(done) / expected * 95), encodedFrames: done)
        }
    }
}
