// The kernel's version, printed in the boot banner.

/// Orion RT's release version.
public enum OrionVersion {
    /// Semantic version of this tree.
    public static let string: StaticString = "0.1.0"
}
