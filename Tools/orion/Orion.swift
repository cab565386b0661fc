// `orion`: list boards, build board images, boot them in QEMU, trace safety requirements.

import ArgumentParser
import Foundation
import OrionTool
import SafetyTrace

@main
struct Orion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orion",
        abstract: "Orion RT: build images for boards and boot them in QEMU.",
        subcommands: [Boards.self, Build.self, Run.self, ImageCommand.self, Flash.self, Trace.self, Sched.self, CANCommand.self, ModbusCommand.self, EtherCATCommandGroup.self, PNCommandGroup.self, JitterCommand.self])
}

extension Orion {
    /// Runs the command line. Every error reads `orion: error: message`; a usage error (unknown option,
    /// missing value, failed validation) adds the command's usage line and where to find its help, and
    /// exits 2 like every other kind of bad input to orion (instead of ArgumentParser's 64).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // `--policy= FILE` would read FILE as the policy's value: an empty value is refused instead.
        for argument in arguments.prefix(while: { $0 != "--" }) where argument.hasPrefix("--") && argument.hasSuffix("=") {
            usageError("\(argument.dropLast()) needs a value", arguments)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as OrionError {
            fail(error)
        } catch {
            let code = exitCode(for: error)
            // --help, --version and a clean exit print what ArgumentParser prints, on stdout.
            if code == .success { exit(withError: error) }
            let message = self.message(for: error)
            if code == .validationFailure { usageError(message, arguments) }
            if !message.isEmpty { FileHandle.standardError.write(Data("orion: error: \(message)\n".utf8)) }
            Foundation.exit(code.rawValue)
        }
    }

    /// Exits 2 after `orion: error: message`, the usage line of the command `arguments` invoke and
    /// where its help is.
    static func usageError(_ message: String, _ arguments: [String]) -> Never {
        let command = invokedCommand(arguments)
        var text = "orion: error: \(message)\n"
        text += "usage: \(usageString(for: command).replacingOccurrences(of: "\n", with: " "))\n"
        text += "See '\(commandPath(command)) --help' for the options and their ranges.\n"
        FileHandle.standardError.write(Data(text.utf8))
        Foundation.exit(2)
    }

    /// The deepest (sub)command the leading words of `arguments` name (`sched simulate ...` → SchedSimulate).
    static func invokedCommand(_ arguments: [String]) -> ParsableCommand.Type {
        var command: ParsableCommand.Type = Orion.self
        for word in arguments {
            guard let next = command.configuration.subcommands.first(where: { commandName($0) == word }) else { break }
            command = next
        }
        return command
    }

    /// `orion sched simulate` for SchedSimulate.
    static func commandPath(_ command: ParsableCommand.Type) -> String {
        var names: [String] = []
        var level: ParsableCommand.Type = Orion.self
        names.append("orion")
        while ObjectIdentifier(level) != ObjectIdentifier(command), let next = level.configuration.subcommands.first(where: { contains($0, command) }) {
            names.append(commandName(next))
            level = next
        }
        return names.joined(separator: " ")
    }

    /// Whether `command` is `root` or below it.
    static func contains(_ root: ParsableCommand.Type, _ command: ParsableCommand.Type) -> Bool {
        ObjectIdentifier(root) == ObjectIdentifier(command) || root.configuration.subcommands.contains { contains($0, command) }
    }

    /// The name a command is invoked by (its configured name, or ArgumentParser's default from the type name).
    static func commandName(_ command: ParsableCommand.Type) -> String { command._commandName }
}

/// Prints an error the way the rest of the tool does and exits with its status.
func fail(_ error: Error) -> Never {
    if let orion = error as? OrionError {
        FileHandle.standardError.write(Data("orion: error: \(orion.message)\n".utf8))
        exit(orion.exitStatus)
    }
    FileHandle.standardError.write(Data("orion: error: \(error)\n".utf8))
    exit(2)
}

/// Options shared by `build` and `run`.
struct ImageOptions: ParsableArguments {
    @Option(name: .long, help: "Board to build for (see `orion boards`).")
    var board: String = BoardCatalog.defaultBoard

    @Option(name: .long, help: "Guest application (a folder under Boards/Apps).")
    var app: String = BoardCatalog.defaultApp

    @Option(name: .customShort("c"), help: "Build configuration: debug or release.")
    var configuration: String = "debug"

    func resolve() throws -> (Workspace, BoardSpec, BuildConfiguration) {
        guard let spec = BoardCatalog.board(named: board) else {
            throw OrionError("unknown board '\(board)' (known: \(BoardCatalog.all.map(\.name).joined(separator: ", ")))")
        }
        guard let config = BuildConfiguration(rawValue: configuration) else {
            throw OrionError("unknown configuration '\(configuration)' (use debug or release)")
        }
        return (try Workspace.locate(), spec, config)
    }
}

