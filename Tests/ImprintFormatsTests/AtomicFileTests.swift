import Foundation
import XCTest
@testable import ImprintFormats

/// A write that fails half-way (a full disk, a file-size limit) leaves the destination's old contents and no temporary
/// file, and its error names the destination and the cause.
final class AtomicFileTests: XCTestCase {
    override func tearDown() {
        WriteFaultInjection.byteLimit = nil
    }

    /// 6 MB of tensor data: more than one 4 MiB flush, so the failure comes after bytes are already on disk.
    let tensors = [SafetensorsTensor(name: "weight", shape: [1_500_000], values: (0..<1_500_000).map { Float($0 % 977) })]

    func testAnInjectedFullDiskHalfWayKeepsTheOldFile() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("out.safetensors")
        try Data("old contents".utf8).write(to: url)
        var temporarySizes: [Int] = []
        WriteFaultInjection.byteLimit = { path in
            XCTAssertEqual(path, url.path)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            temporarySizes += names.filter { $0.hasSuffix(".tmp") }.map {
                (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent($0).path)[.size] as? Int) ?? -1
            }
            return 5_000_000
        }
        assertFormatError(try SafetensorsWriter.write(tensors, to: url),
                          mentions: [url.path, "cannot write", "No space left on device", "after 5000000 bytes"])
        XCTAssertEqual(temporarySizes.count, 2, "two flushes")
        XCTAssertGreaterThan(temporarySizes.last ?? 0, 4_000_000, "the first 4 MiB were on disk when the second flush failed")
        XCTAssertEqual(try Data(contentsOf: url), Data("old contents".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.safetensors"])

        WriteFaultInjection.byteLimit = { _ in 0 }
        assertFormatError(try NPY.write([1, 2, 3], shape: [3], to: directory.appendingPathComponent("new.npy")),
                          mentions: ["new.npy", "after 0 bytes"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.safetensors"])
    }

    /// The temporary file a killed write left (`.<name>.<uuid>.tmp`) is removed by the next write of the same file;
    /// nothing else is touched.
    func testTheNextWriteRemovesAKilledWritesTemporaryFile() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("out.npy")
        let leftover = ".out.npy.\(UUID().uuidString).tmp"
        let others = [".out.npy.not-a-uuid.tmp", ".other.npy.\(UUID().uuidString).tmp", ".out.npy.\(UUID().uuidString).staged"]
        for name in [leftover] + others {
            try Data("left by a killed write".utf8).write(to: directory.appendingPathComponent(name))
        }
        try NPY.write([1, 2, 3], shape: [3], to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), (others + ["out.npy"]).sorted())

        // Files staged beside a destination (`.<name>.<uuid>.staged`, as `LoRAAdapter.save` stages) and their own
        // temporary files.
        let staged = [".out.npy.\(UUID().uuidString).staged", "..out.npy.\(UUID().uuidString).staged.\(UUID().uuidString).tmp"]
        for name in staged { try Data("staged".utf8).write(to: directory.appendingPathComponent(name)) }
        AtomicFile.removeLeftovers(of: url, suffix: ".staged")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
                       (others.filter { !$0.hasSuffix(".staged") } + ["out.npy"]).sorted())
    }

    /// A real failure from the kernel: a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes write(2) fail with EFBIG
    /// part-way through the file.
    func testAFileSizeLimitHalfWayKeepsTheOldFile() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("out.safetensors")
        try Data("old contents".utf8).write(to: url)
        var original = rlimit()
        XCTAssertEqual(getrlimit(RLIMIT_FSIZE_VALUE, &original), 0)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limited = original
        limited.rlim_cur = 1 << 20
        XCTAssertEqual(setrlimit(RLIMIT_FSIZE_VALUE, &limited), 0)
        let result = Result { try SafetensorsWriter.write(tensors, to: url) }
        setrlimit(RLIMIT_FSIZE_VALUE, &original)
        signal(SIGXFSZ, previousHandler)
        assertFormatError(try result.get(), mentions: [url.path, "cannot write", String(cString: strerror(EFBIG))])
        XCTAssertEqual(try Data(contentsOf: url), Data("old contents".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.safetensors"])
    }
}

/// `RLIMIT_FSIZE` as `getrlimit` takes it (an enum case in Glibc's overlay, a plain constant on Darwin).
#if canImport(Glibc)
private let RLIMIT_FSIZE_VALUE = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
#else
private let RLIMIT_FSIZE_VALUE = RLIMIT_FSIZE
#endif
