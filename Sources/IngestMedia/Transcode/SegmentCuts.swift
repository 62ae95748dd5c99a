/// Where segments start, in output frames: every `gop` frames when the ladder is encoded, or at chosen source IDRs
/// when the top rung is the source's own packets. Every rung forces an IDR at exactly these frames and the audio
/// is cut at the same times, so all renditions switch at the same instants.
struct SegmentCuts: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case every(Int)
        /// Sorted, starting at 0.
        case at([Int])
    }

    let kind: Kind
    /// Frames in the whole output (for the length of the last listed segment); nil when not known in advance.
    let frameCount: Int?

    static func every(_ gop: Int) -> SegmentCuts {
        SegmentCuts(kind: .every(max(1, gop)), frameCount: nil)
    }

    static func at(_ frames: [Int], frameCount: Int) -> SegmentCuts {
        SegmentCuts(kind: .at(frames.isEmpty ? [0] : frames), frameCount: frameCount)
    }

    func isCut(_ frame: Int) -> Bool {
        switch kind {
        case .every(let gop): frame % gop == 0
        case .at(let frames): binarySearch(frames, frame) != nil
        }
    }

    /// The first frame of segment `index` (from 0); `Int.max` past the last listed segment.
    func start(ofSegment index: Int) -> Int {
        switch kind {
        case .every(let gop): index * gop
        case .at(let frames): index < frames.count ? frames[index] : Int.max
        }
    }

    /// The longest segment in frames: x264's keyint, so that it never adds a keyframe of its own between cuts.
    var longest: Int {
        switch kind {
        case .every(let gop):
            return gop
        case .at(let frames):
            let ends = Array(frames.dropFirst()) + [max(frameCount ?? 0, (frames.last ?? 0) + 1)]
            return zip(frames, ends).map { $1 - $0 }.max() ?? 1
        }
    }

    /// Where audio segment `index` (from 1) starts, in samples at `sampleRate`.
    func audioBoundary(_ index: Int, sampleRate: Int, fps: Double) -> Int64 {
        switch kind {
        case .every(let gop):
            // A whole number of samples per segment, as audio has always been cut for a fixed GOP.
            return Int64(index) * Int64((Double(gop) / fps * Double(sampleRate)).rounded())
        case .at(let frames):
            guard index < frames.count else { return Int64.max }
            return Int64((Double(frames[index]) / fps * Double(sampleRate)).rounded())
        }
    }

    private func binarySearch(_ frames: [Int], _ frame: Int) -> Int? {
        var low = 0
        var high = frames.count - 1
        while low <= high {
            let middle = (low + high) / 2
            if frames[middle] == frame { return middle }
            if frames[middle] < frame { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }

    /// Chooses cuts among the source's IDR frames: for each multiple of the target length, the IDR nearest to it
    /// (the earlier on a tie), so segments average the target even when keyframes do not fall on it. No cut is
    /// made where the end of the stream is nearer, nor one that would leave a last segment shorter than a quarter
    /// of the target.
    static func choose(idrFrames: [Int], frameCount: Int, targetFrames: Double) -> [Int] {
        var cuts = [0]
        let target = max(targetFrames, 1)
        let minimumTail = target / 4
        var multiple = 1
        var candidates = idrFrames.filter { $0 > 0 && Double(frameCount - $0) >= minimumTail }.sorted()
        while !candidates.isEmpty {
            let ideal = Double(multiple) * target
            guard let best = candidates.min(by: { abs(Double($0) - ideal) < abs(Double($1) - ideal) }),
                abs(Double(best) - ideal) <= abs(Double(frameCount) - ideal)
            else { break }
            cuts.append(best)
            candidates.removeAll { $0 <= best }
            multiple = max(multiple + 1, Int((Double(best) / target).rounded()) + 1)
        }
        return cuts
    }
}
