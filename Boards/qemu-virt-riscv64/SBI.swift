// Calls into the SBI firmware (OpenSBI) that runs below the S-mode kernel.

#if arch(riscv64)
import BoardBoot

/// The SBI extensions the kernel uses.
enum SBI {
    /// The TIME extension ("TIME").
    static let timeExtension: UInt64 = 0x5449_4D45
    /// The base extension.
    static let baseExtension: UInt64 = 0x10

    /// Programs the next supervisor timer interrupt at absolute `time` value `deadline`.
    static func setTimer(_ deadline: UInt64) {
        _ = orion_rv_sbi_call(timeExtension, 0, deadline, 0, 0)
    }

    /// The SBI specification version (major << 24 | minor).
    static func specVersion() -> Int64 {
        orion_rv_sbi_call(baseExtension, 0, 0, 0, 0).value
    }
}
#endif
