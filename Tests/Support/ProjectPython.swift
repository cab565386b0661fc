// The project's own Python virtual environment with the PyPI peers (virtme-ng, pymodbus, pyserial, pysoem, kickcat,
// pnio-dcp, profinet-py):
// Tools/setup-peers makes it, because Debian's Python refuses `pip install` outside a venv.

import Foundation

public enum ProjectPython {
    /// `~/.cache/orion-rt/venv`, or ORION_VENV.
    public static var venv: String {
        ProcessInfo.processInfo.environment["ORION_VENV"]
            ?? (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.cache/orion-rt/venv"
    }

    /// The venv's bin folder (python3, vng).
    public static var bin: String { venv + "/bin" }

    /// The venv's python3.
    public static var python: String { bin + "/python3" }

    /// Makes the venv with the pinned PyPI peers unless it has them (`Tools/setup-peers --python`, which takes
    /// a lock, so suites running at once install one after the other).
    public static func ensure() throws {
        let check = "import pymodbus, serial, virtme_ng, pysoem, kickcat, pnio_dcp, profinet; assert pymodbus.__version__ == '3.6.9' and pysoem.__version__ == '1.1.13'"
        if FileManager.default.isExecutableFile(atPath: python),
           let r = try? HostProcess.run(python, ["-c", check], timeout: 60), r.status == 0 {
            return
        }
        let setup = TestPaths.packageRoot.appendingPathComponent("Tools/setup-peers").path
        let r = try HostProcess.run(setup, ["--python"], timeout: 1200)
        guard r.status == 0 else {
            throw ToolFailure("Tools/setup-peers --python failed:\n\(r.stdout.suffix(2000))\n\(r.stderr.suffix(2000))")
        }
    }
}
