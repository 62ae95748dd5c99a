import IngestCore

/// The still pictures one video gets: each position (percentages and seconds of the config) at each width,
/// plus the poster.
struct ThumbnailPlan: Sendable, Equatable {
    struct Position: Sendable, Equatable {
        /// `p10` for 10 %, `s12.5` for 12.5 s.
        var label: String
        var seconds: Double
    }

    struct Size: Sendable, Equatable {
        var width: Int
        var height: Int
    }

    var positions: [Position]
    var sizes: [Size]
    var poster: Bool
    var quality: Int

    /// Widths above the upright source width are capped to it (never upscale); heights keep the aspect, even.
    init(settings: ThumbnailSettings, duration: Double, frameDuration: Double, displayWidth: Int, displayHeight: Int) {
        let last = max(0, duration - frameDuration)
        var positions = settings.percentages.map { percent in
            Position(label: "p" + ThumbnailPlan.number(percent), seconds: min(last, duration * percent / 100))
        }
        positions += settings.seconds.filter { $0 <= duration }.map {
            Position(label: "s" + ThumbnailPlan.number($0), seconds: min(last, $0))
        }
        self.positions = positions
        var sizes: [Size] = []
        for requested in settings.widths.sorted() {
            let width = max(2, min(requested, displayWidth) & ~1)
            let height = max(2, Int((Double(width) * Double(displayHeight) / Double(displayWidth) / 2).rounded()) * 2)
            if !sizes.contains(where: { $0.width == width }) { sizes.append(Size(width: width, height: height)) }
        }
        self.sizes = sizes
        poster = settings.poster && !positions.isEmpty
        quality = settings.quality
    }

    static func fileName(_ position: Position, _ size: Size) -> String {
        "thumbnails/\(position.label)_w\(size.width).jpg"
    }

    static let posterFile = "poster.jpg"

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
