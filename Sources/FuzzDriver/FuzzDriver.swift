#if canImport(Glibc)
import Glibc
#endif

// What every libFuzzer target here shares (see scripts/fuzz and the fuzzing note in the
// team notes): SwiftPM renames an executable target's `main`, which clashes with libFuzzer's,
// so each target's entry point (`@_cdecl("fuzz_NAME_main")`) hands over to libFuzzer's driver.

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// One fuzz input: the bytes, and 0 to return to libFuzzer.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with the process's arguments, calling `target` for every input.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ target: FuzzTarget
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, target)
}

/// A property the fuzzed code must keep. Release builds drop `precondition`'s message, and a
/// finding needs to say what broke: this prints it before aborting (which libFuzzer reports).
public func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    fail(message())
}

/// Reports a broken property and aborts (libFuzzer saves the input that got here).
public func fail(_ message: String) -> Never {
    let text = "fuzz: " + message + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    abort()
}
