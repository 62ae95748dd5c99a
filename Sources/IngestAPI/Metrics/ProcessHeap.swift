import CMallocInfo

/// The C allocator's own totals (glibc `mallinfo2`, summed over its arenas): what the process has allocated and not
/// freed, and what the allocator holds free for reuse. RSS alone cannot tell a leak (in-use bytes grow) from memory
/// the allocator keeps after a burst (free bytes grow); /metrics reports both.
struct ProcessHeap {
    /// Allocated and not freed, large mappings included.
    var inUse: Int
    /// Free chunks the allocator keeps in its arenas.
    var free: Int

    static func read() -> ProcessHeap {
        let info = mallinfo2()
        return ProcessHeap(inUse: Int(info.uordblks + info.hblkhd), free: Int(info.fordblks))
    }
}
