// Task-set files (YAML, read with Yams): the policy, the tasks and their critical sections, checked with
// every problem reported as `file:line: error: message`.

import CYaml
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RealTime
import Yams

/// The scheduling policy of a task set.
public enum SchedPolicy: String, Sendable, CaseIterable {
    /// Fixed-priority preemptive.
    case fp
    /// Earliest deadline first.
    case edf
}

/// A problem with the input, at a place in a file.
public struct SchedInputError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file (as given on the command line).
    public var path: String
    /// 1-based line.
    public var line: Int
    /// What is wrong.
    public var message: String

    /// Control characters in `path` and `message` (which may quote the file) are shown escaped
    /// (`\u{1B}`), so an error line cannot carry terminal escapes or forge further lines.
    public init(path: String, line: Int, message: String) {
        self.path = TaskSetFile.escapingControlCharacters(path)
        self.line = line
        self.message = TaskSetFile.escapingControlCharacters(message)
    }

    /// `path:line: error: message`, the form compilers use (editors jump to it).
    public var description: String { "\(path):\(line): error: \(message)" }
}

/// A critical section of a task: the resource and how long the task holds it.
public struct ResourceUse: Equatable, Sendable {
    public var name: String
    public var lengthNs: UInt64
    public var line: Int
}

/// One task as written in the file (times in ns).
public struct TaskSpec: Equatable, Sendable {
    public var name: String
    public var wcetNs: UInt64
    /// Best case for sampled simulation (nil: always the WCET).
    public var bcetNs: UInt64?
    public var periodNs: UInt64
    /// Relative deadline (the period when the file gives none).
    public var deadlineNs: UInt64
    public var jitterNs: UInt64
    public var offsetNs: UInt64
    /// Fixed priority 0 ... 63, larger more urgent (nil: assigned by the tool).
    public var priority: Int?
    public var resources: [ResourceUse]
    /// Where the task's entry starts.
    public var line: Int
    /// Where its `priority` key is (or the task's line).
    public var priorityLine: Int
}

/// A task-set file, checked.
public struct TaskSetSpec: Equatable, Sendable {
    /// The file.
    public var path: String
    /// The policy it names (fp when it names none).
    public var policy: SchedPolicy
    public var tasks: [TaskSpec]
    /// Resource names, in order of first use; a resource's index is its position.
    public var resourceNames: [String]
    /// Where the `tasks` key is.
    public var tasksLine: Int

    /// Whether any task declares release jitter.
    public var hasJitter: Bool { tasks.contains { $0.jitterNs > 0 } }
    /// Whether any task declares a critical section.
    public var hasResources: Bool { tasks.contains { !$0.resources.isEmpty } }
    /// The index of resource `name`.
    public func resourceIndex(_ name: String) -> Int { resourceNames.firstIndex(of: name) ?? 0 }
}

/// Reads and checks task-set files.
public enum TaskSetFile {
    /// The keys a task entry may have.
    public static let taskKeys = ["name", "wcet", "period", "deadline", "jitter", "priority", "offset", "bcet", "resources"]
    /// The keys at the top of the file.
    public static let topKeys = ["policy", "tasks"]
    /// Critical sections one task may declare (the analyses' `AnalysisTask.sectionCapacity`).
    public static let sectionsPerTask = 4
    /// Distinct resources a file may name (the analyses' `AnalysisTaskSet.resourceCapacity`).
    public static let resourceLimit = 16
    /// Tasks a file may declare. The analyses and the simulator grow faster than linearly with the
    /// count; 1,000 keeps `analyze` well under a second (docs/SCHED.md, Limits).
    public static let taskLimit = 1_000
    /// The largest task-set file read, in bytes (1 MiB).
    public static let sizeLimit = 1 << 20
    /// How deeply sequences and mappings may nest (a task-set file needs 4 levels). Checked before Yams
    /// builds its tree, which it does recursively (a file nested thousands deep would overflow the stack).
    public static let nestingLimit = 64

    /// Reads `path` (a regular file of at most `sizeLimit` bytes) and checks it.
    public static func load(path: String) throws(SchedInputError) -> TaskSetSpec {
        try parse(bytes: try readFile(path), path: path)
    }

