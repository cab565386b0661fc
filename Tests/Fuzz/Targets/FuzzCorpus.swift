// Where each target's seed and regression inputs live, for the replay driver and the corpus tests.

import Foundation

/// The committed corpus: `Tests/Fuzz/Corpus/<target>/`, seeds and every input that once crashed.
public enum FuzzCorpus {
    /// The corpus folder of `target` in the package at `root`.
    public static func folder(of target: FuzzTarget, root: String) -> String {
        root + "/Tests/Fuzz/Corpus/" + target.rawValue
    }

    /// `path` itself if it is a file, else the regular files in it (not recursive), sorted; nil if there
    /// is nothing at `path`.
    public static func files(at path: String) -> [String]? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return nil }
        guard isFolder.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }.filter {
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &folder) && !folder.boolValue
        }
    }
}
