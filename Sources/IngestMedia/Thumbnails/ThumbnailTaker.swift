import Foundation
import IngestCore

/// Takes thumbnails from the frames the transcode already decoded: each position is served by the output
/// frame shown at that time, so there is no second decoding pass. Thumbnails kept from an interrupted run are
/// not taken again.
struct ThumbnailTaker {
    struct Written: Sendable, Equatable, Codable {
        var label: String
        var time: Double
        var width: Int
        var height: Int
        var path: String
        var bytes: Int64
        var sha256: String
    }

    private let plan: ThumbnailPlan
    private let rotation: Int
    private let directory: String
    /// Told the files of each position (and the poster with the first) once they are on disk.
    private let completed: ([Written]) throws -> Void
    private var pending: [ThumbnailPlan.Position]
    private var writers: [JPEGWriter] = []
    private(set) var written: [Written]

    init(
        plan: ThumbnailPlan,
        rotation: Int,
        directory: String,
        kept: [Written],
        completed: @escaping ([Written]) throws -> Void
    ) {
        self.completed = completed
        self.plan = plan
        self.rotation = rotation
        self.directory = directory
        written = kept
        let taken = Set(kept.map(\.label))
        pending = plan.positions.filter { !taken.contains($0.label) }.sorted { $0.seconds < $1.seconds }
    }

    var hasPending: Bool { !pending.isEmpty }

    /// When the first position still to take lies (seconds).
    var firstPending: Double? { pending.first?.seconds }

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
        var files: [Written] = []
        for (size, writer) in zip(plan.sizes, writers) {
            let name = ThumbnailPlan.fileName(position, size)
            files.append(try take(frame, writer, size: size, label: position.label, time: position.seconds, name))
        }
        // The poster is the first configured position at the largest width.
        if plan.poster, position == plan.positions.first, let size = plan.sizes.last, let writer = writers.last {
            files.append(
                try take(frame, writer, size: size, label: "poster", time: position.seconds, ThumbnailPlan.posterFile)
            )
        }
        written += files
        try completed(files)
    }

    private func take(
        _ frame: Frame,
        _ writer: JPEGWriter,
        size: ThumbnailPlan.Size,
        label: String,
        time: Double,
        _ name: String
    )
        throws -> Written
    {
        let file = try DurableFile.write(try writer.encode(frame), to: directory + "/" + name)
        return Written(
            label: label,
            time: time,
            width: size.width,
            height: size.height,
            path: name,
            bytes: file.bytes,
            sha256: file.sha256
        )
    }
}