    /// Checks the bytes of a task-set file named `path` (the name is only used in messages): at most
    /// `sizeLimit` bytes of UTF-8, then as `parse(_:path:)`. Never traps on any input (fuzzing entry point).
    public static func parse(bytes: [UInt8], path: String) throws(SchedInputError) -> TaskSetSpec {
        if bytes.count > sizeLimit { throw tooLarge(path) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SchedInputError(path: path, line: 1, message: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses and checks the YAML `text` of `path` (at most `sizeLimit` bytes, nested at most
    /// `nestingLimit` deep). Never traps on any input.
    public static func parse(_ text: String, path: String) throws(SchedInputError) -> TaskSetSpec {
        if text.utf8.count > sizeLimit { throw tooLarge(path) }
        if let deep = firstLineTooDeep(text) {
            throw SchedInputError(path: path, line: deep, message: "nesting deeper than \(nestingLimit) levels")
        }
        var reader = Reader(path: path, text: text)
        return try reader.read()
    }

    static func tooLarge(_ path: String) -> SchedInputError {
        SchedInputError(path: path, line: 1, message: "larger than \(sizeLimit) bytes (1 MiB), the limit for a task-set file")
    }

    /// The bytes of `path`: refuses anything but a regular file (a FIFO or a device such as /dev/zero
    /// could block or never end) and reads at most `sizeLimit` + 1 bytes.
    static func readFile(_ path: String) throws(SchedInputError) -> [UInt8] {
        func failure(_ message: String) -> SchedInputError { SchedInputError(path: path, line: 1, message: message) }
        // Non-blocking, so opening a FIFO without a writer returns at once; fstat then refuses it.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: throw failure("no such file")
            case EACCES, EPERM: throw failure("cannot be read: permission denied")
            default: throw failure("cannot be read: \(String(cString: strerror(code)))")
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot be read: \(String(cString: strerror(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw failure("is a directory")
        default: throw failure("not a regular file (a FIFO, socket or device cannot be a task-set file)")
        }
        if info.st_size > off_t(sizeLimit) { throw tooLarge(path) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= sizeLimit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot be read: \(String(cString: strerror(errno)))")
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        if bytes.count > sizeLimit { throw tooLarge(path) }
        return bytes
    }

    /// The 1-based line where sequences and mappings first nest deeper than `nestingLimit`, or nil.
    ///
    /// Runs libyaml's event parser, which keeps its state in explicit stacks rather than recursing, so
    /// any depth is safe here. On a syntax error it stops: Yams then reports the error, and nests no
    /// deeper than the events seen up to it.
    static func firstLineTooDeep(_ text: String) -> Int? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > nestingLimit { return Int(event.start_mark.line) + 1 }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT, YAML_NO_EVENT:
                    return nil
                default:
                    break
                }
            }
        }
    }

    /// The first character of `text` that may not be in a task or resource name: a control character
    /// (C0, DEL, C1: newline, tab, escape...), a line or paragraph separator, or a bidirectional-text
    /// control (which can make a name display as another).
    public static func forbiddenCharacter(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            let category = scalar.properties.generalCategory
            return category == .control || category == .lineSeparator || category == .paragraphSeparator
                || scalar.properties.isBidiControl
        }
    }

    /// `text` with every forbidden character (see `forbiddenCharacter`) written as `\u{XX}`.
    public static func escapingControlCharacters(_ text: String) -> String {
        guard forbiddenCharacter(in: text) != nil else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if forbiddenCharacter(in: String(scalar)) != nil {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// The checking reader: walks the Yams node tree and remembers where things are.
struct Reader {
    let path: String
    let text: String

    init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    func error(_ line: Int, _ message: String) -> SchedInputError {
        SchedInputError(path: path, line: max(line, 1), message: message)
    }

    func line(of node: Node) -> Int { node.mark?.line ?? 1 }

    /// The YAML tree, or the parser's complaint at its line.
    func compose() throws(SchedInputError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let yaml as YamlError {
            throw describe(yaml)
        } catch {
            throw self.error(1, "malformed YAML: \(error)")
        }
        guard let root else { throw self.error(1, "empty task-set file (expected 'policy' and 'tasks')") }
        return root
    }

    /// A Yams error as `line: message`.
    func describe(_ yaml: YamlError) -> SchedInputError {
        switch yaml {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            var message = "malformed YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return error(mark.line, message)
        case let .reader(problem, offset, _, _):
            let line = offset.map { byteOffset in 1 + text.utf8.prefix(byteOffset).filter { $0 == UInt8(ascii: "\n") }.count } ?? 1
            return error(line, "malformed YAML: \(problem)")
        default:
            return error(1, "malformed YAML: \(yaml)")
        }
    }

    /// The pairs of a mapping, checking each key is a plain string from `allowed` and appears once.
    func pairs(_ mapping: Node.Mapping, allowed: [String], what: String) throws(SchedInputError) -> [(key: String, value: Node, line: Int)] {
        var seen: [String: Int] = [:]
        var out: [(key: String, value: Node, line: Int)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw error(line(of: keyNode), "\(what) keys must be plain words") }
            let key = scalar.string
            let at = line(of: keyNode)
            try refuseMergeKey(keyNode)
            if let first = seen[key] { throw error(at, "duplicate key '\(key)' (first at line \(first))") }
            guard allowed.contains(key) else {
                throw error(at, "unknown key '\(key)' in \(what) (expected one of: \(allowed.joined(separator: ", ")))")
            }
            seen[key] = at
            out.append((key, value, at))
        }
        return out
    }

    func scalar(_ node: Node, _ key: String, _ expected: String) throws(SchedInputError) -> String {
        guard case .scalar(let scalar) = node else { throw error(line(of: node), "'\(key)' must be \(expected)") }
        return scalar.string
    }

    /// Yams' tree keeps `<<` as a plain key; an error in what it merges would point at the anchor, far
    /// from the use. Task-set files spell their keys out instead.
    func refuseMergeKey(_ key: Node) throws(SchedInputError) {
        if Resolver.default.resolveTag(of: key) == .merge {
            throw error(line(of: key), "merge keys ('<<') are not supported in task-set files: write the keys out")
        }
    }

    /// A name (of a task or a resource): a string, not null, a number or a boolean, and free of control
    /// characters, so that no output can be forged or carry terminal escapes through it.
    func name(_ node: Node, what: String) throws(SchedInputError) -> String {
        guard case .scalar(let scalar) = node else { throw error(line(of: node), "\(what) name must be a string") }
        switch Resolver.default.resolveTag(of: node) {
        case .str: break
        case .null: throw error(line(of: node), "\(what) name is null ('\(scalar.string)'); write a name, in quotes if it must be '\(scalar.string)'")
        default: throw error(line(of: node), "\(what) name '\(scalar.string)' is not a string; put it in quotes")
        }
        let text = scalar.string.trimmingWhitespace()
        if let bad = TaskSetFile.forbiddenCharacter(in: text) {
            throw error(line(of: node), "\(what) name contains a control character (U+\(String(format: "%04X", bad.value)))")
        }
        return text
    }

    func duration(_ node: Node, _ key: String) throws(SchedInputError) -> UInt64 {
        let text = try scalar(node, key, "a duration such as 5ms")
        do {
            return try Durations.parse(text)
        } catch {
            throw self.error(line(of: node), "'\(key)': \(error.message)")
        }
    }

    mutating func read() throws(SchedInputError) -> TaskSetSpec {
        let root = try compose()
        guard case .mapping(let top) = root else {
            throw error(line(of: root), "a task-set file is a mapping with 'policy' and 'tasks'")
        }
        var policy = SchedPolicy.fp
        var tasksNode: Node?
        var tasksLine = 1
        for (key, value, at) in try pairs(top, allowed: TaskSetFile.topKeys, what: "the task-set file") {
            switch key {
            case "policy":
                let name = try scalar(value, key, "fp or edf")
                guard let p = SchedPolicy(rawValue: name) else {
                    throw error(line(of: value), "unknown policy '\(name)' (use fp or edf)")
                }
                policy = p
            default:
                tasksNode = value
                tasksLine = at
            }
        }
        guard let tasksNode else { throw error(1, "no 'tasks' list") }
        guard case .sequence(let list) = tasksNode else {
            throw error(line(of: tasksNode), "'tasks' must be a list of tasks (each entry starting with '- name:')")
        }
        guard !list.isEmpty else { throw error(tasksLine, "'tasks' is empty") }
        if list.count > TaskSetFile.taskLimit { throw error(tasksLine, "more than \(TaskSetFile.taskLimit) tasks") }
        var tasks: [TaskSpec] = []
        var resourceNames: [String] = []
        var names: [String: Int] = [:]
        for entry in list {
            let task = try readTask(entry, &resourceNames)
            if let first = names[task.name] { throw error(task.line, "duplicate task name '\(task.name)' (first at line \(first))") }
            names[task.name] = task.line
            tasks.append(task)
        }
        return TaskSetSpec(path: path, policy: policy, tasks: tasks, resourceNames: resourceNames, tasksLine: tasksLine)
    }

    func readTask(_ entry: Node, _ resourceNames: inout [String]) throws(SchedInputError) -> TaskSpec {
        guard case .mapping(let mapping) = entry else {
            throw error(line(of: entry), "each task is a mapping with name, wcet and period")
        }
        let at = line(of: entry)
        var name: String?
        var wcet: (UInt64, Int)?
        var period: (UInt64, Int)?
        var deadline: (UInt64, Int)?
        var bcet: (UInt64, Int)?
        var jitter: UInt64 = 0
        var offset: UInt64 = 0
        var priority: Int?
        var priorityLine = at
        var resourcesNode: Node?
        for (key, value, keyLine) in try pairs(mapping, allowed: TaskSetFile.taskKeys, what: "a task") {
            switch key {
            case "name":
                let text = try self.name(value, what: "task")
                guard !text.isEmpty else { throw error(keyLine, "'name' is empty") }
                name = text
            case "wcet": wcet = (try duration(value, key), keyLine)
            case "period": period = (try duration(value, key), keyLine)
            case "deadline": deadline = (try duration(value, key), keyLine)
            case "bcet": bcet = (try duration(value, key), keyLine)
            case "jitter": jitter = try duration(value, key)
            case "offset": offset = try duration(value, key)
            case "priority":
                let text = try scalar(value, key, "an integer from 0 to 63")
                guard let p = Int(text), (0..<Priority.levels).contains(p) else {
                    throw error(keyLine, "'priority' must be an integer from 0 (least urgent) to 63, not '\(text)'")
                }
                priority = p
                priorityLine = keyLine
            default: resourcesNode = value
            }
        }
        guard let name else { throw error(at, "task without a 'name'") }
        guard let (wcetNs, wcetLine) = wcet else { throw error(at, "task '\(name)' has no 'wcet'") }
        guard let (periodNs, periodLine) = period else { throw error(at, "task '\(name)' has no 'period'") }
        if periodNs == 0 { throw error(periodLine, "task '\(name)': period must be greater than zero") }
        if wcetNs == 0 { throw error(wcetLine, "task '\(name)': wcet must be greater than zero") }
        let deadlineNs = deadline?.0 ?? periodNs
        if let (d, line) = deadline, d == 0 { throw error(line, "task '\(name)': deadline must be greater than zero") }
        if wcetNs > deadlineNs {
            let which = deadline == nil ? "its period \(Durations.format(periodNs)) (the default deadline)" : "its deadline \(Durations.format(deadlineNs))"
            throw error(wcetLine, "task '\(name)': wcet \(Durations.format(wcetNs)) exceeds \(which)")
        }
        if let (b, line) = bcet, b > wcetNs {
            throw error(line, "task '\(name)': bcet \(Durations.format(b)) exceeds its wcet \(Durations.format(wcetNs))")
        }
        var resources: [ResourceUse] = []
        if let resourcesNode {
            guard case .mapping(let map) = resourcesNode else {
                throw error(line(of: resourcesNode), "'resources' must be a mapping of resource names to critical-section lengths, such as { can_bus: 200us }")
            }
            var total: UInt64 = 0
            for (keyNode, value) in map {
                try refuseMergeKey(keyNode)
                let resource = try self.name(keyNode, what: "resource")
                let resourceLine = line(of: keyNode)
                if let first = resources.first(where: { $0.name == resource }) {
                    throw error(resourceLine, "duplicate key '\(resource)' (first at line \(first.line))")
                }
                guard !resource.isEmpty else { throw error(resourceLine, "resource names must be plain words") }
                let length = try duration(value, resource)
                if length == 0 { throw error(resourceLine, "task '\(name)': critical section on '\(resource)' must be longer than zero") }
                total += length
                if total > wcetNs {
                    throw error(resourceLine, "task '\(name)': critical sections total \(Durations.format(total)), more than its wcet \(Durations.format(wcetNs))")
                }
                if resources.count == TaskSetFile.sectionsPerTask {
                    throw error(resourceLine, "task '\(name)': at most \(TaskSetFile.sectionsPerTask) resources per task")
                }
                if !resourceNames.contains(resource) {
                    if resourceNames.count == TaskSetFile.resourceLimit {
                        throw error(resourceLine, "more than \(TaskSetFile.resourceLimit) distinct resources in one task set")
                    }
                    resourceNames.append(resource)
                }
                resources.append(ResourceUse(name: resource, lengthNs: length, line: resourceLine))
            }
        }
        return TaskSpec(name: name, wcetNs: wcetNs, bcetNs: bcet?.0, periodNs: periodNs, deadlineNs: deadlineNs, jitterNs: jitter,
                        offsetNs: offset, priority: priority, resources: resources, line: at, priorityLine: priorityLine)
    }
}
