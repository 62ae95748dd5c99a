import Foundation
import IngestCore

/// Takes thumbnails from the frames the transcode already decoded: each position is served by the output
/// frame shown at that time, so there is no second decoding pass.
struct ThumbnailTaker {
    struct Written {
        var label: String
        var time: Double
        var width: Int
        var height: Int
        var path: String
    }

    private let plan: ThumbnailPlan
    private let rotation: Int
    private let directory: String
    private let announce: @Sendable (String) -> Void
    private var pending: [ThumbnailPlan.Position]
    private var writers: [JPEGWriter] = []
    private(set) var written: [Written] = []

    init(plan: ThumbnailPlan, rotation: Int, directory: String, announce: @escaping @Sendable (String) -> Void) {
        self.announce = announce
        self.plan = plan
        self.rotation = rotation
        self.directory = directory
        pending = plan.positions.sorted { $0.seconds < $1.seconds }
    }

    /// `frame` is shown from `time` for `slotLength` seconds.
    mutating func offer(_ frame: Frame, at time: Double, slotLength: Double) throws {
        while let next = pending.first, next.seconds < time + slotLength {
            pending.removeFirst()
            try write(frame, position: next)
        }
    }

    private mutating func write(_ frame: Frame, position: ThumbnailPlan.Position) throws {
        if writers.isEmpty {
            try FileManager.default.createDirectory(
                atPath: directory + "/thumbnails",
                withIntermediateDirectories: true
            )
            writers = try plan.sizes.map {
                try JPEGWriter(width: $0.width, height: $0.height, rotation: rotation, quality: plan.quality)
            }
        }
        for (size, writer) in zip(plan.sizes, writers) {
            let name = ThumbnailPlan.fileName(position, size)
            _ = try writer.write(frame, to: directory + "/" + name)
            announce(name)
            written.append(
                Written(
                    label: position.label,
                    time: position.seconds,
                    width: size.width,
                    height: size.height,
                    path: name
                )
            )
        }
        // The poster is the first configured position at the largest width.
        if plan.poster, position == plan.positions.first, let size = plan.sizes.last, let writer = writers.last {
            _ = try writer.write(frame, to: directory + "/" + ThumbnailPlan.posterFile)
            announce(ThumbnailPlan.posterFile)
            written.append(
                Written(
                    label: "poster",
                    time: position.seconds,
                    width: size.width,
                    height: size.height,
                    path: ThumbnailPlan.posterFile
                )
            )
        }
    }
}
