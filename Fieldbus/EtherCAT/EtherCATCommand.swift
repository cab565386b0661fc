// EtherCAT datagram commands (ETG.1000.4 §5.4; the names SOEM, IgH and Wireshark use).

/// The command of an EtherCAT datagram: how it is addressed and whether it reads, writes or both.
public enum EtherCATCommand: UInt8, Sendable {
    /// No operation: every slave ignores it.
    case nop = 0
    /// Auto-increment physical read: the slave at a position (ADP counts up to 0 as the frame passes).
    case aprd = 1
    /// Auto-increment physical write.
    case apwr = 2
    /// Auto-increment physical read/write.
    case aprw = 3
    /// Configured-address (station address) physical read.
    case fprd = 4
    /// Configured-address physical write.
    case fpwr = 5
    /// Configured-address physical read/write.
    case fprw = 6
    /// Broadcast read: every slave ORs its register into the data.
    case brd = 7
    /// Broadcast write.
    case bwr = 8
    /// Broadcast read/write.
    case brw = 9
    /// Logical memory read (through the slaves' FMMUs).
    case lrd = 10
    /// Logical memory write.
    case lwr = 11
    /// Logical memory read/write.
    case lrw = 12
    /// Auto-increment read, multiple write: the addressed slave's value is written to all that follow (DC).
    case armw = 13
    /// Configured-address read, multiple write.
    case frmw = 14

    /// The name the tools print (`APRD`, `LRW`, ...).
    public var name: StaticString {
        switch self {
        case .nop: return "NOP"
        case .aprd: return "APRD"
        case .apwr: return "APWR"
        case .aprw: return "APRW"
        case .fprd: return "FPRD"
        case .fpwr: return "FPWR"
        case .fprw: return "FPRW"
        case .brd: return "BRD"
        case .bwr: return "BWR"
        case .brw: return "BRW"
        case .lrd: return "LRD"
        case .lwr: return "LWR"
        case .lrw: return "LRW"
        case .armw: return "ARMW"
        case .frmw: return "FRMW"
        }
    }

    /// How the command names its target.
    public enum Addressing: Sendable {
        case none, autoIncrement, configured, broadcast, logical
    }

    public var addressing: Addressing {
        switch self {
        case .nop: return .none
        case .aprd, .apwr, .aprw, .armw: return .autoIncrement
        case .fprd, .fpwr, .fprw, .frmw: return .configured
        case .brd, .bwr, .brw: return .broadcast
        case .lrd, .lwr, .lrw: return .logical
        }
    }

    /// Whether the command reads slave memory into the datagram.
    public var reads: Bool {
        switch self {
        case .aprd, .fprd, .brd, .lrd, .aprw, .fprw, .brw, .lrw, .armw, .frmw: return true
        default: return false
        }
    }

    /// Whether the command writes the datagram into slave memory.
    public var writes: Bool {
        switch self {
        case .apwr, .fpwr, .bwr, .lwr, .aprw, .fprw, .brw, .lrw, .armw, .frmw: return true
        default: return false
        }
    }

    /// The working counter `slaves` slaves that each read and/or write successfully add (ETG.1000.4: a read
    /// adds 1, a write 1, a read-write 3 (1 + 2); ARMW/FRMW add 1 per slave, read or write).
    public func expectedWorkingCounter(readers: Int, writers: Int = 0, readWriters: Int = 0) -> Int {
        switch self {
        case .nop: return 0
        case .armw, .frmw: return readers + writers + readWriters
        case .aprw, .fprw, .brw, .lrw: return readers + 2 * writers + 3 * readWriters
        default: return readers + writers + readWriters
        }
    }
}
