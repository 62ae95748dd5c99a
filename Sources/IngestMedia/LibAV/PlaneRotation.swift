internal import CFFmpeg

/// Turns 8-bit planar pictures by quarter turns. libavfilter's transpose would do it, but linking libavfilter
/// for one operation costs more start-up than these loops cost per frame (they run on the small, scaled picture).
enum PlaneRotation {
    static func rotate(_ source: Frame, into target: Frame, clockwise degrees: Int) throws(AVError) {
        guard let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: source.pointer.pointee.format)) else {
            throw AVError.invalid("rotate a frame of unknown format")
        }
        let planes = Int(descriptor.pointee.nb_components)
        let chromaW = Int(descriptor.pointee.log2_chroma_w)
        let chromaH = Int(descriptor.pointee.log2_chroma_h)
        for index in 0..<min(planes, 3) {
            let shiftW = index == 0 ? 0 : chromaW
            let shiftH = index == 0 ? 0 : chromaH
            let srcW = Int(source.width) >> shiftW
            let srcH = Int(source.height) >> shiftH
            guard let src = plane(of: source, index), let dst = plane(of: target, index) else {
                throw AVError.invalid("rotate a frame without plane \(index)")
            }
            rotatePlane(src: src, dst: dst, width: srcW, height: srcH, degrees: degrees)
        }
    }

    private typealias PlanePointer = (base: UnsafeMutablePointer<UInt8>, stride: Int)

    private static func plane(of frame: Frame, _ index: Int) -> PlanePointer? {
        guard let base = frame.planes[index] else { return nil }
        return (base, Int(frame.strides[index]))
    }

    /// `width`×`height` is the source plane; the target plane is that size turned.
    private static func rotatePlane(src: PlanePointer, dst: PlanePointer, width: Int, height: Int, degrees: Int) {
        for y in 0..<height {
            let row = src.base + y * src.stride
            switch degrees {
            case 90:
                // Source row y becomes target column (height - 1 - y).
                let column = height - 1 - y
                for x in 0..<width { dst.base[x * dst.stride + column] = row[x] }
            case 180:
                let target = dst.base + (height - 1 - y) * dst.stride
                for x in 0..<width { target[width - 1 - x] = row[x] }
            default:
                // 270: source row y becomes target column y, read bottom-up.
                for x in 0..<width { dst.base[(width - 1 - x) * dst.stride + y] = row[x] }
            }
        }
    }
}
