/// The order a publish set goes up in, so that no object is visible before everything it names:
/// segments and init segments, then thumbnails and the MP4, media playlists, master playlist and MPD, and
/// `video.json` last.
public enum PublishOrder {
    /// Groups keys into batches that must complete one after the other; keys inside a batch may go up in
    /// parallel. Empty kinds are left out; keys keep their given order inside a batch.
    public static func batches(_ keys: [String]) -> [[String]] {
        var byKind: [ObjectKind: [String]] = [:]
        for key in keys {
            byKind[ObjectKind(key: key), default: []].append(key)
        }
        return ObjectKind.allCases.compactMap { byKind[$0] }
    }

    /// The same order as one flat list.
    public static func sorted(_ keys: [String]) -> [String] {
        batches(keys).flatMap { $0 }
    }
}
