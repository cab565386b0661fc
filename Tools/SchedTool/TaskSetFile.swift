// Task-set files (YAML, read with Yams): the policy, the tasks and their critical sections, checked with
// every problem reported as `file:line: error: message`.

import Foundation
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

    public init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
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
    /// Tasks a file may declare (the analyses run the kernel's code up to 64 and host code beyond).
    public static let taskLimit = 100_000

    /// Reads `path` and checks it.
    public static func load(path: String) throws(SchedInputError) -> TaskSetSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw SchedInputError(path: path, line: 1, message: exists ? (isDirectory.boolValue ? "is a directory" : "cannot be read") : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SchedInputError(path: path, line: 1, message: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses and checks the YAML `text` of `path`.
    public static func parse(_ text: String, path: String) throws(SchedInputError) -> TaskSetSpec {
        var reader = Reader(path: path, text: text)
        return try reader.read()
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
                let text = try scalar(value, key, "a name").trimmingWhitespace()
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
            let names = map.map { pair -> String in if case .scalar(let s) = pair.key { return s.string } else { return "" } }
            var total: UInt64 = 0
            for (resource, value, resourceLine) in try pairs(map, allowed: names, what: "'resources'") {
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
