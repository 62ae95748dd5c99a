/// Constant frame rate from any source timing: output slot n (at n / fps) shows the latest source frame whose
/// time is at or before the middle of that slot, so frames are repeated or dropped as VFR sources need.
struct FrameRateConverter: Sendable {
    let fps: Double
    private(set) var nextSlot = 0

    init(fps: Double) {
        self.fps = fps
    }

    /// A source frame arrives at `time` (seconds from the first frame): how many slots the previous frame fills.
    mutating func slotsBefore(time: Double) -> Int {
        var count = 0
        while (Double(nextSlot) + 0.5) / fps <= time {
            nextSlot += 1
            count += 1
        }
        return count
    }

    /// At the end: how many slots the last frame fills so the output lasts `end` seconds.
    mutating func slotsUntil(end: Double) -> Int {
        let total = max(1, Int((end * fps).rounded()))
        let count = max(0, total - nextSlot)
        nextSlot += count
        return count
    }
}