struct Boards: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the boards, their QEMU machine, and whether they can boot here.")

    func run() throws {
        var rows = [["BOARD", "ARCH", "QEMU MACHINE", "BOOTS HERE"]]
        for board in BoardCatalog.all {
            var status = QEMU.missingRequirement(board: board).map { "no: \($0)" } ?? "yes"
            // A board whose QEMU is not the system's says which one boots it (QEMU 10 in the cache).
            if status == "yes", case .cache = board.qemuSource, let installed = try? QEMU.installation(for: board) {
                status = "yes (\(installed.origin))"
            }
            let machine = "\(board.qemuBinary) -M \(board.machine)"
            rows.append([board.name + (board.name == BoardCatalog.defaultBoard ? " (default)" : ""), board.arch, machine, status])
        }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            var line = ""
            for column in 0..<3 { line += row[column].padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0) }
            print(line + row[3])
        }
    }
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build a board image and print its path (ELF, then the raw image where the board needs one).")

    @OptionGroup var image: ImageOptions

    func run() throws {
        do {
            let (workspace, board, config) = try image.resolve()
            let built = try workspace.build(board: board, app: image.app, configuration: config)
            print(built.elf.path)
            if let raw = built.raw { print(raw.path) }
        } catch {
            fail(error)
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build (if needed) and boot an image in QEMU; exits with the guest's status, 124 on timeout.",
        discussion: """
            When QEMU refuses its options or fails before the guest prints anything, its own message is shown \
            and orion exits 2 (bad usage), not with QEMU's status as if the guest had failed.
            """)

    @OptionGroup var image: ImageOptions

    @Option(parsing: .unconditional, help: "Kill QEMU and exit 124 after this many seconds (more than 0, at most 86400).")
    var timeout: Double = 120

    @Option(parsing: .unconditional, help: "Number of CPUs (QEMU -smp), 1..512; a machine may allow fewer (QEMU says so).")
    var smp: Int?

    @Option(parsing: .unconditional, help: "Memory in MiB (QEMU -m), 16..65536.")
    var memory: Int?

    @Flag(help: "Deterministic virtual time: QEMU -icount shift=0,sleep=off.")
    var icount = false

    @Option(parsing: .unconditional, help: "The host tap device the board's NIC is attached to (apps ecat-demo and pn-demo; QEMU creates it when missing, as root).")
    var tap: String = BoardCatalog.defaultTap

    @Option(name: .customLong("qemu-arg"), parsing: .unconditionalSingleValue, help: "Extra argument for QEMU (repeatable, not empty).")
    var qemuArgs: [String] = []

    @Flag(name: .customLong("no-devicetree"),
          help: "Boot without the devicetree the board's firmware passes (raspi4b: bcm2711-rpi-4-b.dtb, given to QEMU with -dtb); the kernel then uses the board's built-in facts.")
    var noDevicetree = false

    /// The ranges stated above.
    static let timeoutRange: ClosedRange<Double> = 0...86_400
    static let smpRange = 1...512
    static let memoryRange = 16...65_536

    func run() throws {
        do {
            // Every value is checked before anything is built or started (NaN and infinities are no timeout).
            guard timeout.isFinite, timeout > 0, Self.timeoutRange.contains(timeout) else {
                throw OrionError("--timeout: \(timeout) is out of range (more than 0, at most 86400 seconds)")
            }
            if let smp, !Self.smpRange.contains(smp) {
                throw OrionError("--smp: \(smp) is out of range (1 to 512)")
            }
            if let memory, !Self.memoryRange.contains(memory) {
                throw OrionError("--memory: \(memory) is out of range (16 to 65536 MiB)")
            }
            if qemuArgs.contains("") { throw OrionError("--qemu-arg: an empty argument (QEMU would take it as a file name)") }
            let (workspace, board, config) = try image.resolve()
            if let missing = QEMU.missingRequirement(board: board) { throw OrionError(missing) }
            let qemu = try QEMU.installation(for: board)
            let implied = try BoardCatalog.impliedQEMUArguments(app: image.app, board: board, tap: tap)
            // The devicetree the board's firmware would pass (raspi4b), unless asked to boot without one.
            let devicetree = noDevicetree ? nil : try QEMU.firmwareDevicetree(for: board)
            let options = BootOptions(cpus: smp, memoryMiB: memory, icount: icount, extraArguments: implied + qemuArgs,
                                      devicetree: devicetree)
            // Check the QEMU options before spending time on a build.
            _ = try QEMU.arguments(board: board, image: URL(fileURLWithPath: "/dev/null"), options: options)
            let built = try workspace.build(board: board, app: image.app, configuration: config)
            let arguments = try qemu.arguments + QEMU.arguments(board: board, image: built.bootImage, options: options)
            FileHandle.standardError.write(Data("orion: booting \(built.bootImage.path) on \(board.name)\(devicetree.map { " with devicetree \($0)" } ?? "")\n".utf8))
            switch try HostTools.runGuest(qemu.executable, arguments, environment: qemu.environment, timeout: timeout) {
            case .exited(let status):
                if status != 0 {
                    FileHandle.standardError.write(Data("orion: guest exited with status \(status)\n".utf8))
                }
                Foundation.exit(status)
            case .didNotStart(let status, let message):
                throw OrionError("QEMU did not start the guest (exit status \(status)):\n\(message)")
            case .timedOut:
                FileHandle.standardError.write(Data("orion: error: timeout: the guest did not exit within \(formatSeconds(timeout)) s; QEMU was killed\n".utf8))
                Foundation.exit(124)
            }
        } catch {
            fail(error)
        }
    }

    func formatSeconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
